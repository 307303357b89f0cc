using System.Numerics;

namespace SecAgg.Crypto.Ring.Sampling.Internal;

/// <summary>
/// Rigorous enclosures of the folded discrete Gaussian CDF F_j = P(|X| ≤ j) for X ~ N_Z(0, σ²),
/// σ² = N/D rational, in fixed-point BigInteger interval arithmetic: every quantity is held as a
/// pair (lo, hi) of integers with lo/2^P ≤ value ≤ hi/2^P, products round lo down and hi up.
/// </summary>
/// <remarks>
/// With g_x = exp(−x²/(2σ²)), Z = 1 + 2·Σ_{x≥1} g_x and S_j = 1 + 2·Σ_{x=1..j} g_x, F_j = S_j / Z.
/// q = exp(−1/(2σ²)) comes from the alternating Taylor series in exact rationals (partial sums
/// bracket the value), raised to a power when 1/(2σ²) &gt; 1; then g_{x+1} = g_x·h_x and
/// h_{x+1} = h_x·q² with h_0 = q. The tail of Z beyond M is bounded by
/// Σ_{x&gt;M} g_x ≤ g_{M+1}·(1 + 1/y), y = (2M+3)/(2σ²), because g_{M+1+j}/g_{M+1} ≤ exp(−j·y)
/// and 1/(1−e^{−y}) ≤ 1 + 1/y. No floating point is used anywhere.
/// </remarks>
internal sealed class FoldedGaussianCdf
{
    private const int GuardBits = 64;
    private readonly BigInteger _n;
    private readonly BigInteger _d;
    private readonly Dictionary<int, Level> _levels = new();

    public FoldedGaussianCdf(BigInteger varianceNumerator, BigInteger varianceDenominator)
    {
        _n = varianceNumerator;
        _d = varianceDenominator;
    }

    /// <summary>
    /// Floors of 2^p times the lower and upper bounds of F_j: a ≤ ⌊2^p·F_j⌋ ≤ b.
    /// </summary>
    public (BigInteger A, BigInteger B) Bounds(int j, int p)
    {
        Level level = GetLevel(p);
        return level.Bounds(j);
    }

    /// <summary>⌊2^p·F_j⌋ exactly, raising the working precision until the enclosure decides it.</summary>
    public BigInteger FloorScaled(int j, int p)
    {
        for (int work = p; work <= p + 4096; work += 64)
        {
            (BigInteger a, BigInteger b) = Bounds(j, work);
            int shift = work - p;
            BigInteger fa = a >> shift, fb = b >> shift;
            if (fa == fb)
            {
                return fa;
            }
        }

        throw new InvalidOperationException($"Could not decide floor(2^{p} F_{j}) with 4096 extra bits; 2^{p}·F_{j} is (numerically) an integer.");
    }

    /// <summary>Drops the cached enclosures (they are rebuilt on demand).</summary>
    public void Trim()
    {
        lock (_levels)
        {
            _levels.Clear();
        }
    }

    private Level GetLevel(int p)
    {
        lock (_levels)
        {
            if (!_levels.TryGetValue(p, out Level? level))
            {
                level = new Level(_n, _d, p);
                _levels[p] = level;
            }

            return level;
        }
    }

    /// <summary>exp(−num/den) enclosed at precision bits: lo ≤ 2^P·exp(−a) ≤ hi.</summary>
    internal static (BigInteger Lo, BigInteger Hi) ExpMinus(BigInteger num, BigInteger den, int precision)
    {
        // m = ceil(a) (at least 1), r = a/m <= 1, exp(-a) = exp(-r)^m.
        BigInteger m = BigInteger.Max(BigInteger.One, (num + den - 1) / den);
        BigInteger rn = num, rd = den * m;
        int work = precision + 8 + (int)m.GetBitLength();
        // Alternating series with non-increasing terms r^k/k! (r <= 1): S_{odd} <= e^{-r} <= S_{even}.
        // S_k = sn / sd with sd = rd^k k!.
        BigInteger sn = BigInteger.One, sd = BigInteger.One;
        BigInteger tn = BigInteger.One; // r^k numerator (rn^k)
        BigInteger lowN = 0, lowD = 1, highN = 1, highD = 1;
        BigInteger scale = BigInteger.One << (work + 2);
        for (int k = 1; ; k++)
        {
            tn *= rn;
            sd *= rd * k;
            sn *= rd * k;
            sn += (k & 1) == 1 ? -tn : tn;
            // the next term magnitude is rn^(k+1) / (rd^(k+1) (k+1)!) <= term k
            if ((k & 1) == 1)
            {
                lowN = sn;
                lowD = sd;
            }
            else
            {
                highN = sn;
                highD = sd;
            }

            // stop once term k (tn / sd) is below 2^-(work+2) and we have both sides from consecutive k
            if (k >= 2 && tn * scale < sd)
            {
                break;
            }
        }

        BigInteger lo = (lowN << work) / lowD; // floor (lowN may be >= 0; r <= 1 keeps S_1 = 1 - r >= 0)
        BigInteger hi = CeilDiv(highN << work, highD);
        if (lo.Sign < 0)
        {
            lo = BigInteger.Zero;
        }

        // raise to the power m with outward rounding
        (BigInteger plo, BigInteger phi) = PowInterval(lo, hi, m, work);
        int drop = work - precision;
        return (plo >> drop, CeilShift(phi, drop));
    }

