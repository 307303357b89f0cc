using System.Runtime.CompilerServices;

namespace SecAgg.Crypto.Ring;

public sealed partial class RingQ
{
    // Per source limb count ℓ: p_{ℓ−1}^−1 mod p_i and its Shoup companion, for i < ℓ−1 (built on first use; a race
    // only computes the same values twice; entries are references, so a reader never sees half an entry).
    private LastPrimeInverse?[]? _lastPrimeInverses;

    /// <summary>
    /// Division by the last prime with rounding (the RNS step of modulus switching): for a coefficient-form
    /// <paramref name="source"/> of ℓ limbs, writes round(a / p_{ℓ−1}) mod q_{ℓ−1} into the ℓ−1 limbs of
    /// <paramref name="destination"/>, computed as (a − δ)·p_{ℓ−1}^−1 with δ the centered residue of a mod p_{ℓ−1}
    /// (|δ| ≤ p_{ℓ−1}/2, so the rounding error per coefficient is at most 1/2).
    /// </summary>
    /// <exception cref="ArgumentException">source is in NTT form, has a single limb, or destination does not have
    /// exactly one limb fewer.</exception>
    public void DivideRoundByLastModulus(Poly source, Poly destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        CheckLimbs(source);
        if (source.IsNtt)
        {
            throw new ArgumentException("Division by the last prime needs coefficient form.", nameof(source));
        }

        int limbs = source.LimbCount;
        if (limbs < 2)
        {
            throw new ArgumentException("A polynomial with one limb has no prime left to divide by.", nameof(source));
        }

        if (destination.N != N || destination.LimbCount != limbs - 1)
        {
            throw new ArgumentException($"The destination must have n = {N} and {limbs - 1} limbs.", nameof(destination));
        }

        ForEachLimb(limbs - 1, ntt: false, new LimbArgs(this, source, null, null, destination), static (x, l) =>
            x.Ring.DivideRoundLimb(x.A, x.Result, l));
        destination.IsNtt = false;
    }

    /// <summary>Limb <paramref name="l"/> of <see cref="DivideRoundByLastModulus"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DivideRoundLimb(Poly source, Poly destination, int l)
    {
        int limbs = source.LimbCount;
        (ulong[] inverse, ulong[] inverseShoup) = LastPrimeInverses(limbs);
        ulong pLast = _moduli[limbs - 1].Value;
        ulong half = pLast >> 1;
        Span<ulong> last = source.Limb(limbs - 1);
        Modulus m = _moduli[l];
        ulong pLastModP = m.Reduce(pLast);
        ulong inv = inverse[l], invShoup = inverseShoup[l];
        Span<ulong> src = source.Limb(l), dst = destination.Limb(l);
        for (int j = 0; j < src.Length; j++)
        {
            ulong c = last[j];
            // δ = c if c ≤ p_last/2, else c − p_last (reduced mod p), branch-free.
            ulong d = m.Subtract(m.Reduce(c), pLastModP & (ulong)((long)(half - c) >> 63));
            dst[j] = m.MultiplyShoup(m.Subtract(src[j], d), inv, invShoup);
        }
    }

    private (ulong[] Inverse, ulong[] InverseShoup) LastPrimeInverses(int limbs)
    {
        var cache = Volatile.Read(ref _lastPrimeInverses);
        if (cache is null)
        {
            cache = new LastPrimeInverse?[_moduli.Length + 1];
            cache = Interlocked.CompareExchange(ref _lastPrimeInverses, cache, null) ?? cache;
        }

        if (Volatile.Read(ref cache[limbs]) is { } known)
        {
            return (known.Inverse, known.InverseShoup);
        }

        var inverse = new ulong[limbs - 1];
        var inverseShoup = new ulong[limbs - 1];
        ulong pLast = _moduli[limbs - 1].Value;
        for (int i = 0; i < limbs - 1; i++)
        {
            Modulus m = _moduli[i];
            inverse[i] = m.Inverse(m.Reduce(pLast));
            inverseShoup[i] = m.ShoupPrecompute(inverse[i]);
        }

        Volatile.Write(ref cache[limbs], new LastPrimeInverse(inverse, inverseShoup));
        return (inverse, inverseShoup);
    }

    private sealed record LastPrimeInverse(ulong[] Inverse, ulong[] InverseShoup);
}
