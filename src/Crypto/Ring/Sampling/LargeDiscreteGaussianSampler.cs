using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SecAgg.Crypto.Ring.Sampling.Internal;

namespace SecAgg.Crypto.Ring.Sampling;

/// <summary>
/// The exact discrete Gaussian D_{Z,σ}, P(x) ∝ exp(−x²/(2σ²)), for σ = 2^m with 10 ≤ m ≤ 100: the statistical
/// flooding noise of threshold decryption (docs/threat-model.md, "Flooding"). Integers only, from a secret AES-CTR stream
/// (a member's derived flooding stream, or one keyed by the OS CSPRNG).
/// </summary>
/// <remarks>
/// <para><b>Construction.</b> σ = K·s with s = 2^10 and K = 2^(m−10). One draw of x ≥ 0:
/// j ← D_{Z,s} conditioned on j ≥ 0 (<see cref="ExactDiscreteGaussianSampler"/> for σ² = s², negative draws rejected);
/// u ← Uniform{0, …, K − 1}; x = K·j + u; accept x with probability exp(−γ), γ = (2Kju + u²)/(2K²s²), otherwise
/// start again. Then a uniform sign; (x = 0, negative) is rejected and the whole draw restarts, so that 0 is not
/// counted twice.</para>
/// <para><b>Proof.</b> Every x ≥ 0 is K·j + u for exactly one pair (j ≥ 0, 0 ≤ u &lt; K), and
/// x² = K²j² + 2Kju + u², so γ = (x² − K²j²)/(2σ²) ≥ 0 (the acceptance probability is ≤ 1) and
/// P(propose (j, u) and accept) = [exp(−j²/(2s²))/Z₊]·(1/K)·exp(−(x² − K²j²)/(2K²s²)) = exp(−x²/(2σ²))/(K·Z₊),
/// with Z₊ = Σ_{i≥0} exp(−i²/(2s²)). Proportional to exp(−x²/(2σ²)) on x ≥ 0, so an accepted x is D_{Z,σ}
/// conditioned on x ≥ 0. After the sign and the rejection of −0, P(y) = P₊(|y|)/2 for y ≠ 0 and P₊(0)/2 for y = 0,
/// renormalised by the same constant: exactly D_{Z,σ}. Rejection sampling needs only that each round is independent,
/// which holds because every round uses fresh bits.</para>
/// <para><b>Exact acceptance.</b> K and s are powers of two, so γ = u(2jK + u)/2^(2m+1) is a dyadic rational; its
/// numerator (at most ~2^220) is formed exactly in 256-bit integer arithmetic and Bernoulli(exp(−γ)) is the CKS loop
/// whose first step compares uniform 64-bit words with γ's exact binary expansion (<c>DyadicBernoulliExp</c>); the
/// rare later steps use BigInteger. γ ≈ (u/K)·j/s² is about 2^−10 on average, so almost every proposal is accepted
/// and about half of the base draws are kept: roughly two base draws, ⌈(m − 10)/64⌉ + 1 words and a sign bit per
/// output.</para>
/// <para><b>Range.</b> Outputs are Int128: the construction rejects j with K·(j + 1) &gt; 2^127, which makes the
/// output exactly D_{Z,σ} conditioned on |x| &lt; 2^127; the excluded mass is below 2·exp(−2^(2(127−m)−1)), i.e. below
/// 2^−(2^52) at m = 100. <b>Tail.</b> D_{Z,σ} is σ²-subgaussian (Canonne, Kamath, Steinke 2020), so
/// P(|x| ≥ t) ≤ 2·exp(−t²/(2σ²)); at t = 13σ that is 2·e^−84.5 &lt; 2^−120 per coefficient (the correctness bound
/// the flooding planner uses; rare events are not tested).</para>
/// <para><b>Timing.</b> The running time depends on the value drawn (the base sampler's table search, the number of
/// rejections, and the rare BigInteger steps), as for the DDG noise: a timing side channel on the member's own
/// machine, which the threat model leaves out of scope.</para>
/// <para>Thread-safe (the base table is immutable and shared); give each thread its own <see cref="Prng"/>.</para>
/// </remarks>
public static class LargeDiscreteGaussianSampler
{
    /// <summary>Smallest supported log2 σ.</summary>
    public const int MinLog2Sigma = 10;

