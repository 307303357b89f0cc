namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// User-written protocol-v2 aggregation parameters, unchecked (docs/threat-model.md, "Round r"). Turn them into
/// <see cref="AggregationParameters"/> with <see cref="AggregationParameters.Create"/>, or let
/// <see cref="AggregationPlanner"/> write them.
/// </summary>
public sealed record AggregationParametersLiteral
{
    /// <summary>Ring degree n, a power of two in [2^11, 2^15] (from 2^4 with <see cref="AllowInsecureForTests"/>).</summary>
    public required int RingDegree { get; init; }

    /// <summary>
    /// The NTT primes q_0..q_{L−1} (each ≡ 1 mod 2n, in [2^20, 2^61)); their product q is at once the key modulus and
    /// the upload modulus (one level: nothing is switched). For CKKS they must be the primes
    /// <see cref="Ckks.CkksParameters"/> makes for their bit sizes (the planner writes them so).
    /// </summary>
    public required IReadOnlyList<ulong> Primes { get; init; }

    /// <summary>Participants N (each holds a Shamir share of every s_i; party ids are 1..N).</summary>
    public required int Parties { get; init; }

    /// <summary>Decryption threshold t: every decryption set D has exactly t members (1 ≤ t ≤ N).</summary>
    public required int Threshold { get; init; }

    /// <summary>Most participants c that may collude with the aggregator, 0 ≤ c ≤ t − 1 (default 0, which also gives the
    /// largest flooding: σ_flood grows with N − c).</summary>
    public int MaxColluders { get; init; }

    /// <summary>Bits b of each value (values are in [0, 2^b); sums are exact mod 2^b).</summary>
    public required int ValueBits { get; init; }

    /// <summary>Values k packed per ring coefficient (BFV; must be 1 for CKKS, which carries n values per chunk).</summary>
    public int ValuesPerCoefficient { get; init; } = 1;

    /// <summary>Most uploads K in one decrypted sum (1 ≤ K ≤ N, default N). Each slot carries h = ⌈log2 K⌉ carry bits.</summary>
    public int? MaxSummands { get; init; }

    /// <summary>Statistical security κ in bits: all of an epoch's decryption shares are within 2^−κ of shares simulated
    /// from the released sums (default 40; below 40 only with <see cref="AllowInsecureForTests"/>).</summary>
    public int StatisticalSecurity { get; init; } = StatisticalFlooding.DefaultSecurity;

    /// <summary>Share cap Q_cap: most (round, chunk) pairs one member answers per key epoch (default 2^16), enforced by
    /// <see cref="IDecryptionLedger"/>; σ_flood grows with √Q_cap.</summary>
    public long ShareCap { get; init; } = StatisticalFlooding.DefaultShareCap;

    /// <summary>The plaintext codec: <see cref="MultipartyScheme.Bfv"/> (packed Δ-scaling, exact mod 2^b) or
    /// <see cref="MultipartyScheme.Ckks"/> (canonical embedding of the centered values at scale 2^<see cref="ScaleBits"/>).</summary>
    public MultipartyScheme Scheme { get; init; } = MultipartyScheme.Bfv;

    /// <summary>CKKS only: log2 of the scale Δ.</summary>
    public int ScaleBits { get; init; }

    /// <summary>Allow rings below 2^11, log q above the HomomorphicEncryption.org bound and κ below 40. Tests only: NOT SECURE.</summary>
    public bool AllowInsecureForTests { get; init; }
}
