using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Cluster.State;
using SecAgg.Crypto.Multiparty;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// <see cref="ISumPartitionGrain"/>: sum_k += c0_k for each chunk k of the range, mod every prime of the ciphertext modulus
/// (<see cref="Protocol.CiphertextScheme.Fold(MaskedUpload, ReadOnlySpan{byte})"/>; no noise is added: the sum of RLWE samples
/// carries the sum of their errors). Non-reentrant: folds of one partition run one at a time. The new sums are computed
/// into fresh arrays and become the state only with the upload id, in one write; after a failed write the activation
/// ends, so the next one reads whatever the store holds.
/// </summary>
internal sealed partial class SumPartitionGrain(
    [PersistentState("partition", ClusterHosting.StorageName)] IPersistentState<SumPartitionState> state,
    ClusterConsortium consortium,
    IStagedChunks staged,
    ILogger<SumPartitionGrain> logger) : Grain, ISumPartitionGrain
{
    private long _round;
    private ChunkRange _range;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_round, _range) = ChunkRange.ParseKey(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async Task<FoldOutcome> FoldAsync(Guid uploadId, byte[][] chunkDigests)
    {
        ArgumentNullException.ThrowIfNull(chunkDigests);
        if (state.State.Folded.Contains(uploadId))
        {
            return FoldOutcome.AlreadyFolded;
        }

        if (chunkDigests.Length != _range.Count)
        {
            throw new InvalidDataException($"A fold of partition {_range.Start}-{_range.End} needs {_range.Count} chunk digests, not {chunkDigests.Length}.");
        }

        byte[][] chunks = await staged.ReadAsync(_round, uploadId, _range.Start, _range.End).ConfigureAwait(true);
        byte[][] previous = state.State.Sums;
        var sums = new byte[_range.Count][];
        for (int i = 0; i < sums.Length; i++)
        {
            if (!SHA256.HashData(chunks[i]).AsSpan().SequenceEqual(chunkDigests[i]))
            {
                throw new InvalidDataException($"Staged chunk {_range.Start + i} of upload {uploadId} differs from its committed SHA-256; it is not folded.");
            }

            MaskedUpload sum = previous.Length == 0 ? consortium.Scheme.CreateEmptySum() : MaskedUpload.Deserialize(consortium.Scheme.Parameters, previous[i]);
            consortium.Scheme.Fold(sum, chunks[i]);
            sums[i] = sum.Serialize();
        }

        state.State.Sums = sums;
        state.State.Folded.Add(uploadId);
        try
        {
            await state.WriteStateAsync().ConfigureAwait(true);
        }
        catch
        {
            // Whether the write reached the store is unknown: the next activation reads what it holds.
            state.State.Sums = previous;
            state.State.Folded.Remove(uploadId);
            DeactivateOnIdle();
            throw;
        }

        Folded(logger, _round, _range.Start, _range.End, state.State.Folded.Count);
        return FoldOutcome.Folded;
    }

    public Task<PartitionSnapshot> GetAsync() =>
        Task.FromResult(new PartitionSnapshot(_range, state.State.Sums, [.. state.State.Folded]));

    [LoggerMessage(EventId = 1901, Level = LogLevel.Debug, Message = "Round {Round} partition {Start}-{End}: an upload folded; {Uploads} uploads in the sums")]
    private static partial void Folded(ILogger logger, long round, int start, int end, int uploads);
}
