namespace SecAgg.Aggregator.Cluster.Staging;

/// <summary>
/// The decryption shares of every round's members of D, in a store every silo reaches, so that a round whose silo died
/// mid-decryption loses no share already accepted and can combine on any silo. Keyed by (round, member, chunk index);
/// written once (a resend of the same bytes is a repeat, other bytes are refused).
/// </summary>
public interface IStoredShares
{
    /// <summary>Holds <paramref name="share"/> at (round, member, index) unless something is held there already.</summary>
    Task<StageResult> StoreAsync(long round, string member, int index, ReadOnlyMemory<byte> share, CancellationToken cancellationToken = default);

    /// <summary>How many chunks <paramref name="member"/> has a share held for in <paramref name="round"/>.</summary>
    Task<int> CountAsync(long round, string member, CancellationToken cancellationToken = default);

    /// <summary>The shares of chunk <paramref name="index"/> from <paramref name="members"/>, in that order.</summary>
    /// <exception cref="InvalidDataException">A member's share of the chunk is not held.</exception>
    Task<byte[][]> ReadAsync(long round, int index, IReadOnlyList<string> members, CancellationToken cancellationToken = default);

    /// <summary>Forgets every share of <paramref name="round"/> (after it was published or aborted); a no-op when none is held.</summary>
    Task DeleteRoundAsync(long round, CancellationToken cancellationToken = default);
}
