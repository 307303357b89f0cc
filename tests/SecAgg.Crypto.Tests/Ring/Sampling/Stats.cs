using MathNet.Numerics.Distributions;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Ring.Sampling;

/// <summary>Test helpers: exact PMFs computed independently in double, chi-square goodness of fit.</summary>
internal static class Stats
{
    /// <summary>A reproducible public stream for tests (never for secrets).</summary>
    public static Prng Rng(byte seed)
    {
        var s = new byte[32];
        s[0] = seed;
        s[31] = 0x5a;
        return Prng.FromSeed(s);
    }

    /// <summary>Discrete Gaussian PMF on [-r, r] (r = 40σ + 10), normalised by the full sum.</summary>
    public static Func<long, double> GaussianPmf(double variance)
    {
        double sigma = Math.Sqrt(variance);
        long r = (long)(40 * sigma) + 10;
        double z = 0;
        for (long x = -r; x <= r; x++)
        {
            z += Math.Exp(-(double)x * x / (2 * variance));
        }

        return x => Math.Exp(-(double)x * x / (2 * variance)) / z;
    }

    /// <summary>
    /// Chi-square statistic and its p-value for integer samples against a PMF, with adjacent values
    /// merged into bins of expected count at least 20 (grouping contiguous ranges).
    /// </summary>
    public static (double Statistic, int Df, double PValue) ChiSquare(IEnumerable<long> samples, Func<long, double> pmf, long lo, long hi)
    {
        var counts = new Dictionary<long, long>();
        long total = 0;
        foreach (long s in samples)
        {
            counts[s] = counts.GetValueOrDefault(s) + 1;
            total++;
        }

        // Bins: (-inf, lo) merged into first, (hi, inf) merged into last.
        var binExpected = new List<double>();
        var binObserved = new List<long>();
        double e = 0;
        long o = 0;
        double below = 0;
        for (long x = lo - 1; x > lo - 100000 && pmf(x) > 0; x--)
        {
            below += pmf(x);
            if (pmf(x) < 1e-300) break;
        }

        e = below * total;
        o = counts.Where(kv => kv.Key < lo).Sum(kv => kv.Value);
        for (long x = lo; x <= hi; x++)
        {
            e += pmf(x) * total;
            o += counts.GetValueOrDefault(x);
            if (e >= 20 && x < hi)
            {
                binExpected.Add(e);
                binObserved.Add(o);
                e = 0;
                o = 0;
            }
        }

        double above = 0;
        for (long x = hi + 1; x < hi + 100000; x++)
        {
            double p = pmf(x);
            above += p;
            if (p < 1e-300) break;
        }

        e += above * total;
        o += counts.Where(kv => kv.Key > hi).Sum(kv => kv.Value);
        binExpected.Add(e);
        binObserved.Add(o);
        double stat = 0;
        for (int i = 0; i < binExpected.Count; i++)
        {
            double diff = binObserved[i] - binExpected[i];
            stat += diff * diff / binExpected[i];
        }

        int df = binExpected.Count - 1;
        return (stat, df, 1 - ChiSquared.CDF(df, stat));
    }
}
