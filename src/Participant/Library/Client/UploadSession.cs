using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Participant.State;
using SecAgg.Participant.Tensors;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Statements;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Participant.Client;

/// <summary>
/// Submitting an update to a round, resumably. The round's announcement is rebuilt from the OWN consortium file and the
/// joined epoch's keys (<see cref="RoundParameters.FromContract"/>; any differing field refuses the round, named). The
/// update is masked under s_i once (<see cref="UpdateEncryptor"/>) and kept with its signed commitment in the state
/// directory (<see cref="ChunkFile"/>) before anything is sent, so a restarted participant resumes the same upload; a
/// second submit of a different update for the round is refused locally. Each stream sends the chunks the aggregator
/// does not hold yet (GetUploadProgress), then the commitment; a broken stream is resumed up to
/// <see cref="ParticipantClientOptions.MaxUploadAttempts"/> times, each resume logged.
/// </summary>
internal sealed class UploadSession(AggregatorSession session, KeyEpochJoin join, RoundKeys roundKeys)
{
    /// <summary>Submits a flat update for a round (0 = the newest) with a public weight (1..max_weight).</summary>
    /// <exception cref="ParameterMismatchException">The announced round differs from what the own file gives (the field is named).</exception>
    /// <exception cref="InvalidOperationException">The round will not open (the aggregator's reason), or this site already uploaded a different update to it.</exception>
    public async Task<SubmitResult> SubmitAsync(ReadOnlyMemory<float> update, ulong weight, ulong round, CancellationToken ct)
    {
        RoundConfig config = await RoundConfigAsync(round, ct).ConfigureAwait(false);
        string digest = UpdateDigest(update.Span, weight);
        ParticipantState state = session.State;
        UploadProgressRecord? progress = state.LoadProgress(config.Round);
        if (progress is not null && progress.UpdateDigest != digest)
        {
            throw new InvalidOperationException(
                $"Round {config.Round} already has an upload from '{session.Id}' (upload id {progress.UploadId}, started {progress.StartedUtc:u}) of a different update or weight; " +
                $"a round takes one upload per site and it cannot be replaced. Run the same submit again to resume that upload, or submit this update to a later round once round {config.Round} has ended.");
        }

        if (progress is { Complete: true })
        {
            return new SubmitResult(config.Round, progress.UploadId, progress.TotalChunks, 0, 0, 0);
        }

        // Checked on every submit, a resumed one included: the announcement must be what the own file gives.
        using RoundKeys.Lease lease = roundKeys.ForUpload(config.KeyEpochId, config.Round);
        EpochKeys keys = lease.Keys;
        RoundParameters parameters = RoundParameters.FromContract(config, session.Preset, keys.Epoch, keys.EpochSeed.Span);
        EncryptedUpload? saved = progress is null ? null : ChunkFile.Load(state, config.Round);
        EncryptedUpload upload = saved ?? await EncryptAsync(parameters, keys, update, weight, ct).ConfigureAwait(false);
        if (saved is null)
        {
            // No saved upload (first submit, or its file was deleted): this is a new upload with a new id.
            progress = new UploadProgressRecord(config.Round, Convert.ToHexString(UploadIdBytes(upload)), upload.ChunkCount, false, digest, DateTimeOffset.UtcNow);
            state.SaveProgress(progress);
        }

        (int sent, long bytes, int attempts) = await StreamAsync(config.Round, parameters.ParameterDigest, upload, ct).ConfigureAwait(false);
        state.SaveProgress(progress! with { Complete = true });
        return new SubmitResult(config.Round, progress.UploadId, upload.ChunkCount, sent, bytes, attempts);
    }

