namespace SecAgg.Aggregator.Accumulation;

/// <summary>
/// Adds one ciphertext chunk into the running sum of that chunk index. The crypto layer implements it as
/// limb-wise modular addition of RNS polynomials (c0 += c0', c1 += c1'); the aggregator only moves bytes
/// and never interprets them, so it cannot decrypt anything.
/// Implementations must be deterministic and pure (no state between calls): a fold that crashes half-way is
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
    /// <c>sum += addend</c> in place. Both are validated chunks of the same index and length; the first summand of an
    /// index is stored as is (the sum of one ciphertext is itself).
    /// </summary>
    void Add(int chunkIndex, Span<byte> sum, ReadOnlySpan<byte> addend);
}
