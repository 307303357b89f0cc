using System.Collections.Immutable;
using SecAgg.Aggregator.Rounds;

namespace SecAgg.Aggregator.Cluster.State;

/// <summary>A <see cref="RoundState"/> as the round grain persists it (stage by name, lists as arrays).</summary>
[GenerateSerializer]
internal sealed class RoundRecord
{
    [Id(0)] public long Number { get; set; }

    [Id(1)] public string Stage { get; set; } = RoundStages.Open;

    [Id(2)] public DateTimeOffset OpenedAt { get; set; }

    [Id(3)] public DateTimeOffset CollectDeadline { get; set; }

    [Id(4)] public byte[] ParameterDigest { get; set; } = [];

    [Id(5)] public int ChunkCount { get; set; }

    [Id(6)] public string[] Contributors { get; set; } = [];

    [Id(7)] public byte[] ListDigest { get; set; } = [];

    [Id(8)] public DateTimeOffset? ApproveDeadline { get; set; }

    [Id(9)] public string[] Approvals { get; set; } = [];

    [Id(10)] public string[] DecryptionSet { get; set; } = [];

    [Id(11)] public DateTimeOffset? DecryptDeadline { get; set; }

    [Id(12)] public string[] SharesReceived { get; set; } = [];

    [Id(13)] public DateTimeOffset? ClosedAt { get; set; }

    [Id(14)] public string? AbortReason { get; set; }

    [Id(15)] public long? ModelVersion { get; set; }

    public static RoundRecord From(RoundState s) => new()
    {
        Number = s.Number,
        Stage = RoundStages.Name(s.Stage),
        OpenedAt = s.OpenedAt,
        CollectDeadline = s.CollectDeadline,
        ParameterDigest = [.. s.ParameterDigest],
        ChunkCount = s.ChunkCount,
        Contributors = [.. s.Contributors],
        ListDigest = [.. s.ListDigest],
        ApproveDeadline = s.ApproveDeadline,
        Approvals = [.. s.Approvals],
        DecryptionSet = [.. s.DecryptionSet],
        DecryptDeadline = s.DecryptDeadline,
        SharesReceived = [.. s.SharesReceived],
        ClosedAt = s.ClosedAt,
        AbortReason = s.AbortReason,
        ModelVersion = s.ModelVersion,
    };

    public RoundState ToState() => new()
    {
        Number = Number,
        Stage = RoundStages.Parse(Stage),
        OpenedAt = OpenedAt,
        CollectDeadline = CollectDeadline,
        ParameterDigest = [.. ParameterDigest],
        ChunkCount = ChunkCount,
        Contributors = [.. Contributors],
        ListDigest = [.. ListDigest],
        ApproveDeadline = ApproveDeadline,
        Approvals = [.. Approvals],
        DecryptionSet = [.. DecryptionSet],
        DecryptDeadline = DecryptDeadline,
        SharesReceived = [.. SharesReceived],
        ClosedAt = ClosedAt,
        AbortReason = AbortReason,
        ModelVersion = ModelVersion,
    };
}
