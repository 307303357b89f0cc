using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Statements;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;

namespace SecAgg.Participant.Client;

/// <summary>
/// Joining a key epoch over the KeyEpoch RPCs, driving <see cref="ParticipantKeyEpoch"/> (docs/threat-model.md, "Key
/// epoch"): the signed commit (its secrets saved 0600 before anything is sent) → wait for all N commits → the signed
/// reveal and the sealed Shamir dealing (state saved again) → wait for all N reveals and the N − 1 blobs addressed to
/// this participant → <see cref="ParticipantKeyEpoch.Complete"/> → the <see cref="EpochKeys"/> saved 0600 →
/// AcknowledgeKeyShares. A restart resumes from the saved state without drawing new secrets (the same commit, reveal and
/// blobs; the signed commit and reveal are saved as sent, since ECDSA signatures are randomized, so every re-send is
/// identical). Each wait says whose contribution is missing.
/// </summary>
internal sealed class KeyEpochJoin(AggregatorSession session)
{
    /// <summary>The state file of an epoch in progress (secret: r_i, ka_i, s_i, the dealing seed, the verified commits).</summary>
    public static string StateFile(ulong epoch) => $"epoch-{epoch}.state";

    /// <summary>The key file of a completed epoch (secret: s_i and the N Shamir shares).</summary>
    public static string KeysFile(ulong epoch) => $"epoch-{epoch}.keys";

    /// <summary>Joins the current key epoch (or confirms a completed join).</summary>
    /// <exception cref="InvalidDataException">The aggregator serves another consortium, roster or threshold.</exception>
    /// <exception cref="KeyEpochException">A contribution was forged, substituted or is missing (names the participant).</exception>
    /// <exception cref="InvalidOperationException">The aggregator holds another commit or reveal of this participant for the epoch.</exception>
    public async Task<JoinResult> JoinAsync(CancellationToken ct)
    {
        EpochInfo info = await session.EpochInfoAsync(0, ct).ConfigureAwait(false);
        session.CheckAndAdmit(info);
        ulong epoch = info.EpochId;
        int party = session.Config.Descriptor.IndexOf(session.Id) + 1;
        if (session.State.ReadFile(KeysFile(epoch)) is { } stored)
        {
            CryptographicOperations.ZeroMemory(stored);
        }
        else
        {
            using ParticipantKeyEpoch keyEpoch = StartOrResume(epoch);
            await CommitAsync(keyEpoch, ct).ConfigureAwait(false);
            IReadOnlyList<SignedStatement> commits = await WaitForStatementsAsync("commits", epoch, (r, t) => session.KeyEpoch.GetCommitsAsync(r, AggregatorSession.Call(t)).ResponseAsync, ct).ConfigureAwait(false);

            // Every signer's certificate is relayed once it has connected: admit them before verifying.
            session.CheckAndAdmit(await session.EpochInfoAsync(epoch, ct).ConfigureAwait(false));
            EpochDealing dealing = keyEpoch.Deal([.. commits]);
            SaveState(keyEpoch);
            await RevealAsync(epoch, dealing, ct).ConfigureAwait(false);

            IReadOnlyList<SignedStatement> reveals = await WaitForStatementsAsync("reveals", epoch, (r, t) => session.KeyEpoch.GetRevealsAsync(r, AggregatorSession.Call(t)).ResponseAsync, ct).ConfigureAwait(false);
            Dictionary<string, byte[]> blobs = await CollectBlobsAsync(epoch, ct).ConfigureAwait(false);
            using EpochKeys keys = keyEpoch.Complete([.. reveals], blobs);
            session.State.WriteFile(KeysFile(epoch), keys.Serialize(), secret: true);
            session.State.DeleteFile(StateFile(epoch));
            session.State.DeleteFile($"epoch-{epoch}.commit");
            session.State.DeleteFile($"epoch-{epoch}.reveal");
            ParticipantLog.EpochKeysSaved(session.Logger, epoch, session.Id);
        }

        AcknowledgeKeySharesResponse ack = await session.Retry.CallAsync(
            "AcknowledgeKeyShares",
            t => session.KeyEpoch.AcknowledgeKeySharesAsync(new AcknowledgeKeySharesRequest { EpochId = epoch }, AggregatorSession.Call(t)).ResponseAsync,
            ct).ConfigureAwait(false);
        return new JoinResult(epoch, party, session.Config.Descriptor.ParticipantCount, session.Config.Threshold, session.Config.Descriptor.FormatDigest(), (int)ack.Acknowledged, ack.Stage == KeyEpochStage.Ready);
    }

    /// <summary>Whether a join of some key epoch completed here (its <c>epoch-E.keys</c> file is in the state directory).</summary>
    public bool HasJoined() =>
        System.IO.Directory.Exists(session.State.Directory)
        && System.IO.Directory.EnumerateFiles(session.State.Directory, "epoch-*.keys").Any();

