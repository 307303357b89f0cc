using System.Collections.Immutable;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Aggregator.Rounds;

/// <summary>The consortium rules a round follows: who is enrolled, how many must take part, the deadlines.</summary>
public sealed class RoundPolicy
{
    /// <summary>Checks and builds a policy.</summary>
    /// <exception cref="ArgumentException">A rule is inconsistent (the message names the parameter).</exception>
    /// <remarks>The approval deadline defaults to the decryption deadline, as in the consortium file.</remarks>
    public RoundPolicy(IEnumerable<string> enrolled, int minParticipants, int threshold, TimeSpan collectDeadline, TimeSpan decryptDeadline, TimeSpan? approveDeadline = null)
    {
        ArgumentNullException.ThrowIfNull(enrolled);
        var ids = enrolled.ToImmutableSortedSet(StringComparer.Ordinal);
        if (ids.Count == 0 || ids.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("at least one enrolled participant, with a non-empty id, is needed", nameof(enrolled));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(minParticipants, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minParticipants, ids.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, ids.Count);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(collectDeadline, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(decryptDeadline, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(approveDeadline ?? decryptDeadline, TimeSpan.Zero, nameof(approveDeadline));
        Enrolled = [.. ids];
        MinParticipants = minParticipants;
        Threshold = threshold;
        CollectDeadline = collectDeadline;
        ApproveDeadline = approveDeadline ?? decryptDeadline;
        DecryptDeadline = decryptDeadline;
    }

    /// <summary>The policy a checked consortium configuration prescribes.</summary>
    public static RoundPolicy FromConfig(ConsortiumConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new RoundPolicy(
            config.Participants.Select(p => p.Id), config.MinParticipants, config.Threshold, config.Deadlines.Collect, config.Deadlines.Decrypt, config.Deadlines.Approve);
    }

    /// <summary>Enrolled participant ids, sorted (ordinal).</summary>
    public ImmutableArray<string> Enrolled { get; }

    /// <summary>The fewest summands a round may decrypt.</summary>
    public int MinParticipants { get; }

    /// <summary>The smallest decryption set.</summary>
    public int Threshold { get; }

    /// <summary>Collection time from opening.</summary>
    public TimeSpan CollectDeadline { get; }

    /// <summary>Time U has to approve its list once collection closed.</summary>
    public TimeSpan ApproveDeadline { get; }

    /// <summary>Time the decryption set has to answer.</summary>
    public TimeSpan DecryptDeadline { get; }

    /// <summary>True when <paramref name="id"/> is enrolled.</summary>
    public bool IsEnrolled(string id) => RoundState.Has(Enrolled, id);
}