    /// <summary>Largest supported log2 σ.</summary>
    public const int MaxLog2Sigma = 100;

    private const int BaseLog2Sigma = 10;
    private const int MaxBaseLog2Sigma = 20; // the base sampler's limit σ² ≤ 2^40
    private const int MaxLog2K = 90;
    private const int Chunk = 256;

    /// <summary>
    /// Fills <paramref name="destination"/> with independent samples of D_{Z,σ}, σ = 2^<paramref name="log2Sigma"/>,
    /// exactly (no floating point).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="log2Sigma"/> is outside [10, 100].</exception>
    public static void Sample(Prng prng, int log2Sigma, Span<Int128> destination)
    {
        ArgumentNullException.ThrowIfNull(prng);
        CheckLog2Sigma(log2Sigma);
        Sample(prng, BaseLog2Sigma, log2Sigma - BaseLog2Sigma, destination);
    }

    /// <summary>
    /// Fills <paramref name="destination"/> (limb after limb, <paramref name="n"/> coefficients each) with independent
    /// samples x_i of D_{Z,σ}, σ = 2^<paramref name="log2Sigma"/>, in RNS: destination[l·n + i] = x_i mod moduli[l]
    /// (in [0, moduli[l])).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">log2 σ outside [10, 100], n negative, or a modulus below 2.</exception>
    /// <exception cref="ArgumentException">No moduli, or the destination length is not moduli.Length·n.</exception>
    public static void SampleRns(Prng prng, int log2Sigma, ReadOnlySpan<ulong> moduli, Span<ulong> destination, int n)
    {
        ArgumentNullException.ThrowIfNull(prng);
        CheckLog2Sigma(log2Sigma);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (moduli.IsEmpty)
        {
            throw new ArgumentException("At least one modulus is needed.", nameof(moduli));
        }

        foreach (ulong q in moduli)
        {
            if (q < 2)
            {
                throw new ArgumentOutOfRangeException(nameof(moduli), $"Modulus {q} is below 2.");
            }
        }

        if ((long)moduli.Length * n != destination.Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} residues; {moduli.Length} limbs of {n} coefficients need {(long)moduli.Length * n}.", nameof(destination));
        }

