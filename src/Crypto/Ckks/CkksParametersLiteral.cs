namespace SecAgg.Crypto.Ckks;

/// <summary>
/// User-written CKKS parameters, unchecked (Lattigo's ckks.ParametersLiteral). Turn them into
/// <see cref="CkksParameters"/> with <see cref="CkksParameters.Create(CkksParametersLiteral)"/>, or take a preset from <see cref="CkksPresets"/>.
/// </summary>
public sealed record CkksParametersLiteral
{
    /// <summary>log2 of the ring degree n; the ring has n/2 complex slots. 11…15 (3…17 with
    /// <see cref="AllowInsecureForTests"/>).</summary>
    public required int LogN { get; init; }

    /// <summary>Bit sizes of the NTT primes of the modulus chain, in limb order (e.g. 60, 40, 40), each in [20, 60].
    /// The primes are the largest ones below 2^size congruent to 1 mod 2n, deterministically (as SEAL's
    /// <c>CoeffModulus.Create</c>). Aggregation never rescales: the chain only has to hold scale × |sum| + noise.</summary>
    public required IReadOnlyList<int> LogQ { get; init; }

    /// <summary>log2 of the default scale Δ (values are encoded as round(Δ·coefficient)), in [1, 200].</summary>
    public required int LogDefaultScale { get; init; }

    /// <summary>Accept log q above the HomomorphicEncryption.org 128-bit bound for n. Tests only: NOT SECURE.</summary>
    public bool AllowInsecureForTests { get; init; }
}
