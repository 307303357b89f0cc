using System.Runtime.CompilerServices;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// The multiparty layer's use of the core <see cref="RingQ"/>: the same element-wise operations, but over the first
/// <c>result.LimbCount</c> limbs of operands that may carry more limbs (a key at level Q applied to a ciphertext at
/// the wire level q' ⊂ Q, whose primes are a prefix of Q's), as the multiparty protocols need. The NTT, the
/// vectorized add/subtract kernels, the moduli and the division by the last prime are the core's; these helpers only
/// loop over limbs and keep <see cref="Poly.IsNtt"/> up to date.
/// </summary>
internal static class RingQPrefixOps
{
    /// <summary>In-place forward NTT of every limb of <paramref name="a"/>.</summary>
    public static void Ntt(this RingQ ring, Poly a)
    {
        for (int i = 0; i < a.LimbCount; i++)
        {
            SecAgg.Crypto.Ring.Internal.Ntt.Forward(a.Limb(i), ring.Tables(i), ring.Simd);
        }

        a.IsNtt = true;
    }

    /// <summary>In-place inverse NTT of every limb of <paramref name="a"/>.</summary>
    public static void InverseNtt(this RingQ ring, Poly a)
    {
        for (int i = 0; i < a.LimbCount; i++)
        {
            SecAgg.Crypto.Ring.Internal.Ntt.Inverse(a.Limb(i), ring.Tables(i), ring.Simd);
        }

        a.IsNtt = false;
    }

    /// <summary>c = a + b over the limbs of c.</summary>
    public static void AddLimbs(this RingQ ring, Poly a, Poly b, Poly c)
    {
        for (int i = 0; i < c.LimbCount; i++)
        {
            ring.AddLimb(a.Limb(i), b.Limb(i), c.Limb(i), ring.Moduli[i].Value);
        }

        c.IsNtt = a.IsNtt;
    }

    /// <summary>c = a − b over the limbs of c.</summary>
    public static void Sub(this RingQ ring, Poly a, Poly b, Poly c)
    {
        for (int i = 0; i < c.LimbCount; i++)
        {
            ring.SubtractLimb(a.Limb(i), b.Limb(i), c.Limb(i), ring.Moduli[i].Value);
        }

        c.IsNtt = a.IsNtt;
    }

    /// <summary>c = −a over the limbs of c.</summary>
    public static void Neg(this RingQ ring, Poly a, Poly c)
    {
        for (int i = 0; i < c.LimbCount; i++)
        {
            ulong p = ring.Moduli[i].Value;
            Span<ulong> x = a.Limb(i), z = c.Limb(i);
            for (int j = 0; j < z.Length; j++)
            {
                z[j] = x[j] == 0 ? 0 : p - x[j];
            }
        }

        c.IsNtt = a.IsNtt;
    }

    /// <summary>c = a ⊙ b coefficient-wise (a ring product of NTT-form operands), over the limbs of c.</summary>
    public static void MulCoeffs(this RingQ ring, Poly a, Poly b, Poly c)
    {
        for (int i = 0; i < c.LimbCount; i++)
        {
            Modulus m = ring.Moduli[i];
            Span<ulong> x = a.Limb(i), y = b.Limb(i), z = c.Limb(i);
            for (int j = 0; j < z.Length; j++)
            {
                z[j] = m.Multiply(x[j], y[j]);
            }
        }

        c.IsNtt = true;
    }

    /// <summary>c += a ⊙ b coefficient-wise, over the limbs of c.</summary>
    public static void MulCoeffsAdd(this RingQ ring, Poly a, Poly b, Poly c)
    {
        for (int i = 0; i < c.LimbCount; i++)
        {
            Modulus m = ring.Moduli[i];
            Span<ulong> x = a.Limb(i), y = b.Limb(i), z = c.Limb(i);
            for (int j = 0; j < z.Length; j++)
            {
                z[j] = m.Add(z[j], m.Multiply(x[j], y[j]));
            }
        }

        c.IsNtt = true;
    }

    /// <summary>c = a · scalars[i] in limb i (one scalar per limb, e.g. a Lagrange weight), over the limbs of c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MulScalarPerLimb(this RingQ ring, Poly a, ReadOnlySpan<ulong> scalars, Poly c)
    {
        for (int i = 0; i < c.LimbCount; i++)
        {
            Modulus m = ring.Moduli[i];
            ulong w = m.Reduce(scalars[i]);
            ulong ws = m.ShoupPrecompute(w);
            Span<ulong> x = a.Limb(i), z = c.Limb(i);
            for (int j = 0; j < z.Length; j++)
            {
                z[j] = m.MultiplyShoup(x[j], w, ws);
            }
        }

        c.IsNtt = a.IsNtt;
    }

    /// <summary>Writes a small signed polynomial into every limb of <paramref name="c"/> (coefficient form).</summary>
    public static void FromSigned(this RingQ ring, ReadOnlySpan<long> small, Poly c)
    {
        for (int i = 0; i < c.LimbCount; i++)
        {
            Modulus m = ring.Moduli[i];
            Span<ulong> z = c.Limb(i);
            for (int j = 0; j < z.Length; j++)
            {
                z[j] = m.ReduceSigned(small[j]);
            }
        }

        c.IsNtt = false;
    }

    /// <summary>round(a / q_last) over the first a.LimbCount − 1 limbs (the core's
    /// <see cref="RingQ.DivideRoundByLastModulus"/>), as a new polynomial.</summary>
    public static Poly DivRoundByLastModulus(this RingQ ring, Poly a)
    {
        var c = new Poly(ring.N, a.LimbCount - 1);
        a.IsNtt = false;
        ring.DivideRoundByLastModulus(a, c);
        return c;
    }
}
