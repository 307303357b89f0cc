namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// Negacyclic NTT over Z_p[X]/(X^n+1) (Cooley-Tukey forward, Gentleman-Sande inverse, powers of a
/// primitive 2n-th root ψ in bit-reversed order with Shoup precomputation). Scalar; the vectorized
/// NTT belongs to the shared ring layer.
/// </summary>
internal sealed class MpNtt
{
    private readonly MpModulus _m;
    private readonly int _n;
    private readonly ulong[] _psi;
    private readonly ulong[] _psiShoup;
    private readonly ulong[] _psiInv;
    private readonly ulong[] _psiInvShoup;
    private readonly ulong _nInv;
    private readonly ulong _nInvShoup;

    public MpNtt(MpModulus m, int n)
    {
        if (n < 2 || (n & (n - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "The ring degree must be a power of two.");
        }

        if ((m.P - 1) % (2UL * (ulong)n) != 0)
        {
            throw new ArgumentException($"Modulus {m.P} is not 1 mod 2n for n = {n}.", nameof(m));
        }

        _m = m;
        _n = n;
        ulong psi = FindPrimitive2NthRoot(m, n);
        ulong psiInv = m.Inverse(psi);
        int logN = System.Numerics.BitOperations.Log2((uint)n);
        _psi = new ulong[n];
        _psiShoup = new ulong[n];
        _psiInv = new ulong[n];
        _psiInvShoup = new ulong[n];
        ulong pw = 1, pwInv = 1;
        for (int i = 0; i < n; i++)
        {
            int r = (int)(ReverseBits((uint)i) >> (32 - logN));
            _psi[r] = pw;
            _psiInv[r] = pwInv;
            pw = m.Mul(pw, psi);
            pwInv = m.Mul(pwInv, psiInv);
        }

        for (int i = 0; i < n; i++)
        {
            _psiShoup[i] = m.ShoupPrecompute(_psi[i]);
            _psiInvShoup[i] = m.ShoupPrecompute(_psiInv[i]);
        }

        _nInv = m.Inverse((ulong)n);
        _nInvShoup = m.ShoupPrecompute(_nInv);
    }

    private static uint ReverseBits(uint v)
    {
        v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
        v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
        v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
        v = ((v >> 8) & 0x00FF00FFu) | ((v & 0x00FF00FFu) << 8);
        return (v >> 16) | (v << 16);
    }

    private static ulong FindPrimitive2NthRoot(MpModulus m, int n)
    {
        ulong exponent = (m.P - 1) / (2UL * (ulong)n);
        for (ulong g = 2; g < 1_000_000; g++)
        {
            ulong psi = m.Pow(g, exponent);
            if (m.Pow(psi, (ulong)n) == m.P - 1)
            {
                return psi;
            }
        }

        throw new InvalidOperationException($"No primitive 2n-th root of unity found modulo {m.P}.");
    }

    public void Forward(Span<ulong> a)
    {
        ulong p = _m.P;
        int t = _n;
        for (int m = 1; m < _n; m <<= 1)
        {
            t >>= 1;
            for (int i = 0; i < m; i++)
            {
                int j1 = 2 * i * t;
                ulong w = _psi[m + i], ws = _psiShoup[m + i];
                Span<ulong> lo = a.Slice(j1, t);
                Span<ulong> hi = a.Slice(j1 + t, t);
                for (int j = 0; j < t; j++)
                {
                    ulong u = lo[j];
                    ulong v = _m.MulShoup(hi[j], w, ws);
                    ulong s = u + v;
                    lo[j] = s >= p ? s - p : s;
                    hi[j] = u >= v ? u - v : u + p - v;
                }
            }
        }
    }

    public void Inverse(Span<ulong> a)
    {
        ulong p = _m.P;
        int t = 1;
        for (int m = _n; m > 1; m >>= 1)
        {
            int j1 = 0;
            int h = m >> 1;
            for (int i = 0; i < h; i++)
            {
                ulong w = _psiInv[h + i], ws = _psiInvShoup[h + i];
                Span<ulong> lo = a.Slice(j1, t);
                Span<ulong> hi = a.Slice(j1 + t, t);
                for (int j = 0; j < t; j++)
                {
                    ulong u = lo[j];
                    ulong v = hi[j];
                    ulong s = u + v;
                    lo[j] = s >= p ? s - p : s;
                    hi[j] = _m.MulShoup(u >= v ? u - v : u + p - v, w, ws);
                }

                j1 += 2 * t;
            }

            t <<= 1;
        }

        for (int j = 0; j < _n; j++)
        {
            a[j] = _m.MulShoup(a[j], _nInv, _nInvShoup);
        }
    }
}
