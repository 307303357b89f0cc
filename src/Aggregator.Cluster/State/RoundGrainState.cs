namespace SecAgg.Aggregator.Cluster.State;

/// <summary>
/// Everything a round grain persists, written as one record: the round, its partitions, the admitted uploads, the
/// approvals, what rebuilds its parameters, and whether its staged chunks and shares were deleted once it finished.
/// </summary>
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

    /// <summary>The round's announced configuration (serialized RoundConfig); empty when it was opened without.</summary>
    [Id(4)] public byte[] Configuration { get; set; } = [];

    /// <summary>The key epoch's public seed; empty when it was opened without.</summary>
    [Id(5)] public byte[] EpochSeed { get; set; } = [];

    /// <summary>Whether the finished (published or aborted) round's staged chunks and shares were deleted.</summary>
    [Id(6)] public bool Cleaned { get; set; }

    /// <summary>Participants that reported presence before D was fixed: true = here, false = leaving (the latest report counts).</summary>
    [Id(7)] public Dictionary<string, bool> Presence { get; set; } = new(StringComparer.Ordinal);
}
