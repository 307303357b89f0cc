using System.Numerics;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// Statistical flooding of protocol-v2 decryption shares (docs/threat-model.md, "Flooding"):
/// <b>σ_flood(|U|) = 2^⌈log2(2^(κ−1)·√((N − c)·Q_cap·n)·B_U)⌉</b> with B_U = |U|·19.5, and F_j ← D_{Z,σ_flood}^n.
/// <para>
/// Derivation. What a share reveals beyond the released sum is the honest noise of the sum, a shift x of the
/// flooding with |x| ≤ B_U per coefficient (|e_i| ≤ 19 and the encoding rounding ≤ 1/2 for each i ∈ U; B_U is
/// computed by the member from the approved |U|, nothing comes from the aggregator). Every decryption group holds at
/// least one honest member whose F_j has σ (colluders' flooding is known, and adding independent noise only lowers the
/// divergence). For integer shifts the KL divergence of discrete Gaussians is
/// KL(D_{Z,σ} + x ‖ D_{Z,σ}) ≤ x²/(2σ²) (Canonne–Kamath–Steinke 2020, Prop. 5), additive over independent coordinates.
/// Each honest member answers at most Q_cap (round, chunk) pairs per epoch (its <see cref="IDecryptionLedger"/>), so at
/// most (N − c)·Q_cap flooded groups of n coefficients exist per epoch:
/// KL_epoch ≤ (N − c)·Q_cap·n·B_U²/(2σ²), and by Pinsker SD ≤ √(KL/2) = √((N − c)·Q_cap·n)·B_U/(2σ).
/// σ ≥ 2^(κ−1)·√((N − c)·Q_cap·n)·B_U therefore gives SD ≤ 2^−κ for all honest members' shares of the epoch together;
/// rounding up to a power of two keeps the sampler exact and integer. Example: N = 10, c = 0, n = 2^15, Q_cap = 2^16,
/// |U| = 10 gives σ = 2^64.
/// </para>
/// <para>
/// Correctness: |F| ≤ 13σ except with probability ≤ 2·exp(−169/2) &lt; 2^−120 per coefficient, the bound every noise
/// check uses (<see cref="TailBound"/>). Samples come from <see cref="LargeDiscreteGaussianSampler"/> on the member's
/// secret flooding stream for (session, chunk) (<see cref="SessionKeyShare"/>).
/// </para>
/// </summary>
public static class StatisticalFlooding
{
    /// <summary>Default statistical security κ (bits).</summary>
    public const int DefaultSecurity = 40;

    /// <summary>Default share cap Q_cap: 2^16 (round, chunk) pairs per member per key epoch.</summary>
    public const long DefaultShareCap = 1L << 16;

    /// <summary>The honest noise per summand: |e_i| ≤ 19 (σ = 3.2 truncated at 19) plus the encoding rounding 1/2.</summary>
    public const double NoisePerSummand = 19.5;

    /// <summary>The flooding tail bound in σ: |F| ≤ 13σ except with probability &lt; 2^−120 per coefficient.</summary>
    public const int TailSigmas = 13;

    /// <summary>Largest log2 σ: the exact sampler's (<see cref="LargeDiscreteGaussianSampler.MaxLog2Sigma"/>).</summary>
    public const int MaxLog2Sigma = LargeDiscreteGaussianSampler.MaxLog2Sigma;

    /// <summary>B_U = |U|·19.5.</summary>
    public static double NoiseBound(int summands)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(summands);
        return summands * NoisePerSummand;
    }

    /// <summary>13·2^<paramref name="log2Sigma"/>: the bound one member's flooding stays within.</summary>
    public static double TailBound(int log2Sigma) => TailSigmas * Math.Pow(2, log2Sigma);

    /// <summary>
    /// log2 σ_flood = ⌈log2(2^(κ−1)·√((N − c)·Q_cap·n)·B_U)⌉, computed exactly: the least e ≥ 0 with
    /// 2^(2e+2) ≥ 2^(2κ−2)·(N − c)·Q_cap·n·(39·|U|)² (squared, with B_U = 39·|U|/2); never below
    /// <see cref="LargeDiscreteGaussianSampler.MinLog2Sigma"/> = 10, the exact sampler's smallest σ (more flooding only
    /// lowers the divergence; only toy parameters with a small κ or Q_cap reach it).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range (c ≥ N, non-positive counts, κ &lt; 1).</exception>
    public static int Log2Sigma(int parties, int maxColluders, long shareCap, int ringDegree, int summands, int kappa)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parties);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shareCap);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ringDegree);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(summands);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kappa);
        if (maxColluders < 0 || maxColluders >= parties)
        {
            throw new ArgumentOutOfRangeException(nameof(maxColluders), maxColluders, $"c must be in [0, N − 1 = {parties - 1}].");
        }

        BigInteger bu = 39 * (BigInteger)summands;
        BigInteger rhs = (BigInteger.One << ((2 * kappa) - 2)) * (parties - maxColluders) * shareCap * ringDegree * bu * bu;
        int e = Math.Max(0, (int)((rhs.GetBitLength() - 3) / 2));
        while ((BigInteger.One << ((2 * e) + 2)) < rhs)
        {
            e++;
        }

        while (e > 0 && (BigInteger.One << (2 * e)) >= rhs)
        {
            e--;
        }

        return Math.Max(e, LargeDiscreteGaussianSampler.MinLog2Sigma);
    }

    /// <summary>target += NTT(F) with F ← D_{Z,2^log2σ}^n from <paramref name="prng"/> (a secret stream: the member's
    /// derived flooding stream, <see cref="SessionKeyShare"/>);
    /// <paramref name="target"/> is in NTT form, <paramref name="scratch"/> (same shape) is overwritten and wiped.</summary>
    internal static void AddNtt(RingQ ring, Prng prng, int log2Sigma, Poly target, Poly scratch)
    {
        Span<ulong> moduli = stackalloc ulong[ring.MaxLimbCount];
        for (int l = 0; l < moduli.Length; l++)
        {
            moduli[l] = ring.Moduli[l].Value;
        }

        LargeDiscreteGaussianSampler.SampleRns(prng, log2Sigma, moduli, scratch.Coefficients, ring.N);
        scratch.IsNtt = false;
        ring.Ntt(scratch, scratch);
        ring.Add(target, scratch, target);
        scratch.Clear();
    }
}
