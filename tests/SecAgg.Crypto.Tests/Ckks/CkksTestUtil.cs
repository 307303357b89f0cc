using System.Numerics;
using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Ckks;

/// <summary>Deterministic CKKS test helpers (fixed-seed AES-CTR streams, never System.Random) and the independent
/// naive references.</summary>
internal static class CkksTestUtil
{
    public static Prng Stream(string label) => Prng.FromSeed(new byte[32], "ckks-test/" + label);

    /// <summary>Uniform doubles in [−bound, bound).</summary>
    public static double[] RandomReals(Prng prng, int count, double bound)
    {
        var v = new double[count];
        for (int i = 0; i < count; i++)
        {
            v[i] = ((prng.NextUInt64() >> 11) * (1.0 / 9007199254740992.0) * 2 - 1) * bound;
        }

        return v;
    }

    public static Complex[] RandomComplex(Prng prng, int count, double bound)
    {
        double[] re = RandomReals(prng, count, bound / Math.Sqrt(2));
        double[] im = RandomReals(prng, count, bound / Math.Sqrt(2));
        return re.Zip(im, (a, b) => new Complex(a, b)).ToArray();
    }

    /// <summary>The plaintext's coefficients as exact centered integers (core CRT, BigInteger).</summary>
    public static BigInteger[] Coefficients(CkksPlaintext plain) => plain.Parameters.Ring.ToBigIntegers(plain.Poly, centered: true);

    /// <summary>Naive O(n²) reference decoding: z_j = m(ζ^(5^j mod 2n)) / Δ with ζ = exp(iπ/n), each power ζ^e taken
    /// from exp(iπ·(e mod 2n)/n) directly, the coefficients converted exactly from BigInteger.</summary>
    public static Complex[] NaiveDecode(CkksPlaintext plain)
    {
        int n = plain.Parameters.N;
        BigInteger[] m = Coefficients(plain);
        var roots = new Complex[2 * n];
        for (int e = 0; e < 2 * n; e++)
        {
            roots[e] = Complex.FromPolarCoordinates(1.0, Math.PI * e / n);
        }

        var z = new Complex[n / 2];
        long g = 1;
        for (int j = 0; j < n / 2; j++)
        {
            Complex acc = Complex.Zero;
            for (int k = 0; k < n; k++)
            {
                acc += (double)m[k] * roots[(int)(k * g % (2 * n))];
            }

            z[j] = acc / plain.Scale;
            g = g * 5 % (2 * n);
        }

        return z;
    }

    /// <summary>Naive O(n²) reference encoding before rounding: m_k = Δ·(2/n)·Re(Σ_j z_j·ζ_j^(−k)).</summary>
    public static double[] NaiveEncodeUnrounded(int n, ReadOnlySpan<Complex> values, double scale)
    {
        var roots = new Complex[2 * n];
        for (int e = 0; e < 2 * n; e++)
        {
            roots[e] = Complex.FromPolarCoordinates(1.0, Math.PI * e / n);
        }

        var m = new double[n];
        for (int k = 0; k < n; k++)
        {
            Complex acc = Complex.Zero;
            long g = 1;
            for (int j = 0; j < values.Length; j++)
            {
                long e = (2L * n - (k * g % (2 * n))) % (2 * n);
                acc += values[j] * roots[e];
                g = g * 5 % (2 * n);
            }

            m[k] = scale * 2.0 / n * acc.Real;
        }

        return m;
    }

    public static double MaxError(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
        }

        return max;
    }

    public static double MaxError(ReadOnlySpan<Complex> actual, ReadOnlySpan<Complex> expected)
    {
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Complex.Abs(actual[i] - expected[i]));
        }

        return max;
    }
}