    /// <summary>Submits named tensors (flattened in the round's layout order; names and shapes must match it).</summary>
    public async Task<SubmitResult> SubmitAsync(IReadOnlyList<NamedTensor> tensors, ulong weight, ulong round, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        RoundConfig config = await RoundConfigAsync(round, ct).ConfigureAwait(false);
        TensorLayout layout = ContractMapping.FromContract(config.Layout);
        var byName = tensors.ToDictionary(t => t.Name, t => t, StringComparer.Ordinal);
        foreach (var spec in layout.Tensors)
        {
            if (!byName.TryGetValue(spec.Name, out NamedTensor? t))
            {
                throw new ArgumentException($"The round's layout needs tensor '{spec.Name}' (shape [{string.Join(", ", spec.Shape)}]); the update has [{string.Join(", ", byName.Keys)}].");
            }

            if (!t.Shape.SequenceEqual(spec.Shape))
            {
                throw new ArgumentException($"Tensor '{spec.Name}' has shape [{string.Join(", ", t.Shape)}]; the round's layout says [{string.Join(", ", spec.Shape)}].");
            }
        }

        float[] flat = new float[layout.TotalLength];
        layout.Flatten(byName.ToDictionary(kv => kv.Key, kv => kv.Value.Values, StringComparer.Ordinal), flat);
        return await SubmitAsync(flat, weight, config.Round, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The own upload's commitment for a round (what the approval checks U against), from its small verified file
    /// (<see cref="CommitmentFile"/>); state written before that file existed falls back to the saved upload (read and
    /// checked whole), and the small file is written then for the next time.
    /// </summary>
    /// <exception cref="InvalidOperationException">This participant has no upload for the round in its state directory.</exception>
    /// <exception cref="InvalidDataException">The commitment file or the saved upload is damaged or altered.</exception>
    public UploadCommitment SavedCommitment(ulong round)
    {
        ParticipantState state = session.State;
        if (CommitmentFile.Load(state, round, session.Roster, session.Id) is { } commitment)
        {
            return commitment;
        }

        EncryptedUpload upload = ChunkFile.Load(state, round)
            ?? throw new InvalidOperationException($"'{session.Id}' has no upload for round {round} in '{state.Directory}'; submit first.");
        CommitmentFile.Save(state, upload);
        return upload.Commitment;
    }

    /// <summary>SHA-256 of the update's float32 values (little-endian) and the weight, hex.</summary>
    internal static string UpdateDigest(ReadOnlySpan<float> update, ulong weight)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(MemoryMarshal.AsBytes(update));
        Span<byte> w = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(w, weight);
        sha.AppendData(w);
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static byte[] UploadIdBytes(EncryptedUpload upload)
    {
        byte[] id = new byte[16];
        upload.UploadId.TryWriteBytes(id);
        return id;
    }

    private async Task<EncryptedUpload> EncryptAsync(RoundParameters parameters, EpochKeys keys, ReadOnlyMemory<float> update, ulong weight, CancellationToken ct)
    {
        var encryptor = new UpdateEncryptor(parameters, keys.Secret, session.Signer, session.Id);
        var uploadId = new Guid(RandomNumberGenerator.GetBytes(16));
        // Straight into the 0600 state file as the chunks are made: the upload is never whole in memory.
        EncryptedUpload upload = await Task.Run(() => ChunkFile.Create(session.State, encryptor, update, weight, uploadId, parameters.Round), ct).ConfigureAwait(false);
        CommitmentFile.Save(session.State, upload);
        return upload;
    }

    private async Task<(int Sent, long Bytes, int Attempts)> StreamAsync(ulong round, byte[] parameterDigest, EncryptedUpload upload, CancellationToken ct)
    {
        byte[] uploadId = UploadIdBytes(upload);
        var header = new UploadHeader
        {
            Round = round,
            TotalChunks = (uint)upload.ChunkCount,
            UploadId = ByteString.CopyFrom(uploadId),
            ParameterDigest = ByteString.CopyFrom(parameterDigest),
            Weight = upload.Weight,
            ParticipantId = session.Id,
        };
        int sent = 0, attempts = 0;
        long bytes = 0;
        while (true)
        {
            UploadProgress? progress = await ProgressAsync(round, uploadId, ct).ConfigureAwait(false);
            if (progress is { Complete: true })
            {
                return (sent, bytes, attempts);
            }

            HashSet<int> accepted = progress is null ? [] : [.. progress.Accepted.SelectMany(r => Enumerable.Range((int)r.First, (int)r.Count))];
            int[] missing = [.. Enumerable.Range(0, upload.ChunkCount).Where(i => !accepted.Contains(i))];
            attempts++;
            var counter = new StrongBox<(int Count, long Bytes)>((0, 0));
            try
            {
                using var call = session.Rounds.UploadCiphertexts(AggregatorSession.Call(ct));
                UploadCiphertextsResponse response = await call.SendAsync(Messages(header, upload, missing, counter, ct), ct).ConfigureAwait(false);
                sent += counter.Value.Count;
                bytes += counter.Value.Bytes;
                if (response.Complete)
                {
                    return (sent, bytes, attempts);
                }

                if (attempts >= session.Options.MaxUploadAttempts)
                {
                    throw new InvalidOperationException(
                        $"Round {round}: the aggregator holds {response.AcceptedCount} of {upload.ChunkCount} chunks (commitment {(response.CommitmentReceived ? "received" : "not received")}) after {attempts} streams; run the submit again to resume.");
                }
            }
            catch (RpcException e) when (IsBrokenStream(e.StatusCode) && attempts < session.Options.MaxUploadAttempts && !ct.IsCancellationRequested)
            {
                sent += counter.Value.Count;
                bytes += counter.Value.Bytes;
                TimeSpan delay = Resilience.ResumeDelay(session.Options, attempts);
                ParticipantLog.UploadResuming(session.Logger, round, counter.Value.Count, e.StatusCode.ToString(), attempts + 1, session.Options.MaxUploadAttempts, delay.TotalSeconds);
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether an upload stream failed in a way that resuming can fix (the chunks already accepted are kept).</summary>
    private static bool IsBrokenStream(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Cancelled or StatusCode.ResourceExhausted;

    /// <summary>
    /// The round's configuration. A round beyond the own file's planned rounds is refused at once; a round the aggregator
    /// has not opened is waited for (up to the call timeout), each check logging the aggregator's not_open_reason, which
    /// the final error carries.
    /// </summary>
    private async Task<RoundConfig> RoundConfigAsync(ulong round, CancellationToken ct)
    {
        int planned = session.Config.Descriptor.Rounds;
        if (round > (ulong)planned)
        {
            string reason = await NotOpenReasonAsync(round, ct).ConfigureAwait(false);
            throw new InvalidOperationException($"Round {round} will not open: the consortium file plans {planned} rounds (dp.rounds){(reason.Length > 0 ? $"; the aggregator says: {reason}" : "")}.");
        }

        if (!join.HasJoined())
        {
            // Without keys no round can be encrypted: say so now instead of waiting for a round that needs this site's join.
            string reason = await NotOpenReasonAsync(round, ct).ConfigureAwait(false);
            throw new InvalidOperationException(
                $"'{session.Id}' has not joined the key epoch (no epoch keys in '{session.State.Directory}'): run 'secagg participant join' with the same options first; round 1 opens once every site has joined{(reason.Length > 0 ? $". The aggregator says: {reason}" : "")}.");
        }

        string? lastReason = null;
        try
        {
            return await session.Retry.WaitAsync(
                "round configuration",
                t => session.Rounds.GetRoundConfigAsync(new GetRoundConfigRequest { Round = round }, AggregatorSession.Call(t)).ResponseAsync,
                o => o.Exception is RpcException { StatusCode: StatusCode.NotFound or StatusCode.FailedPrecondition } e ? lastReason = e.Status.Detail : null,
                MaxChecksWithin(session.Options.CallTimeout),
                ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition)
        {
            string reason = await NotOpenReasonAsync(round, ct).ConfigureAwait(false);
            throw new InvalidOperationException(
                $"Round {(round == 0 ? "(current)" : round.ToString(System.Globalization.CultureInfo.InvariantCulture))} is not open: {(reason.Length > 0 ? reason : lastReason ?? e.Status.Detail)}", e);
        }
    }

    private async Task<string> NotOpenReasonAsync(ulong round, CancellationToken ct)
    {
        try
        {
            RoundStatus status = await session.Retry.ReadAsync("GetRoundStatus", t => session.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = round }, AggregatorSession.Call(t)).ResponseAsync, ct).ConfigureAwait(false);
            return status.NotOpenReason;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition)
        {
            return e.Status.Detail;
        }
    }

    private int MaxChecksWithin(TimeSpan span) => (int)Math.Clamp(span / session.Options.PollInterval, 1, int.MaxValue - 1) + 1;

    private async Task<UploadProgress?> ProgressAsync(ulong round, byte[] uploadId, CancellationToken ct)
    {
        try
        {
            var request = new GetUploadProgressRequest { Round = round, UploadId = ByteString.CopyFrom(uploadId) };
            return await session.Retry.ReadAsync("GetUploadProgress", t => session.Rounds.GetUploadProgressAsync(request, AggregatorSession.Call(t)).ResponseAsync, ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The send buffer of a chunk (ciphertext), kept from one round to the next.</summary>
    private static readonly KeptBuffer ChunkBuffer = new();

    private static async IAsyncEnumerable<CiphertextUploadMessage> Messages(UploadHeader header, EncryptedUpload upload, int[] missing, StrongBox<(int Count, long Bytes)> counter, [EnumeratorCancellation] CancellationToken ct)
    {
        yield return new CiphertextUploadMessage { Header = header };
        // One buffer for the stream's chunks, kept for the next round: the next message is pulled only when the previous
        // one was written (HTTP/2 flow control: back-pressure), so the buffer is free again by then.
        byte[] chunk = ChunkBuffer.Take(upload.ChunkBytes);
        try
        {
            foreach (int index in missing)
            {
                ct.ThrowIfCancellationRequested();
                upload.ReadChunk(index, chunk);
                yield return new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = header.Round, ChunkIndex = (uint)index, Ciphertext = UnsafeByteOperations.UnsafeWrap(chunk) } };
                counter.Value = (counter.Value.Count + 1, counter.Value.Bytes + chunk.Length);
            }
        }
        finally
        {
            ChunkBuffer.Give(chunk);
        }

        yield return new CiphertextUploadMessage { Commitment = StatementContract.ToContract(upload.SignedCommitment) };
        await Task.CompletedTask.ConfigureAwait(false);
    }
}
