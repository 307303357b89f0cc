namespace SecAgg.Crypto.Multiparty;

/// <summary>Which scheme a set of <see cref="AggregationParameters"/> serves. Key shares and Shamir dealing are
/// scheme-independent RLWE objects; the plaintext encoding of a chunk and the decoding of a sum are not.</summary>
public enum MultipartyScheme
{
    /// <summary>Packed BFV-style encoding: k values of b bits per coefficient, sums exact mod 2^b.</summary>
    Bfv = 0,

    /// <summary>CKKS encoding: real values in the canonical embedding's slots, sums approximate.</summary>
    Ckks = 1,
}
