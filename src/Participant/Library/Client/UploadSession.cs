using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Participant.State;
using SecAgg.Participant.Tensors;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;
using CollectivePublicKey = SecAgg.Crypto.Multiparty.CollectivePublicKey;

namespace SecAgg.Participant.Client;

/// <summary>
/// Submitting an update to a round, resumably: the update is quantized, noised and encrypted once (in parallel); the
/// chunks and a fresh upload id are kept in the state directory, so a restarted participant resumes the same upload.
/// Each stream sends only the chunks the aggregator does not hold yet (asked with GetUploadProgress), pulled one at a
/// time as HTTP/2 flow control allows; a broken stream is resumed up to <see cref="ParticipantClientOptions.MaxUploadAttempts"/> times.
/// </summary>
internal sealed class UploadSession(AggregatorSession session, KeyEpochJoin join)
{
    /// <summary>Submits a flat update for a round (0 = the newest) with a public weight (1..max_weight).</summary>
    public async Task<SubmitResult> SubmitAsync(ReadOnlyMemory<float> update, ulong weight, ulong round, CancellationToken ct)
    {
        ParticipantEpoch epoch = await session.EpochAsync(ct).ConfigureAwait(false);
        RoundConfig config = await RoundConfigAsync(round, ct).ConfigureAwait(false);
        RoundParameters parameters = RoundParameters.FromContract(config, epoch.Parties, epoch.Threshold, session.Options.AllowInsecureForTests);
        ParticipantState state = session.State;
        UploadProgressRecord? progress = state.LoadProgress(config.Round);
        if (progress is { Complete: true })
        {
            return new SubmitResult(config.Round, progress.TotalChunks, 0, 0, 0);
        }

        IReadOnlyList<byte[]> chunks;
        byte[]? stored = state.ReadFile(ChunkFile.Name(config.Round));
        if (progress is not null && stored is not null)
        {
            chunks = ChunkFile.Split(stored);
        }
        else
        {
            CollectivePublicKey pk = join.LoadCollectiveKey(epoch);
            chunks = await Task.Run(() => epoch.Crypto.EncryptUpdate(parameters, pk, update.Span, weight).Chunks, ct).ConfigureAwait(false);
            state.WriteFile(ChunkFile.Name(config.Round), ChunkFile.Join(chunks));
            progress = new UploadProgressRecord(config.Round, Convert.ToHexString(RandomNumberGenerator.GetBytes(WireKeys.UploadIdLength)), chunks.Count, false);
            state.SaveProgress(progress);
        }

        byte[] uploadId = Convert.FromHexString(progress!.UploadId);
        var header = new UploadHeader
        {
            Round = config.Round,
            TotalChunks = (uint)chunks.Count,
            UploadId = ByteString.CopyFrom(uploadId),
            ParameterDigest = ByteString.CopyFrom(parameters.ParameterDigest),
            Weight = weight,
            ParticipantId = session.Id,
        };
        int sent = 0, attempts = 0;
        long bytes = 0;
        while (true)
        {
            HashSet<int> accepted = await AcceptedChunksAsync(config.Round, uploadId, ct).ConfigureAwait(false);
            int[] missing = [.. Enumerable.Range(0, chunks.Count).Where(i => !accepted.Contains(i))];
            if (missing.Length == 0)
            {
                break;
            }

            attempts++;
            var counter = new StrongBox<(int Count, long Bytes)>((0, 0));
            try
            {
                using var call = session.Rounds.UploadCiphertexts(AggregatorSession.Call(ct));
                UploadCiphertextsResponse response = await call.SendAsync(Messages(header, chunks, missing, counter, ct), ct).ConfigureAwait(false);
                sent += counter.Value.Count;
                bytes += counter.Value.Bytes;
                if (response.Complete)
                {
                    break;
                }
            }
            catch (RpcException e) when (IsBrokenStream(e.StatusCode) && attempts < session.Options.MaxUploadAttempts && !ct.IsCancellationRequested)
            {
                sent += counter.Value.Count;
                bytes += counter.Value.Bytes;
                ParticipantLog.UploadResuming(session.Logger, config.Round, counter.Value.Count, e.StatusCode.ToString(), attempts + 1, session.Options.MaxUploadAttempts);
                await Task.Delay(session.Options.PollInterval, ct).ConfigureAwait(false);
            }
        }

        state.SaveProgress(progress with { Complete = true });
        return new SubmitResult(config.Round, chunks.Count, sent, bytes, attempts);
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
                throw new ArgumentException($"The round's layout needs tensor '{spec.Name}' (shape [{string.Join(", ", spec.Shape)}]); the update has [{string.Join(", ", byName.Keys)}].", nameof(tensors));
            }

            if (!t.Shape.SequenceEqual(spec.Shape))
            {
                throw new ArgumentException($"Tensor '{spec.Name}' has shape [{string.Join(", ", t.Shape)}]; the round's layout says [{string.Join(", ", spec.Shape)}].", nameof(tensors));
            }
        }

        float[] flat = new float[layout.TotalLength];
        layout.Flatten(byName.ToDictionary(kv => kv.Key, kv => kv.Value.Values, StringComparer.Ordinal), flat);
        return await SubmitAsync(flat, weight, config.Round, ct).ConfigureAwait(false);
    }

    /// <summary>Whether an upload stream failed in a way that resuming can fix (the chunks already accepted are kept).</summary>
    private static bool IsBrokenStream(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Cancelled or StatusCode.ResourceExhausted;

    /// <summary>The round's configuration; waits (up to the call timeout) while the aggregator has not opened it yet.</summary>
    private Task<RoundConfig> RoundConfigAsync(ulong round, CancellationToken ct) =>
        session.Retry.WaitAsync(
            "round configuration",
            t => session.Rounds.GetRoundConfigAsync(new GetRoundConfigRequest { Round = round }, AggregatorSession.Call(t)).ResponseAsync,
            o => o.Exception is RpcException { StatusCode: StatusCode.NotFound } e ? e.Status.Detail : null,
            MaxChecksWithin(session.Options.CallTimeout),
            ct);

    private int MaxChecksWithin(TimeSpan span) => (int)Math.Clamp(span / session.Options.PollInterval, 1, int.MaxValue - 1) + 1;

    private async Task<HashSet<int>> AcceptedChunksAsync(ulong round, byte[] uploadId, CancellationToken ct)
    {
        try
        {
            var request = new GetUploadProgressRequest { Round = round, UploadId = ByteString.CopyFrom(uploadId) };
            UploadProgress progress = await session.Retry.ReadAsync("GetUploadProgress", t => session.Rounds.GetUploadProgressAsync(request, AggregatorSession.Call(t)).ResponseAsync, ct).ConfigureAwait(false);
            return [.. progress.Accepted.SelectMany(r => Enumerable.Range((int)r.First, (int)r.Count))];
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return [];
        }
    }

    private static async IAsyncEnumerable<CiphertextUploadMessage> Messages(UploadHeader header, IReadOnlyList<byte[]> chunks, int[] missing, StrongBox<(int Count, long Bytes)> counter, [EnumeratorCancellation] CancellationToken ct)
    {
        yield return new CiphertextUploadMessage { Header = header };
        foreach (int index in missing)
        {
            ct.ThrowIfCancellationRequested();

            // The next message is pulled only when the previous one was written (HTTP/2 flow control): back-pressure.
            yield return new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = header.Round, ChunkIndex = (uint)index, Ciphertext = UnsafeByteOperations.UnsafeWrap(chunks[index]) } };
            counter.Value = (counter.Value.Count + 1, counter.Value.Bytes + chunks[index].Length);
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}
