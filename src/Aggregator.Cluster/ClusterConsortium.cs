using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Aggregator.Cluster;

/// <summary>
/// What every silo of one consortium's cluster knows from its own configuration (the same on all silos): the pinned
/// roster that verifies statements, the key epoch, the consortium's preset (its ciphertext scheme validates and folds
/// chunks, checks and combines shares; with a round's announced configuration it rebuilds the round's parameters), the
/// round policy, the clock, how many sum partitions a round's chunks are spread over, and how often a round drives itself.
/// </summary>
public sealed class ClusterConsortium
{
    /// <summary>Creates the context.</summary>
    /// <param name="roster">The consortium's pinned roster (every enrolled certificate admitted).</param>
    /// <param name="epochId">The key epoch whose statements are accepted.</param>
    /// <param name="scheme">The aggregation parameters' ciphertext scheme: the one the roster's descriptor plans.</param>
    /// <param name="policy">The round rules (enrolled ids, min-participants, t, deadlines).</param>
    /// <param name="partitions">P: sum partitions per round (a round of C chunks uses min(P, C)).</param>
    /// <param name="clock">The clock deadlines are read from (default: the system clock).</param>
    /// <exception cref="ArgumentException"><paramref name="scheme"/> is not the scheme the roster's consortium descriptor plans.</exception>
    public ClusterConsortium(PinnedRoster roster, ulong epochId, CiphertextScheme scheme, RoundPolicy policy, int partitions, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(roster);
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        Preset = ProtocolPresets.For(roster.Descriptor);
        if (!scheme.Digest.Span.SequenceEqual(Preset.Scheme.Digest.Span))
        {
            throw new ArgumentException($"The ciphertext scheme is not the one consortium '{roster.Descriptor.ConsortiumId}' plans ({Preset.Name}); give the scheme of the consortium file's preset.", nameof(scheme));
        }

        Roster = roster;
        EpochId = epochId;
        Scheme = Preset.Scheme;
        Policy = policy;
        Partitions = partitions;
        Clock = clock ?? TimeProvider.System;
        Verifier = new StatementVerifier(roster, epochId);
    }

    /// <summary>The pinned roster.</summary>
    public PinnedRoster Roster { get; }

    /// <summary>The key epoch.</summary>
    public ulong EpochId { get; }

    /// <summary>The consortium's planned parameters (every party computes them from its own descriptor).</summary>
    public ProtocolPreset Preset { get; }

    /// <summary>The ciphertext scheme.</summary>
    public CiphertextScheme Scheme { get; }

    /// <summary>The round rules.</summary>
    public RoundPolicy Policy { get; }

    /// <summary>P: sum partitions per round.</summary>
    public int Partitions { get; }

    /// <summary>The clock deadlines are read from.</summary>
    public TimeProvider Clock { get; }

    /// <summary>
    /// How often each unfinished round's reminder steps it (deadlines, closing, fixing D, publishing) when no call does;
    /// default one minute (Orleans' minimum reminder period unless the silo lowers <c>ReminderOptions.MinimumReminderPeriod</c>).
    /// </summary>
    public TimeSpan DrivePeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Verifies statements of <see cref="EpochId"/> under the roster's pinned keys.</summary>
    public StatementVerifier Verifier { get; }

    /// <summary>The Shamir point (party id) of an enrolled participant: its 1-based position in the roster.</summary>
    /// <exception cref="ArgumentException">Not enrolled.</exception>
    public int PointOf(string participantId)
    {
        int index = Roster.Descriptor.IndexOf(participantId);
        return index >= 0 ? index + 1 : throw new ArgumentException($"'{participantId}' is not enrolled in consortium '{Roster.Descriptor.ConsortiumId}'.", nameof(participantId));
    }

    /// <summary><paramref name="participantIds"/> in Shamir point order.</summary>
    public string[] InPointOrder(IEnumerable<string> participantIds) => [.. participantIds.OrderBy(PointOf)];
}
