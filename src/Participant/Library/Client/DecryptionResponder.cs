using System.Runtime.CompilerServices;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Approval;
using SecAgg.Protocol.Epoch;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Participant.Client;

/// <summary>
/// Answers a round's decryption session (docs/threat-model.md, "Decryption"): says it is present, waits for DECRYPTING,
/// checks the session with <see cref="MemberDecryption.Open"/> (U's commitments and approvals, D of exactly t, the own
/// file's chunk count, the <see cref="FileDecryptionLedger"/> in the 0600 state directory: one session per (epoch,
/// round), within Q_cap) and streams its shares h_j chunk by chunk, each answer recorded in the ledger before the share
/// is computed and sent (a resumed stream re-sends the same bytes: a share is derived from the keys, session and chunk). A refusal is logged with its reason and nothing is computed.
/// </summary>
internal sealed class DecryptionResponder(AggregatorSession session, RoundKeys roundKeys)
{
    /// <summary>The send buffer of a share, kept from one round to the next.</summary>
    private static readonly KeptBuffer ShareBuffer = new();

    /// <summary>The decryption ledger's folder in the state directory.</summary>
    public const string LedgerFolder = "decryption-ledger";

    /// <summary>Answers the session of a round (a non-member, or a round that ended, gets Done = false with the reason).</summary>
    /// <remarks>The epoch keys the round's upload kept (<see cref="RoundKeys"/>) are used and then wiped, whatever the
    /// outcome, unless the client keeps them between rounds (<see cref="ParticipantClientOptions.KeepEpochKeysBetweenRounds"/>).</remarks>
    public async Task<RoundAnswer> AnswerAsync(ulong round, CancellationToken ct)
    {
        try
        {
            return await AnswerKeptAsync(round, ct).ConfigureAwait(false);
        }
        finally
        {
            roundKeys.Release(round);
        }
    }

