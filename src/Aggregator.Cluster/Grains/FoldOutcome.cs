namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>What a fold did.</summary>
[GenerateSerializer]
public enum FoldOutcome
{
    /// <summary>The upload's chunks were added to the partition's sums (persisted with the upload id).</summary>
    Folded,

    /// <summary>The upload was in the partition's sums already: nothing changed.</summary>
    AlreadyFolded,
}
