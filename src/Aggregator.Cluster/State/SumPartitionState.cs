namespace SecAgg.Aggregator.Cluster.State;

/// <summary>
/// A sum partition's persisted state: its chunks' serialized sums and the ids of the uploads they hold, always written
/// together (one WriteStateAsync), so the set says exactly what the sums contain.
/// </summary>
[GenerateSerializer]
internal sealed class SumPartitionState
{
    /// <summary>One serialized sum per chunk of the range; empty until the first fold.</summary>
    [Id(0)] public byte[][] Sums { get; set; } = [];

    /// <summary>Uploads folded into <see cref="Sums"/>.</summary>
    [Id(1)] public HashSet<Guid> Folded { get; set; } = [];
}
