namespace SecAgg.Aggregator.Accumulation;

/// <summary>
/// The crypto layer's operations on ciphertext chunks, for the aggregator that only moves bytes and never interprets
/// them (so it cannot decrypt anything): check one uploaded chunk, and start a chunk index's running sum
/// (<see cref="IChunkSum"/>) that further chunks are added into (limb-wise modular addition of RNS polynomials,
/// c0 += c0'). Implementations must be deterministic and pure (no state between calls): a fold that crashes half-way is
/// rolled back and replayed from the stored bytes.
/// </summary>
public interface IChunkAdder
{
    /// <summary>Checks that <paramref name="payload"/> is a well-formed chunk at <paramref name="chunkIndex"/> (length, reduced coefficients, header).</summary>
    /// <param name="chunkIndex">The chunk's index in the upload, from 0.</param>
    /// <param name="payload">The chunk's bytes as received.</param>
    /// <param name="problem">Why it is malformed, for the participant (never containing payload bytes).</param>
    /// <returns>True when the chunk can be added.</returns>
    bool TryValidate(int chunkIndex, ReadOnlySpan<byte> payload, out string? problem);

    /// <summary>
    /// A running sum of chunk index <paramref name="chunkIndex"/> holding <paramref name="first"/> (a validated chunk, or a
    /// durable sum's bytes): the sum of one ciphertext is itself.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are malformed.</exception>
    IChunkSum StartSum(int chunkIndex, ReadOnlySpan<byte> first);
}
