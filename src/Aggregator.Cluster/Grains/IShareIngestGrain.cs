namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// Where a member of a round's decryption set D sends its share of each chunk, on any silo (a stateless worker, key 0):
/// checked against the round's decryption session, stored once in the shared store, and, when the member's last chunk
/// is in, recorded by the round grain (which publishes once every member of D is).
/// </summary>
public interface IShareIngestGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Accepts <paramref name="member"/>'s serialized share of chunk <paramref name="index"/> of round <paramref name="round"/>:
    /// the round decrypting, the member in D, the index in range, <see cref="Protocol.CiphertextScheme.TryCheckShare"/>
    /// against the round's session; then stored once (the same bytes again: a repeat; other bytes: refused).
    /// </summary>
    /// <remarks>The share is not copied on a call within the silo (<see cref="ImmutableAttribute"/>): the caller must not change it afterwards.</remarks>
    Task<ShareOutcome> SubmitShareAsync(long round, string member, int index, [Immutable] byte[] share);
}
