using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Aggregator.Cluster;

/// <summary>
/// What every silo of one consortium's cluster knows from its own configuration (the same on all silos): the pinned
/// roster that verifies statements, the key epoch, the ciphertext scheme that validates and folds chunks, the round
/// policy, the clock, and how many sum partitions a round's chunks are spread over.
/// </summary>
public sealed class ClusterConsortium
{
    /// <summary>Creates the context.</summary>
    /// <param name="roster">The consortium's pinned roster (every enrolled certificate admitted).</param>
    /// <param name="epochId">The key epoch whose statements are accepted.</param>
    /// <param name="scheme">The aggregation parameters' ciphertext scheme.</param>
    /// <param name="policy">The round rules (enrolled ids, min-participants, t, deadlines).</param>
    /// <param name="partitions">P: sum partitions per round (a round of C chunks uses min(P, C)).</param>
    /// <param name="clock">The clock deadlines are read from (default: the system clock).</param>
    public ClusterConsortium(PinnedRoster roster, ulong epochId, CiphertextScheme scheme, RoundPolicy policy, int partitions, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(roster);
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        Roster = roster;
        EpochId = epochId;
        Scheme = scheme;
        Policy = policy;
        Partitions = partitions;
        Clock = clock ?? TimeProvider.System;
        Verifier = new StatementVerifier(roster, epochId);
    }

    /// <summary>The pinned roster.</summary>
    public PinnedRoster Roster { get; }

    /// <summary>The key epoch.</summary>
    public ulong EpochId { get; }

    /// <summary>The ciphertext scheme.</summary>
    public CiphertextScheme Scheme { get; }

    /// <summary>The round rules.</summary>
    public RoundPolicy Policy { get; }

    /// <summary>P: sum partitions per round.</summary>
    public int Partitions { get; }

    /// <summary>The clock deadlines are read from.</summary>
    public TimeProvider Clock { get; }

    /// <summary>Verifies statements of <see cref="EpochId"/> under the roster's pinned keys.</summary>
    public StatementVerifier Verifier { get; }
}
