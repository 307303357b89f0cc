using System.Collections.Immutable;
using System.Text.Json;
using SecAgg.Aggregator.Rounds;

namespace SecAgg.Aggregator.Storage.Internal;

/// <summary>The stored form of <see cref="RoundState"/> (JSON, format 1). Byte strings are base64.</summary>
internal static class RoundStateJson
{
    private const int Format = 1;

    private sealed record Dto(
        int Format, long Number, string Stage, DateTimeOffset OpenedAt, DateTimeOffset CollectDeadline, byte[] ParameterDigest,
        int ChunkCount, string[] Contributors, string[] DecryptionSet, byte[] AggregateDigest, DateTimeOffset? DecryptDeadline,
        string[] SharesRequested, string[] SharesReceived, DateTimeOffset? ClosedAt, string? AbortReason, long? ModelVersion);

    public static string Serialize(RoundState r) => JsonSerializer.Serialize(new Dto(
        Format, r.Number, RoundStages.Name(r.Stage), r.OpenedAt, r.CollectDeadline, [.. r.ParameterDigest], r.ChunkCount,
        [.. r.Contributors], [.. r.DecryptionSet], [.. r.AggregateDigest], r.DecryptDeadline, [.. r.SharesRequested],
        [.. r.SharesReceived], r.ClosedAt, r.AbortReason, r.ModelVersion));

    public static RoundState Deserialize(string json)
    {
        var d = JsonSerializer.Deserialize<Dto>(json) ?? throw new StoreSchemaException("a stored round is empty");
        if (d.Format != Format)
        {
            throw new StoreSchemaException($"stored round {d.Number} has format {d.Format}; this aggregator reads format {Format}");
        }

        return new RoundState
        {
            Number = d.Number,
            Stage = RoundStages.Parse(d.Stage),
            OpenedAt = d.OpenedAt,
            CollectDeadline = d.CollectDeadline,
            ParameterDigest = [.. d.ParameterDigest],
            ChunkCount = d.ChunkCount,
            Contributors = Sorted(d.Contributors),
            DecryptionSet = Sorted(d.DecryptionSet),
            AggregateDigest = [.. d.AggregateDigest],
            DecryptDeadline = d.DecryptDeadline,
            SharesRequested = Sorted(d.SharesRequested),
            SharesReceived = Sorted(d.SharesReceived),
            ClosedAt = d.ClosedAt,
            AbortReason = d.AbortReason,
            ModelVersion = d.ModelVersion,
        };
    }

    private static ImmutableArray<string> Sorted(string[] ids) => [.. ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