    private async Task<RoundAnswer> AnswerKeptAsync(ulong round, CancellationToken ct)
    {
        await ReportPresenceAsync(round, leaving: false, ct).ConfigureAwait(false);
        V1.DecryptionSession s;
        try
        {
            s = await session.Retry.WaitAsync(
                "decryption session",
                t => session.Rounds.GetDecryptionSessionAsync(new GetDecryptionSessionRequest { Round = round, WaitMillis = AggregatorSession.LongPollMillis }, AggregatorSession.Call(t)).ResponseAsync,
                o => o.Result is { } r && r.Stage is not (RoundStage.Aborted or RoundStage.Published) && (r.Stage != RoundStage.Decrypting || r.DecryptionSet.Count == 0)
                    ? $"round {round} is {r.Stage}, not decrypting yet"
                    : null,
                int.MaxValue,
                ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            return new RoundAnswer(round, false, 0, $"'{session.Id}' is not in round {round}'s decryption set: {e.Status.Detail}");
        }

        if (s.Stage != RoundStage.Decrypting || !s.DecryptionSet.Contains(session.Id))
        {
            return new RoundAnswer(round, false, 0, s.Stage == RoundStage.Decrypting ? $"'{session.Id}' is not in round {round}'s decryption set" : $"round {round} is {s.Stage}; there is nothing to decrypt");
        }

        await session.AdmitAsync(s.KeyEpochId, ct).ConfigureAwait(false);
        using RoundKeys.Lease keys = roundKeys.ForDecryption(s.KeyEpochId, round);
        var member = new MemberDecryption(session.Preset, session.Roster, keys.Keys, new FileDecryptionLedger(Path.Combine(session.State.Directory, LedgerFolder), session.Preset.Aggregation));
        RoundDecision<MemberSession> decision = member.Open(round, StatementContract.FromContract(s.Commitments), StatementContract.FromContract(s.Approvals), [.. s.DecryptionSet]);
        if (decision.Value is not MemberSession opened)
        {
            ParticipantLog.DecryptionRefused(session.Logger, round, decision.Refusal?.ToString() ?? "", decision.Reason);
            return new RoundAnswer(round, false, 0, $"refused ({decision.Refusal}): {decision.Reason}");
        }

        using (opened)
        {
            if (s.TotalChunks != (uint)opened.ChunkCount)
            {
                string reason = $"the session announces {s.TotalChunks} chunks; U's commitments and the own file give {opened.ChunkCount}";
                ParticipantLog.DecryptionRefused(session.Logger, round, nameof(RoundRefusal.ChunkCountMismatch), reason);
                return new RoundAnswer(round, false, 0, $"refused ({RoundRefusal.ChunkCountMismatch}): {reason}");
            }

            int sent = await SendSharesAsync(round, opened, ct).ConfigureAwait(false);
            ParticipantLog.SharesSent(session.Logger, round, sent, string.Join(", ", s.DecryptionSet));
            return new RoundAnswer(round, true, sent, $"{sent} decryption shares sent for the set [{string.Join(", ", s.DecryptionSet)}]");
        }
    }

    /// <summary>ReportPresence; a failure to report leaving is logged, not thrown (the participant is exiting anyway).</summary>
    public async Task ReportPresenceAsync(ulong round, bool leaving, CancellationToken ct)
    {
        try
        {
            await session.Retry.CallAsync("ReportPresence", t => session.Rounds.ReportPresenceAsync(new ReportPresenceRequest { Round = round, Leaving = leaving }, AggregatorSession.Call(t)).ResponseAsync, ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (leaving || e.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition)
        {
            ParticipantLog.PresenceNotReported(session.Logger, session.Id, e.Status.Detail);
        }
    }

    /// <summary>Streams the shares the aggregator does not hold yet; a broken stream is resumed (the same bytes again).</summary>
    private async Task<int> SendSharesAsync(ulong round, MemberSession opened, CancellationToken ct)
    {
        var accepted = new HashSet<int>();
        int sent = 0;
        for (int attempt = 1; ; attempt++)
        {
            var counter = new StrongBox<int>(0);
            try
            {
                using var call = session.Rounds.UploadDecryptionShares(AggregatorSession.Call(ct));
                UploadDecryptionSharesResponse response = await call.SendAsync(Shares(round, opened, accepted, counter, ct), ct).ConfigureAwait(false);
                sent += counter.Value;
                if (response.Complete || attempt >= session.Options.MaxUploadAttempts)
                {
                    return response.Complete ? sent : throw new InvalidOperationException(
                        $"Round {round}: the aggregator holds {response.AcceptedCount} of {opened.ChunkCount} decryption shares of '{session.Id}' after {attempt} streams.");
                }

                accepted.UnionWith(response.Accepted.SelectMany(r => Enumerable.Range((int)r.First, (int)r.Count)));
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled && attempt < session.Options.MaxUploadAttempts && !ct.IsCancellationRequested)
            {
                sent += counter.Value;
                TimeSpan delay = Resilience.ResumeDelay(session.Options, attempt);
                ParticipantLog.UploadResuming(session.Logger, round, counter.Value, e.StatusCode.ToString(), attempt + 1, session.Options.MaxUploadAttempts, delay.TotalSeconds);
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
        }
    }

    private IEnumerable<V1.DecryptionShare> Shares(ulong round, MemberSession opened, HashSet<int> accepted, StrongBox<int> counter, CancellationToken ct)
    {
        // One share in memory at a time, in a buffer kept for the next round: each is computed (its answer recorded in
        // the ledger) when the stream pulls it, after the previous message was written.
        byte[] buffer = ShareBuffer.Take(opened.ShareBytes);
        try
        {
            for (int chunk = 0; chunk < opened.ChunkCount; chunk++)
            {
                ct.ThrowIfCancellationRequested();
                if (accepted.Contains(chunk))
                {
                    continue;
                }

                int length = opened.Share(chunk, buffer);
                counter.Value++;
                yield return new V1.DecryptionShare { Round = round, ChunkIndex = (uint)chunk, Share = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, length)), ParticipantId = session.Id };
            }
        }
        finally
        {
            ShareBuffer.Give(buffer);
        }
    }
}
