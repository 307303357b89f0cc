namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// The running sums of one round's chunk range (key <see cref="ChunkRange.Key"/>). Folds each upload exactly once: the
/// sums and the set of folded upload ids are persisted together, and folding an id already in the set is a no-op.
/// </summary>
public interface ISumPartitionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds upload <paramref name="uploadId"/>'s staged chunks of this range to the sums, after checking each against its
    /// committed SHA-256 (<paramref name="chunkDigests"/>: one per chunk of the range), and persists sums and id together.
    /// </summary>
    /// <exception cref="InvalidDataException">A chunk is missing, differs from its digest, or is malformed; nothing changed.</exception>
    Task<FoldOutcome> FoldAsync(Guid uploadId, byte[][] chunkDigests);

    /// <summary>The persisted sums and folded ids.</summary>
    Task<PartitionSnapshot> GetAsync();
}
