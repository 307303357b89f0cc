namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// User-written multiparty BFV parameters, unchecked. Turn them into <see cref="MultipartyParameters"/>
/// with <see cref="MultipartyParameters.Create"/>, or let <see cref="ParameterPlanner"/> write them.
/// </summary>
public sealed record MultipartyParametersLiteral
{
    /// <summary>Ring degree n (a power of two).</summary>
    public required int RingDegree { get; init; }

    /// <summary>
    /// Key-level primes q_0..q_{L-1} (each ≡ 1 mod 2n). Keys and fresh encryptions live modulo their
    /// product Q; the first <see cref="WireLimbCount"/> of them form the wire modulus q'.
    /// </summary>
    public required IReadOnlyList<ulong> Primes { get; init; }

    /// <summary>How many leading primes form the wire modulus q' that ciphertexts are switched to after encryption.</summary>
    public required int WireLimbCount { get; init; }

    /// <summary>Number of participants N holding a key share.</summary>
    public required int Parties { get; init; }

    /// <summary>Decryption threshold (1 ≤ threshold ≤ N); N for N-of-N.</summary>
    public required int Threshold { get; init; }

    /// <summary>Bits b of each quantized value (values are in [0, 2^b)).</summary>
    public required int ValueBits { get; init; }

    /// <summary>Values packed per ring coefficient (k ≥ 1).</summary>
    public required int ValuesPerCoefficient { get; init; }

    /// <summary>
    /// Largest number of ciphertexts that may be summed before decryption (defaults to <see cref="Parties"/>).
    /// Each packed slot carries ⌈log2 MaxSummands⌉ bits of carry headroom.
    /// </summary>
    public int? MaxSummands { get; init; }

    /// <summary>Statistical flooding parameter λ in bits: σ_flood² = 2^λ · B_ct² (default 40, see <see cref="NoiseFlooding"/>).</summary>
    public int FloodingLambda { get; init; } = NoiseFlooding.DefaultLambda;

    /// <summary>Allow parameters outside the HomomorphicEncryption.org 128-bit bounds. Tests only: NOT SECURE.</summary>
    public bool AllowInsecureForTests { get; init; }
}