    private static (BigInteger, BigInteger) PowInterval(BigInteger lo, BigInteger hi, BigInteger e, int p)
    {
        BigInteger rlo = BigInteger.One << p, rhi = BigInteger.One << p;
        BigInteger blo = lo, bhi = hi;
        while (!e.IsZero)
        {
            if (!e.IsEven)
            {
                rlo = (rlo * blo) >> p;
                rhi = CeilShift(rhi * bhi, p);
            }

            e >>= 1;
            if (!e.IsZero)
            {
                blo = (blo * blo) >> p;
                bhi = CeilShift(bhi * bhi, p);
            }
        }

        return (rlo, rhi);
    }

    /// <summary>⌈x / 2^shift⌉ for x ≥ 0.</summary>
    internal static BigInteger CeilShift(BigInteger x, int shift)
        => (x + ((BigInteger.One << shift) - 1)) >> shift;

    internal static BigInteger CeilDiv(BigInteger x, BigInteger y)
    {
        BigInteger q = BigInteger.DivRem(x, y, out BigInteger rem);
        if (rem.Sign > 0)
        {
            q += BigInteger.One;
        }

        return q;
    }

    private sealed class Level
    {
        private readonly int _p;
        private readonly int _work;
        private readonly BigInteger _q2Lo, _q2Hi;
        private BigInteger _hLo, _hHi; // h_x = q^(2x+1) for the next x to append
        private readonly List<BigInteger> _gLo = new(), _gHi = new();
        private readonly List<BigInteger> _sLo = new(), _sHi = new();
        private readonly BigInteger _zLo, _zHi;

        public Level(BigInteger n, BigInteger d, int p)
        {
            _p = p;
            _work = p + GuardBits;
            int w = _work;
            // q = exp(-1/(2 sigma^2)) = exp(-d/(2n))
            (BigInteger qLo, BigInteger qHi) = ExpMinus(d, 2 * n, w);
            _q2Lo = (qLo * qLo) >> w;
            _q2Hi = CeilShift(qHi * qHi, w);
            _hLo = qLo;
            _hHi = qHi;
            BigInteger one = BigInteger.One << w;
            _gLo.Add(one);
            _gHi.Add(one);
            _sLo.Add(one);
            _sHi.Add(one);

            // Sum until the tail bound is below 2^-(p + 16) (relative to 1 <= Z).
            BigInteger sumLo = BigInteger.Zero, sumHi = BigInteger.Zero;
            BigInteger threshold = BigInteger.One << (GuardBits - 16);
            int m = 0;
            while (true)
            {
                // g_{m+1}
                Append();
                BigInteger nextHi = _gHi[m + 1];
                // tail from m+1 on: g_{m+1} (1 + 2n/((2m+3) d)); tested every 32 terms (any M is valid)
                if ((m & 31) == 31 || nextHi.IsZero)
                {
                    BigInteger yd = (2 * (BigInteger)m + 3) * d;
                    BigInteger tailHi = CeilDiv(nextHi * (yd + (2 * n)), yd);
                    if (tailHi < threshold)
                    {
                        _zLo = one + (2 * sumLo);
                        _zHi = one + (2 * (sumHi + tailHi));
                        break;
                    }
                }

                sumLo += _gLo[m + 1];
                sumHi += nextHi;
                m++;
            }
        }

        private void Append()
        {
            int x = _gLo.Count - 1;
            BigInteger lo = (_gLo[x] * _hLo) >> _work;
            BigInteger hi = CeilShift(_gHi[x] * _hHi, _work);
            _gLo.Add(lo);
            _gHi.Add(hi);
            _hLo = (_hLo * _q2Lo) >> _work;
            _hHi = CeilShift(_hHi * _q2Hi, _work);
        }

        public (BigInteger A, BigInteger B) Bounds(int j)
        {
            lock (this)
            {
                while (_sLo.Count <= j)
                {
                    int x = _sLo.Count;
                    while (_gLo.Count <= x)
                    {
                        Append();
                    }

                    _sLo.Add(_sLo[x - 1] + (2 * _gLo[x]));
                    _sHi.Add(_sHi[x - 1] + (2 * _gHi[x]));
                }

                BigInteger a = (_sLo[j] << _p) / _zHi;
                BigInteger b = (_sHi[j] << _p) / _zLo;
                return (a, b);
            }
        }
    }
}
