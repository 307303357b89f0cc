namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// An RNS polynomial: <see cref="Limbs"/> limbs of <see cref="N"/> coefficients, limb-major in one array.
/// Whether it is in NTT form is tracked by the caller.
/// </summary>
internal sealed class MpPoly
{
    public readonly int N;
    public readonly int Limbs;
    public readonly ulong[] Data;

    public MpPoly(int n, int limbs)
    {
        N = n;
        Limbs = limbs;
        Data = new ulong[n * limbs];
    }

    public Span<ulong> Limb(int i) => Data.AsSpan(i * N, N);

    public ReadOnlySpan<ulong> ReadLimb(int i) => Data.AsSpan(i * N, N);

    public MpPoly Clone()
    {
        var c = new MpPoly(N, Limbs);
        Data.CopyTo(c.Data, 0);
        return c;
    }

    /// <summary>A copy restricted to the first <paramref name="limbs"/> limbs.</summary>
    public MpPoly Truncate(int limbs)
    {
        var c = new MpPoly(N, limbs);
        Data.AsSpan(0, limbs * N).CopyTo(c.Data);
        return c;
    }

    public void Clear() => System.Security.Cryptography.CryptographicOperations.ZeroMemory(
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(Data.AsSpan()));
}

/// <summary>
/// The RNS ring Z_Q[X]/(X^n+1), Q = Π q_i. Operations work on the first poly.Limbs limbs. The NTT is the
/// shared ring layer's vectorized negacyclic NTT (<see cref="SecAgg.Crypto.Ring.RingQ"/>); the local scalar
/// <see cref="MpNtt"/> remains as an independent reference and for <see cref="SecAgg.Crypto.Ring.SimdMode.Scalar"/> tests.
/// </summary>
internal sealed class MpRing
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, string, SecAgg.Crypto.Ring.SimdMode), SecAgg.Crypto.Ring.RingQ> CoreRings = new();

    public readonly int N;
    public readonly MpModulus[] Moduli;
    private readonly SecAgg.Crypto.Ring.RingQ _core;

    public MpRing(int n, IReadOnlyList<ulong> primes, SecAgg.Crypto.Ring.SimdMode simd = SecAgg.Crypto.Ring.SimdMode.Auto)
    {
        N = n;
        Moduli = new MpModulus[primes.Count];
        for (int i = 0; i < primes.Count; i++)
        {
            Moduli[i] = new MpModulus(primes[i]);
        }

        ulong[] copy = primes.ToArray();
        _core = CoreRings.GetOrAdd((n, string.Join(",", copy), simd), _ => new SecAgg.Crypto.Ring.RingQ(n, copy, simd));
    }

    public int Limbs => Moduli.Length;

    public MpPoly NewPoly(int? limbs = null) => new(N, limbs ?? Limbs);

    public void Ntt(MpPoly a)
    {
        for (int i = 0; i < a.Limbs; i++)
        {
            SecAgg.Crypto.Ring.Internal.Ntt.Forward(a.Limb(i), _core.Tables(i), _core.Simd);
        }
    }

    public void InverseNtt(MpPoly a)
    {
        for (int i = 0; i < a.Limbs; i++)
        {
            SecAgg.Crypto.Ring.Internal.Ntt.Inverse(a.Limb(i), _core.Tables(i), _core.Simd);
        }
    }

    /// <summary>c = a + b (limb-wise), over the limbs of c.</summary>
    public void Add(MpPoly a, MpPoly b, MpPoly c)
    {
        for (int i = 0; i < c.Limbs; i++)
        {
            MpModulus m = Moduli[i];
            ReadOnlySpan<ulong> x = a.ReadLimb(i), y = b.ReadLimb(i);
            Span<ulong> z = c.Limb(i);
            for (int j = 0; j < N; j++)
            {
                z[j] = m.Add(x[j], y[j]);
            }
        }
    }

    public void Sub(MpPoly a, MpPoly b, MpPoly c)
    {
        for (int i = 0; i < c.Limbs; i++)
        {
            MpModulus m = Moduli[i];
            ReadOnlySpan<ulong> x = a.ReadLimb(i), y = b.ReadLimb(i);
            Span<ulong> z = c.Limb(i);
            for (int j = 0; j < N; j++)
            {
                z[j] = m.Sub(x[j], y[j]);
            }
        }
    }

    public void Neg(MpPoly a, MpPoly c)
    {
        for (int i = 0; i < c.Limbs; i++)
        {
            MpModulus m = Moduli[i];
            ReadOnlySpan<ulong> x = a.ReadLimb(i);
            Span<ulong> z = c.Limb(i);
            for (int j = 0; j < N; j++)
            {
                z[j] = m.Neg(x[j]);
            }
        }
    }

    /// <summary>c = a ⊙ b coefficient-wise (a product of NTT-form polynomials).</summary>
    public void MulCoeffs(MpPoly a, MpPoly b, MpPoly c)
    {
        for (int i = 0; i < c.Limbs; i++)
        {
            MpModulus m = Moduli[i];
            ReadOnlySpan<ulong> x = a.ReadLimb(i), y = b.ReadLimb(i);
            Span<ulong> z = c.Limb(i);
            for (int j = 0; j < N; j++)
            {
                z[j] = m.Mul(x[j], y[j]);
            }
        }
    }

    /// <summary>c += a ⊙ b coefficient-wise.</summary>
    public void MulCoeffsAdd(MpPoly a, MpPoly b, MpPoly c)
    {
        for (int i = 0; i < c.Limbs; i++)
        {
            MpModulus m = Moduli[i];
            ReadOnlySpan<ulong> x = a.ReadLimb(i), y = b.ReadLimb(i);
            Span<ulong> z = c.Limb(i);
            for (int j = 0; j < N; j++)
            {
                z[j] = m.Add(z[j], m.Mul(x[j], y[j]));
            }
        }
    }

    /// <summary>c = a · s_i where s_i is one scalar per limb.</summary>
    public void MulScalarPerLimb(MpPoly a, ReadOnlySpan<ulong> scalars, MpPoly c)
    {
        for (int i = 0; i < c.Limbs; i++)
        {
            MpModulus m = Moduli[i];
            ulong w = m.Reduce(scalars[i]);
            ulong ws = m.ShoupPrecompute(w);
            ReadOnlySpan<ulong> x = a.ReadLimb(i);
            Span<ulong> z = c.Limb(i);
            for (int j = 0; j < N; j++)
            {
                z[j] = m.MulShoup(x[j], w, ws);
            }
        }
    }

    /// <summary>Writes a small signed polynomial into every limb of <paramref name="c"/>.</summary>
    public void FromSigned(ReadOnlySpan<long> small, MpPoly c)
    {
        for (int i = 0; i < c.Limbs; i++)
        {
            MpModulus m = Moduli[i];
            Span<ulong> z = c.Limb(i);
            for (int j = 0; j < N; j++)
            {
                z[j] = m.FromSigned(small[j]);
            }
        }
    }

    /// <summary>
    /// Divides by the last limb's prime and rounds: returns round(a / q_last) over the first Limbs-1 limbs
    /// (coefficient form). Rounding error per coefficient at most 1/2.
    /// </summary>
    public MpPoly DivRoundByLastModulus(MpPoly a)
    {
        int last = a.Limbs - 1;
        MpModulus ml = Moduli[last];
        ulong half = ml.P >> 1;
        var c = new MpPoly(N, last);
        ReadOnlySpan<ulong> r = a.ReadLimb(last);
        for (int i = 0; i < last; i++)
        {
            MpModulus m = Moduli[i];
            ulong inv = m.Inverse(ml.P % m.P);
            ulong invShoup = m.ShoupPrecompute(inv);
            ulong pModQi = ml.P % m.P;
            ReadOnlySpan<ulong> x = a.ReadLimb(i);
            Span<ulong> z = c.Limb(i);
            for (int j = 0; j < N; j++)
            {
                // centered remainder rc = r if r <= half else r - p_last; z = (x - rc) / p_last
                ulong rj = r[j];
                ulong rcModQi = rj <= half ? m.Reduce(rj) : m.Sub(m.Reduce(rj), pModQi);
                z[j] = m.MulShoup(m.Sub(x[j], rcModQi), inv, invShoup);
            }
        }

        return c;
    }
}
