using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// The plaintext seam of protocol v2: how b-bit values become the scaled plaintext polynomial a masked upload carries
/// (c0 = −a·s_i + e_i + Encode(values)) and how the decrypted sum x = Σ Encode(values_i) + noise becomes the values'
/// sums mod 2^b again. <see cref="MaskedEncryptor"/> and <see cref="SetDecryptionProtocol"/> see only this.
/// Each codec also has a static <c>CheckCapacity(parameters)</c> that <see cref="AggregationParameters.Create"/> runs:
/// it throws, saying what to change, unless a sum of K uploads decrypted by N flooding members (the worst case) decodes
/// exactly.
/// </summary>
internal interface IAggregationCodec
{
    /// <summary>Writes the scaled plaintext of up to <see cref="AggregationParameters.ValuesPerChunk"/> values (each
    /// below 2^b; missing trailing values are zero) into every limb of <paramref name="destination"/>, coefficient form.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not below 2^b.</exception>
    void Encode(ReadOnlySpan<uint> values, Poly destination);

    /// <summary>Decodes x (coefficient form) of a sum of <paramref name="summands"/> uploads decrypted by
    /// <paramref name="decryptors"/> members into the sums mod 2^b (one per value of a chunk).</summary>
    /// <exception cref="InvalidOperationException">The tracked error bound does not allow an exact decode.</exception>
    void Decode(Poly x, int summands, int decryptors, Span<uint> destination);
}
