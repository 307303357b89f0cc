using SecAgg.Aggregator.Rounds;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>What a caller sees of a round grain: the stage machine's snapshot plus the uploads still being folded.</summary>
[GenerateSerializer, Immutable]
public sealed record RoundView
{
    /// <summary>Round number.</summary>
    [Id(0)]
    public long Number { get; init; }

    /// <summary>Stage name (<see cref="RoundStages"/>); "none" before the round opened.</summary>
    [Id(1)]
    public string Stage { get; init; } = "none";

    /// <summary>C: chunks per upload.</summary>
    [Id(2)]
    public int ChunkCount { get; init; }

    /// <summary>Sum partitions of the round.</summary>
    [Id(3)]
    public int Partitions { get; init; }

    /// <summary>U so far: participants whose upload is counted (sorted).</summary>
    [Id(4)]
    public string[] Contributors { get; init; } = [];

    /// <summary>Uploads admitted (complete and matching their commitment, before the deadline) but not yet folded by every partition.</summary>
    [Id(5)]
    public int PendingFolds { get; init; }

    /// <summary>UploadList digest of U, fixed when collection closed; empty before.</summary>
    [Id(6)]
    public byte[] ListDigest { get; init; } = [];

    /// <summary>Members of U whose approval verified (sorted).</summary>
    [Id(7)]
    public string[] Approvals { get; init; } = [];

    /// <summary>The decryption set D; empty before decryption.</summary>
    [Id(8)]
    public string[] DecryptionSet { get; init; } = [];

    /// <summary>Members of D whose share arrived.</summary>
    [Id(9)]
    public string[] SharesReceived { get; init; } = [];

    /// <summary>Why the round aborted; null unless aborted.</summary>
    [Id(10)]
    public string? AbortReason { get; init; }

    /// <summary>Published model version; null unless published.</summary>
    [Id(11)]
    public long? ModelVersion { get; init; }

    /// <summary>The upload deadline; default before the round opened.</summary>
    [Id(12)]
    public DateTimeOffset CollectDeadline { get; init; }

    /// <summary>The approval deadline, set when collection closed; null before.</summary>
    [Id(13)]
    public DateTimeOffset? ApproveDeadline { get; init; }

    /// <summary>The decryption deadline, set when D was fixed; null before.</summary>
    [Id(14)]
    public DateTimeOffset? DecryptDeadline { get; init; }
}
