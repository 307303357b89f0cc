using System.Collections.Immutable;

namespace SecAgg.Aggregator.Rounds;

/// <summary>
/// A snapshot of one round. Immutable: every transition in <see cref="RoundLifecycle"/> returns a new
/// snapshot, which the store persists atomically with the data the transition accounts for.
/// Participant-id lists are kept sorted (ordinal) and duplicate-free.
/// </summary>
public sealed record RoundState
{
    /// <summary>Round number, from 1.</summary>
    public required long Number { get; init; }

    /// <summary>Current stage.</summary>
    public required RoundStage Stage { get; init; }

    /// <summary>When the round opened.</summary>
    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>No upload is counted at or after this instant.</summary>
    public required DateTimeOffset CollectDeadline { get; init; }

    /// <summary>Digest of the round's parameters (HE parameters, model layout, DP parameters); every chunk must carry it.</summary>
    public required ImmutableArray<byte> ParameterDigest { get; init; }

    /// <summary>Number of ciphertext chunks in one complete upload.</summary>
    public required int ChunkCount { get; init; }

    /// <summary>Participants whose upload is counted in the sum (sorted); <c>Contributors.Length</c> is the actual summand count.</summary>
    public ImmutableArray<string> Contributors { get; init; } = [];

    /// <summary>UploadList digest of U's signed commitments, fixed when collection closes (the value U approves); empty before.</summary>
    public ImmutableArray<byte> ListDigest { get; init; } = [];

    /// <summary>Deadline for U's approvals; null before approval.</summary>
    public DateTimeOffset? ApproveDeadline { get; init; }

    /// <summary>Members of U whose RoundApproval of <see cref="ListDigest"/> verified (sorted).</summary>
    public ImmutableArray<string> Approvals { get; init; } = [];

    /// <summary>The decryption set D (exactly t), fixed once when decryption begins (sorted); empty before.</summary>
    public ImmutableArray<string> DecryptionSet { get; init; } = [];

    /// <summary>Deadline for the decryption shares; null before decryption.</summary>
    public DateTimeOffset? DecryptDeadline { get; init; }

    /// <summary>Members whose decryption share arrived.</summary>
    public ImmutableArray<string> SharesReceived { get; init; } = [];

    /// <summary>When the round reached a terminal stage.</summary>
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>Why the round aborted (for operators); null unless Aborted.</summary>
    public string? AbortReason { get; init; }

    /// <summary>Global model version published by this round; null unless Published.</summary>
    public long? ModelVersion { get; init; }

    /// <summary>Actual number of summands (uploads counted).</summary>
    public int Summands => Contributors.Length;

    /// <summary>Whether every member of U approved.</summary>
    public bool AllApproved => Approvals.Length == Contributors.Length && Contributors.Length > 0;

    internal static ImmutableArray<string> With(ImmutableArray<string> sorted, string id)
    {
        int i = sorted.AsSpan().BinarySearch(id, StringComparer.Ordinal);
        return i >= 0 ? sorted : sorted.Insert(~i, id);
    }

    internal static ImmutableArray<string> Without(ImmutableArray<string> sorted, string id)
    {
        int i = sorted.AsSpan().BinarySearch(id, StringComparer.Ordinal);
        return i >= 0 ? sorted.RemoveAt(i) : sorted;
    }

    /// <summary>Whether the sorted id list <paramref name="sorted"/> holds <paramref name="id"/>.</summary>
    public static bool Has(ImmutableArray<string> sorted, string id) =>
        sorted.AsSpan().BinarySearch(id, StringComparer.Ordinal) >= 0;
}
