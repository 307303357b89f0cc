using System.Runtime.CompilerServices;
namespace SecAgg.Crypto.Ring.Sampling;

/// <summary>
/// Uniform sampling of R_q elements by rejection, and the public expansion of a 32-byte seed into a uniform
/// polynomial (the common reference polynomial "a" of multiparty key generation).
/// </summary>
public static class UniformSampler
{
    /// <summary>
    /// Expands <paramref name="seed"/> into a uniform polynomial of <paramref name="result"/>.LimbCount limbs.
    /// This is a public, deterministic function of (seed, ring primes, n, limb count) that every party computes
    /// identically: the stream is <see cref="Prng.FromSeed(ReadOnlySpan{byte})"/>(seed) (AES-256-CTR); for limb l = 0, 1, … and
    /// coefficient j = 0 … n−1 in order, it reads 8-byte little-endian words w, keeps v = w mod 2^bits(p_l) and accepts
    /// the first v &lt; p_l. A shorter expansion is a prefix of a longer one. The result is marked as NTT form (a uniform
    /// polynomial is uniform in either representation; keys live in NTT form).
    /// </summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes, or the polynomial does not fit the ring.</exception>
    public static void ExpandFromSeed(ReadOnlySpan<byte> seed, RingQ ring, Poly result)
    {
        using Prng prng = Prng.FromSeed(seed);
        Sample(prng, ring, result);
    }

    /// <summary>Fills every limb of <paramref name="result"/> with uniform residues from <paramref name="prng"/> (same
    /// rejection procedure as <see cref="ExpandFromSeed"/>), and marks it as NTT form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sample(Prng prng, RingQ ring, Poly result)
    {
        ArgumentNullException.ThrowIfNull(prng);
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(result);
        if (result.N != ring.N || result.LimbCount > ring.MaxLimbCount)
        {
            throw new ArgumentException("The polynomial does not belong to this ring.", nameof(result));
        }

        for (int l = 0; l < result.LimbCount; l++)
        {
            SampleLimb(prng, ring.Moduli[l], result.Limb(l));
        }

        result.IsNtt = true;
    }

    /// <summary>One limb of <see cref="Sample"/>: fills <paramref name="row"/> with uniform residues mod
    /// <paramref name="modulus"/> from <paramref name="prng"/> (so limb after limb from one stream gives
    /// <see cref="Sample"/>'s polynomial without holding it whole).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SampleLimb(Prng prng, Modulus modulus, Span<ulong> row)
    {
        ulong p = modulus.Value;
        ulong mask = (1UL << modulus.BitLength) - 1;
        for (int j = 0; j < row.Length; j++)
        {
            ulong v;
            do
            {
                v = prng.NextUInt64() & mask;
            }
            while (v >= p);
            row[j] = v;
        }
    }
}
