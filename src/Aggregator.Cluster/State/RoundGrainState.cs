namespace SecAgg.Aggregator.Cluster.State;

/// <summary>Everything a round grain persists, written as one record: the round, its partitions, the admitted uploads, the approvals.</summary>
[GenerateSerializer]
internal sealed class RoundGrainState
{
    /// <summary>The round; null before it opened.</summary>
    [Id(0)] public RoundRecord? Round { get; set; }

    /// <summary>The round's chunk ranges (fixed at open).</summary>
    [Id(1)] public int Partitions { get; set; }

    /// <summary>Admitted uploads by participant.</summary>
    [Id(2)] public Dictionary<string, AdmittedUpload> Uploads { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Each approving member's signed RoundApproval, serialized.</summary>
    [Id(3)] public Dictionary<string, byte[]> Approvals { get; set; } = new(StringComparer.Ordinal);
}
