using System.Collections.Immutable;
using System.Text.Json;
using SecAgg.Aggregator.Rounds;

namespace SecAgg.Aggregator.Storage.Internal;

/// <summary>
/// The stored form of <see cref="RoundState"/> (JSON, format 2: protocol v2 with approvals). Byte strings are base64.
/// Reading is a pure function of the text and a <see cref="RoundState"/> is immutable, so the last texts read are
/// remembered with their snapshot: polling a round that did not change compares the text instead of parsing it again.
/// </summary>
internal static class RoundStateJson
{
    private const int Format = 2;

    /// <summary>Texts remembered (slot = hash of the text); a few rounds are live at once.</summary>
    private const int RecentSlots = 16;

    private static readonly Parsed?[] Recent = new Parsed?[RecentSlots];

    private sealed record Dto(
        int Format, long Number, string Stage, DateTimeOffset OpenedAt, DateTimeOffset CollectDeadline, byte[] ParameterDigest,
        int ChunkCount, string[] Contributors, byte[] ListDigest, DateTimeOffset? ApproveDeadline, string[] Approvals,
        string[] DecryptionSet, DateTimeOffset? DecryptDeadline, string[] SharesReceived, DateTimeOffset? ClosedAt, string? AbortReason, long? ModelVersion);

    public static string Serialize(RoundState r) => JsonSerializer.Serialize(new Dto(
        Format, r.Number, RoundStages.Name(r.Stage), r.OpenedAt, r.CollectDeadline, [.. r.ParameterDigest], r.ChunkCount,
        [.. r.Contributors], [.. r.ListDigest], r.ApproveDeadline, [.. r.Approvals],
        [.. r.DecryptionSet], r.DecryptDeadline, [.. r.SharesReceived], r.ClosedAt, r.AbortReason, r.ModelVersion));

    public static RoundState Deserialize(string json)
    {
        int slot = (int)((uint)StringComparer.Ordinal.GetHashCode(json) % RecentSlots);
        if (Volatile.Read(ref Recent[slot]) is { } seen && string.Equals(seen.Json, json, StringComparison.Ordinal))
        {
            return seen.State;
        }

        RoundState state = Parse(json);
        Volatile.Write(ref Recent[slot], new Parsed(json, state));
        return state;
    }

    private static RoundState Parse(string json)
    {
        var d = JsonSerializer.Deserialize<Dto>(json) ?? throw new StoreSchemaException("a stored round is empty");
        if (d.Format != Format)
        {
            throw new StoreSchemaException($"stored round {d.Number} has format {d.Format}; this aggregator reads format {Format} (protocol v2); a v1 database cannot be resumed, start a new one");
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
            ListDigest = [.. d.ListDigest],
            ApproveDeadline = d.ApproveDeadline,
            Approvals = Sorted(d.Approvals),
            DecryptionSet = Sorted(d.DecryptionSet),
            DecryptDeadline = d.DecryptDeadline,
            SharesReceived = Sorted(d.SharesReceived),
            ClosedAt = d.ClosedAt,
            AbortReason = d.AbortReason,
            ModelVersion = d.ModelVersion,
        };
    }

    private sealed record Parsed(string Json, RoundState State);

    private static ImmutableArray<string> Sorted(string[] ids) => [.. ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
