using System.Numerics;
using System.Runtime.CompilerServices;

namespace SecAgg.Crypto.Ring.Sampling.Internal;

/// <summary>
/// Bernoulli(exp(−γ)) for a dyadic rational γ = N/2^D (0 ≤ N &lt; 2^256, D ≤ 256), exactly, with integers only.
/// </summary>
/// <remarks>
/// <para>For γ ≤ 1 this is the loop of Canonne, Kamath and Steinke 2020 (Algorithm 1): draw A_k ~ Bernoulli(γ/k) for
/// k = 1, 2, … until the first A_K = 0 and return [K odd]; P([K odd]) = Σ_k (−γ)^k/k! = exp(−γ).</para>
/// <para>A_1 = [U &lt; γ] for U uniform in [0, 1) read as an infinite bit string, decided lazily: G = γ·2^256 is an
/// integer (N shifted left by 256 − D), and V = ⌊2^256·U⌋ is uniform on [0, 2^256), so [U &lt; γ] = [V &lt; G]
/// (V ≤ G − 1 gives U &lt; (V + 1)/2^256 ≤ γ; V ≥ G gives U ≥ γ). V and G are compared 64-bit word by word from the
/// top, stopping at the first word that differs: one word decides except with probability 2^−64 per word.
/// A_1 = 0 (probability 1 − γ, almost always: γ ≈ 2^−10 for the flooding sampler) ends the loop.</para>
/// <para>The rare A_k for k ≥ 2 are Bernoulli(N/(k·2^D)) = [uniform in [0, k·2^D) &lt; N] in BigInteger
/// (<see cref="ExactSampling.Bernoulli"/>), and γ &gt; 1 (never seen in practice) goes to
/// <see cref="ExactSampling.BernoulliExpMinus"/>, which splits off ⌊γ⌋ factors of exp(−1). Running time depends on
/// γ and on the draws.</para>
/// </remarks>
internal static class DyadicBernoulliExp
{
    /// <summary>True with probability exactly exp(−N/2^D), N = <paramref name="hi"/>·2^128 + <paramref name="lo"/>.</summary>
    public static bool Sample(UInt128 hi, UInt128 lo, int log2Denominator, Prng prng)
    {
        if (hi == 0 && lo == 0)
        {
            return true;
        }

        if (AtLeastPowerOfTwo(hi, lo, log2Denominator))
        {
            return ExactSampling.BernoulliExpMinus(ToBigInteger(hi, lo), BigInteger.One << log2Denominator, prng); // γ ≥ 1
        }

        (UInt128 gHi, UInt128 gLo) = ShiftLeft(hi, lo, 256 - log2Denominator); // G = γ·2^256 < 2^256
        if (!UniformBelow(gHi, gLo, prng))
        {
            return true; // A_1 = 0: K = 1
        }

        BigInteger n = ToBigInteger(hi, lo), d = BigInteger.One << log2Denominator;
        int k = 2;
        while (ExactSampling.Bernoulli(n, d * k, prng))
        {
            k++;
        }

        return (k & 1) == 1;
    }

    /// <summary>[V &lt; G] for V uniform on [0, 2^256), drawing V's words from the top only until they differ from G's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool UniformBelow(UInt128 gHi, UInt128 gLo, Prng prng)
    {
        for (int word = 3; word >= 0; word--)
        {
            ulong g = (ulong)((word >= 2 ? gHi : gLo) >> (64 * (word & 1)));
            ulong v = prng.NextUInt64();
            if (v != g)
            {
                return v < g;
            }
        }

        return false; // V = G
    }

    /// <summary>Whether hi·2^128 + lo ≥ 2^e (0 ≤ e ≤ 256).</summary>
    private static bool AtLeastPowerOfTwo(UInt128 hi, UInt128 lo, int e) => e switch
    {
        >= 256 => false,
        >= 128 => hi >> (e - 128) != 0,
        _ => hi != 0 || lo >> e != 0,
    };

    /// <summary>(hi·2^128 + lo)·2^shift mod 2^256, for 0 ≤ shift &lt; 256.</summary>
    internal static (UInt128 Hi, UInt128 Lo) ShiftLeft(UInt128 hi, UInt128 lo, int shift)
    {
        if (shift == 0)
        {
            return (hi, lo);
        }

        if (shift >= 128)
        {
            return (lo << (shift - 128), UInt128.Zero);
        }

        return ((hi << shift) | (lo >> (128 - shift)), lo << shift);
    }

    /// <summary>The 256-bit product x·y as (high 128 bits, low 128 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (UInt128 Hi, UInt128 Lo) Multiply(UInt128 x, UInt128 y)
    {
        ulong x0 = (ulong)x, x1 = (ulong)(x >> 64), y0 = (ulong)y, y1 = (ulong)(y >> 64);
        ulong p00Hi = Math.BigMul(x0, y0, out ulong p00Lo);
        ulong p01Hi = Math.BigMul(x0, y1, out ulong p01Lo);
        ulong p10Hi = Math.BigMul(x1, y0, out ulong p10Lo);
        UInt128 p11 = Math.BigMul(x1, y1);
        UInt128 mid = (UInt128)p00Hi + p01Lo + p10Lo; // < 3·2^64
        UInt128 lo = ((UInt128)(ulong)mid << 64) | p00Lo;
        UInt128 hi = p11 + p01Hi + p10Hi + (mid >> 64);
        return (hi, lo);
    }

    internal static BigInteger ToBigInteger(UInt128 hi, UInt128 lo) => ((BigInteger)hi << 128) | (BigInteger)lo;
}
