namespace SecAgg.Aggregator.Cluster.State;

/// <summary>
/// An upload the round grain admitted: complete, matching its verified commitment, before the collect deadline. It is
/// counted (added to U) once every partition acknowledged folding it; until then the round grain re-drives the folds.
/// </summary>
[GenerateSerializer]
internal sealed class AdmittedUpload
{
    [Id(0)] public string Participant { get; set; } = "";

    [Id(1)] public Guid UploadId { get; set; }

    /// <summary>The signed UploadCommitment, serialized (what U's list digest and the approvals cover).</summary>
    [Id(2)] public byte[] SignedCommitment { get; set; } = [];

    /// <summary>SHA-256 of each chunk as staged and as committed, by index.</summary>
    [Id(3)] public byte[][] ChunkDigests { get; set; } = [];

    /// <summary>When it was admitted (before the collect deadline): the instant it counts at.</summary>
    [Id(4)] public DateTimeOffset AdmittedAt { get; set; }

    /// <summary>Partitions (by index) that acknowledged the fold.</summary>
    [Id(5)] public HashSet<int> FoldedBy { get; set; } = [];

    /// <summary>Whether it is counted (in U).</summary>
    [Id(6)] public bool Counted { get; set; }
}
