using System.Numerics;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests;

internal static class TestUtil
{
    public static IEnumerable<SimdMode> SupportedModes()
    {
        yield return SimdMode.Scalar;
        if (SimdModes.IsSupported(SimdMode.Vector256))
        {
            yield return SimdMode.Vector256;
        }

        if (SimdModes.IsSupported(SimdMode.Vector512))
        {
            yield return SimdMode.Vector512;
        }
    }

    public static TheoryData<int> AllModes()
    {
        // Modes as ints so xunit can serialize them; unsupported ones are skipped inside the tests.
        return new TheoryData<int> { (int)SimdMode.Scalar, (int)SimdMode.Vector256, (int)SimdMode.Vector512 };
    }

    public static Poly RandomPoly(RingQ ring, int limbs, Prng prng)
    {
        Poly p = ring.NewPoly(limbs);
        UniformSampler.Sample(prng, ring, p);
        p.IsNtt = false;
        return p;
    }

    /// <summary>Independent reference: schoolbook product in Z[X]/(X^n + 1), reduced mod q.</summary>
    public static BigInteger[] NegacyclicSchoolbook(BigInteger[] a, BigInteger[] b, BigInteger q)
    {
        int n = a.Length;
        var r = new BigInteger[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                BigInteger prod = a[i] * b[j];
                int k = i + j;
                if (k < n)
                {
                    r[k] += prod;
                }
                else
                {
                    r[k - n] -= prod;
                }
            }
        }

        for (int k = 0; k < n; k++)
        {
            r[k] %= q;
            if (r[k].Sign < 0)
            {
                r[k] += q;
            }
        }

        return r;
    }
}
