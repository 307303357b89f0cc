namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>A sum partition's persisted state: the serialized sums of its chunks and the uploads folded into them.</summary>
/// <param name="Range">The partition's chunks.</param>
/// <param name="Sums">One serialized sum per chunk of the range (empty when nothing was folded).</param>
/// <param name="Folded">The ids of the uploads the sums hold, each once.</param>
[GenerateSerializer, Immutable]
public sealed record PartitionSnapshot([property: Id(0)] ChunkRange Range, [property: Id(1)] byte[][] Sums, [property: Id(2)] Guid[] Folded);