        var core = new Core(BaseLog2Sigma, log2Sigma - BaseLog2Sigma);
        Span<long> j = stackalloc long[Chunk];
        int next = Chunk;
        Span<Int128> x = stackalloc Int128[Chunk];
        for (int start = 0; start < n; start += Chunk)
        {
            int count = Math.Min(Chunk, n - start);
            Span<Int128> chunk = x[..count];
            core.Fill(prng, chunk, j, ref next); // the same draws as Sample(prng, log2Sigma, n values)
            for (int l = 0; l < moduli.Length; l++)
            {
                ulong q = moduli[l];
                Span<ulong> limb = destination.Slice((l * n) + start, count);
                for (int i = 0; i < count; i++)
                {
                    limb[i] = Reduce(chunk[i], q);
                }
            }
        }

        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(x));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(j));
    }

    /// <summary>
    /// The construction with base s = 2^<paramref name="log2Base"/> and K = 2^<paramref name="log2K"/>
    /// (σ = 2^(log2Base + log2K)); tests use small s and K to check it against an exact pmf.
    /// </summary>
    internal static void Sample(Prng prng, int log2Base, int log2K, Span<Int128> destination)
    {
        var core = new Core(log2Base, log2K);
        Span<long> j = stackalloc long[Chunk];
        int next = Chunk;
        core.Fill(prng, destination, j, ref next);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(j));
    }

    /// <summary>x mod q in [0, q).</summary>
    private static ulong Reduce(Int128 x, ulong q)
    {
        if (x >= 0)
        {
            return (ulong)((UInt128)x % q);
        }

        ulong r = (ulong)((UInt128)(-x) % q);
        return r == 0 ? 0 : q - r;
    }

    /// <summary>A uniform integer in [0, 2^bits), 0 ≤ bits ≤ 128.</summary>
    private static UInt128 UniformBits(Prng prng, int bits)
    {
        if (bits == 0)
        {
            return UInt128.Zero;
        }

        if (bits <= 64)
        {
            return prng.NextUInt64() >> (64 - bits);
        }

        ulong high = prng.NextUInt64() >> (128 - bits);
        return ((UInt128)high << 64) | prng.NextUInt64();
    }

    /// <summary>The base sampler for s = 2^<paramref name="log2Base"/> (built once per process: <see cref="ExactDiscreteGaussianSampler.Create(BigInteger, BigInteger, bool)"/> caches it).</summary>
    private static ExactDiscreteGaussianSampler BaseSampler(int log2Base) =>
        ExactDiscreteGaussianSampler.Create(BigInteger.One << (2 * log2Base), BigInteger.One);

    private static void CheckLog2Sigma(int log2Sigma)
    {
        if (log2Sigma is < MinLog2Sigma or > MaxLog2Sigma)
        {
            throw new ArgumentOutOfRangeException(nameof(log2Sigma), $"log2 sigma = {log2Sigma} is outside the supported range [{MinLog2Sigma}, {MaxLog2Sigma}].");
        }
    }

    /// <summary>The rejection loop for one (s, K); base draws come in batches through a caller-held buffer.</summary>
    private readonly struct Core
    {
        private readonly ExactDiscreteGaussianSampler _base;
        private readonly int _log2K;
        private readonly long _maxJ;
        private readonly int _log2Denominator;

        public Core(int log2Base, int log2K)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(log2Base);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(log2Base, MaxBaseLog2Sigma);
            ArgumentOutOfRangeException.ThrowIfNegative(log2K);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(log2K, MaxLog2K);
            _base = BaseSampler(log2Base);
            _log2K = log2K;
            // K·(j + 1) ≤ 2^127 keeps x = K·j + u below 2^127 and 2jK + u below 2^128.
            _maxJ = log2K <= 64 ? long.MaxValue : (1L << (127 - log2K)) - 1;
            _log2Denominator = (2 * log2K) + (2 * log2Base) + 1; // 2K²s²
        }

        /// <summary>Fills destination; <paramref name="j"/> holds base draws from index <paramref name="next"/> on.</summary>
        public void Fill(Prng prng, Span<Int128> destination, Span<long> j, ref int next)
        {
            int log2K = _log2K;
            for (int i = 0; i < destination.Length; i++)
            {
                while (true)
                {
                    if (next == j.Length)
                    {
                        _base.Fill(j, prng);
                        next = 0;
                    }

                    long jj = j[next++];
                    if (jj < 0 || jj > _maxJ)
                    {
                        continue; // j ~ D_{Z,s} conditioned on 0 ≤ j ≤ maxJ
                    }

                    UInt128 u = UniformBits(prng, log2K);
                    UInt128 twoJkPlusU = ((UInt128)(ulong)jj << (log2K + 1)) + u;
                    (UInt128 hi, UInt128 lo) = DyadicBernoulliExp.Multiply(u, twoJkPlusU); // u(2jK + u)
                    if (!DyadicBernoulliExp.Sample(hi, lo, _log2Denominator, prng))
                    {
                        continue; // rejected: start again
                    }

                    UInt128 x = ((UInt128)(ulong)jj << log2K) + u;
                    bool negative = prng.NextBit();
                    if (negative && x == 0)
                    {
                        continue; // −0: rejected so that 0 is not counted twice
                    }

                    destination[i] = negative ? -(Int128)x : (Int128)x;
                    break;
                }
            }
        }
    }
}