    /// <summary>The keys of <paramref name="epoch"/> saved by a completed join.</summary>
    /// <exception cref="InvalidOperationException">This participant has not completed that epoch.</exception>
    /// <exception cref="InvalidDataException">The key file is damaged or of another participant or parameter set.</exception>
    public EpochKeys LoadKeys(ulong epoch)
    {
        byte[] bytes = session.State.ReadFile(KeysFile(epoch))
            ?? throw new InvalidOperationException($"'{session.Id}' holds no keys of key epoch {epoch} in '{session.State.Directory}'; join it first (secagg participant join).");
        try
        {
            return EpochKeys.Deserialize(session.Preset.Aggregation, session.Id, epoch, bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private ParticipantKeyEpoch StartOrResume(ulong epoch)
    {
        byte[]? state = session.State.ReadFile(StateFile(epoch));
        if (state is null)
        {
            ParticipantKeyEpoch fresh = ParticipantKeyEpoch.Start(session.Preset, session.Roster, session.Signer, session.Id, epoch);
            SaveState(fresh);
            return fresh;
        }

        try
        {
            ParticipantLog.EpochResumed(session.Logger, epoch, session.Id);
            return ParticipantKeyEpoch.Resume(session.Preset, session.Roster, session.Signer, session.Id, epoch, state);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(state);
        }
    }

    private void SaveState(ParticipantKeyEpoch keyEpoch) => session.State.WriteFile(StateFile(keyEpoch.Epoch), keyEpoch.ExportState(), secret: true);

    /// <summary>
    /// The statement saved under <paramref name="name"/>, or <paramref name="create"/>'s, saved first. ECDSA signatures are
    /// randomized: a re-signed commit or reveal would differ from the one the aggregator holds (ALREADY_EXISTS), so a
    /// resumed join re-sends the saved bytes.
    /// </summary>
    private SignedStatement Saved(string name, Func<SignedStatement> create)
    {
        if (session.State.ReadFile(name) is { } bytes)
        {
            return SignedStatement.Deserialize(bytes);
        }

        SignedStatement created = create();
        session.State.WriteFile(name, created.Serialize());
        return created;
    }

    private async Task CommitAsync(ParticipantKeyEpoch keyEpoch, CancellationToken ct)
    {
        SignedStatement commit = Saved($"epoch-{keyEpoch.Epoch}.commit", keyEpoch.CreateCommit);
        var request = new SubmitStatementRequest { EpochId = keyEpoch.Epoch, Statement = StatementContract.ToContract(commit) };
        await SubmitAsync("SubmitCommit", "commit", keyEpoch.Epoch, t => session.KeyEpoch.SubmitCommitAsync(request, AggregatorSession.Call(t)).ResponseAsync, ct).ConfigureAwait(false);
    }

    private async Task RevealAsync(ulong epoch, EpochDealing dealing, CancellationToken ct)
    {
        SignedStatement reveal = Saved($"epoch-{epoch}.reveal", () => dealing.Reveal);
        var request = new SubmitStatementRequest { EpochId = epoch, Statement = StatementContract.ToContract(reveal) };
        await SubmitAsync("SubmitReveal", "reveal", epoch, t => session.KeyEpoch.SubmitRevealAsync(request, AggregatorSession.Call(t)).ResponseAsync, ct).ConfigureAwait(false);
        using var call = session.KeyEpoch.UploadThresholdShares(AggregatorSession.Call(ct));
        await call.SendAsync(
            dealing.Blobs.Select(b => new ThresholdShareBlob { EpochId = epoch, SenderId = session.Id, RecipientId = b.Key, Ciphertext = UnsafeByteOperations.UnsafeWrap(b.Value) }),
            ct).ConfigureAwait(false);
    }

    private async Task SubmitAsync(string operation, string what, ulong epoch, Func<CancellationToken, Task<SubmitStatementResponse>> call, CancellationToken ct)
    {
        try
        {
            await session.Retry.CallAsync(operation, call, ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            throw new InvalidOperationException(
                $"The aggregator holds another {what} of '{session.Id}' for key epoch {epoch} than the one in '{session.State.Directory}' ({e.Status.Detail}). " +
                "The state directory was replaced or another process joined with this identity; the epoch cannot complete, ask the operator to start a new one.", e);
        }
    }

    private async Task<IReadOnlyList<SignedStatement>> WaitForStatementsAsync(string what, ulong epoch, Func<GetStatementsRequest, CancellationToken, Task<StatementList>> read, CancellationToken ct)
    {
        StatementList list = await session.Retry.WaitAsync(
            what,
            t => read(new GetStatementsRequest { EpochId = epoch, WaitMillis = AggregatorSession.LongPollMillis }, t),
            o => o.Result is { Complete: false } list
                ? $"{session.Config.Descriptor.ParticipantCount - list.WaitingFor.Count} of {session.Config.Descriptor.ParticipantCount} {what} of key epoch {epoch} in; waiting for {string.Join(", ", list.WaitingFor)}"
                : null,
            int.MaxValue,
            ct).ConfigureAwait(false);
        return [.. list.Statements.Select(StatementContract.FromContract)];
    }

    /// <summary>Long-polls FetchThresholdShares until a blob from every other participant is held.</summary>
    private async Task<Dictionary<string, byte[]>> CollectBlobsAsync(ulong epoch, CancellationToken ct)
    {
        var received = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        string[] dealers = [.. session.Config.Descriptor.Roster.Select(e => e.ParticipantId).Where(id => id != session.Id)];
        await session.Retry.WaitAsync(
            "threshold shares",
            async t =>
            {
                var request = new FetchThresholdSharesRequest { EpochId = epoch, WaitMillis = AggregatorSession.LongPollMillis };
                request.HaveSenderIds.AddRange(received.Keys);
                using var call = session.KeyEpoch.FetchThresholdShares(request, AggregatorSession.Call(t));
                await foreach (ThresholdShareBlob blob in call.ResponseStream.ReadAllAsync(t).ConfigureAwait(false))
                {
                    if (blob.RecipientId == session.Id && blob.EpochId == epoch && !received.ContainsKey(blob.SenderId))
                    {
                        received[blob.SenderId] = blob.Ciphertext.ToByteArray();
                    }
                }

                return received.Count;
            },
            o => o.Exception is null && o.Result < dealers.Length
                ? $"{o.Result} of {dealers.Length} sealed shares for '{session.Id}' in; waiting for the dealing of {string.Join(", ", dealers.Where(d => !received.ContainsKey(d)))}"
                : null,
            int.MaxValue,
            ct).ConfigureAwait(false);
        return received;
    }
}
