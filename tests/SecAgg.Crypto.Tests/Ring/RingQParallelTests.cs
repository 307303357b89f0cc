using System.Numerics;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Ring;

/// <summary>RingQ with its limbs on several threads gives exactly the residues of the sequential path, and of the
/// naive BigInteger references.</summary>
public sealed class RingQParallelTests
{
    public static TheoryData<int> Modes => TestUtil.AllModes();

    [Theory]
    [MemberData(nameof(Modes))]
    public void EveryOperationGivesTheSameResiduesOnSeveralThreadsAsOnOne(int modeValue)
    {
        var mode = (SimdMode)modeValue;
        if (!SimdModes.IsSupported(mode))
        {
            return;
        }

        const int n = 1024;
        ulong[] primes = [.. NttPrimes.Generate(60, n, 4), .. NttPrimes.Generate(36, n, 3)];
        var sequential = new RingQ(n, primes, mode, pinnedDegree: 1);
        foreach (int degree in new[] { 2, 3, 7 })
        {
            var parallel = new RingQ(n, primes, mode, pinnedDegree: degree);
            using Prng prng = Prng.ForTesting((ulong)(17 + degree));
            Poly a = TestUtil.RandomPoly(sequential, primes.Length, prng);
            Poly b = TestUtil.RandomPoly(sequential, primes.Length, prng);
            long[] small = SignedValues(prng, n, 1L << 20);
            long[] large = SignedValues(prng, n, long.MaxValue);
            large[5] = long.MinValue;

            Poly[] expected = Pipeline(sequential, a, b, small, large);
            Poly[] actual = Pipeline(parallel, a, b, small, large);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(expected[i].ValueEquals(actual[i]), $"step {i} differs at degree {degree} ({mode})");
            }
        }
    }

    [Fact]
    public void ParallelNttProductEqualsSchoolbookNegacyclicProduct()
    {
        const int n = 64;
        ulong[] primes = [.. NttPrimes.Generate(61, n, 2), .. NttPrimes.Generate(40, n, 2)];
        var ring = new RingQ(n, primes, SimdMode.Auto, pinnedDegree: 4);
        using Prng prng = Prng.ForTesting(29);
        for (int trial = 0; trial < 3; trial++)
        {
            Poly a = TestUtil.RandomPoly(ring, primes.Length, prng);
            Poly b = TestUtil.RandomPoly(ring, primes.Length, prng);
            BigInteger q = ring.ModulusAt(primes.Length);
            BigInteger[] expected = TestUtil.NegacyclicSchoolbook(ring.ToBigIntegers(a), ring.ToBigIntegers(b), q);

            Poly an = ring.NewPoly(), bn = ring.NewPoly(), r = ring.NewPoly();
            ring.Ntt(a, an);
            ring.Ntt(b, bn);
            ring.MultiplyCoefficientsShoup(an, bn, ring.ComputeShoup(bn), r);
            ring.InverseNtt(r, r);
            Assert.Equal(expected, ring.ToBigIntegers(r));
        }
    }

    [Fact]
    public void ParallelDivisionByTheLastPrimeEqualsBigIntegerRounding()
    {
        const int n = 32;
        ulong[] primes = [.. NttPrimes.Generate(50, n, 3), .. NttPrimes.Generate(40, n, 1)];
        var ring = new RingQ(n, primes, SimdMode.Auto, pinnedDegree: 3);
        using Prng prng = Prng.ForTesting(31);
        Poly a = TestUtil.RandomPoly(ring, primes.Length, prng);
        Poly r = ring.NewPoly(primes.Length - 1);
        ring.DivideRoundByLastModulus(a, r);

        BigInteger pLast = primes[^1];
        BigInteger qSmall = ring.ModulusAt(primes.Length - 1);
        BigInteger[] x = ring.ToBigIntegers(a);
        BigInteger[] actual = ring.ToBigIntegers(r);
        for (int j = 0; j < n; j++)
        {
            // round(x / p_last) = floor((2x + p_last) / (2 p_last)), reduced mod q_{ℓ−1}.
            BigInteger rounded = BigInteger.Divide((2 * x[j]) + pLast, 2 * pLast) % qSmall;
            Assert.Equal(rounded, actual[j]);
        }
    }

    [Fact]
    public void ThePlannedPresetShapeGivesTheSameCiphertextArithmeticInParallel()
    {
        // The planned-v2 preset at d = 10^6: one ciphertext at n = 32768 with 13 primes, automatic degree.
        const int n = 32768;
        ulong[] primes = NttPrimes.Generate(60, n, 13);
        var automatic = new RingQ(n, primes);
        var sequential = new RingQ(n, primes, SimdMode.Auto, pinnedDegree: 1);
        Assert.True(RingParallelism.DegreeFor(13, 13L * n, RingQ.NttMinResidues) == Math.Min(13, RingParallelism.MaxDegreeOfParallelism));

        using Prng prng = Prng.ForTesting(37);
        Poly a = TestUtil.RandomPoly(sequential, 13, prng);
        Poly s = TestUtil.RandomPoly(sequential, 13, prng);
        long[] error = SignedValues(prng, n, 20);
        Poly[] expected = EncryptLike(sequential, a, s, error);
        Poly[] actual = EncryptLike(automatic, a, s, error);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i].ValueEquals(actual[i]), $"step {i} differs");
        }
    }

    /// <summary>Every parallelised operation, each result kept (inputs untouched).</summary>
    private static Poly[] Pipeline(RingQ ring, Poly a, Poly b, long[] small, long[] large)
    {
        int limbs = a.LimbCount;
        var steps = new List<Poly>();
        Poly Next()
        {
            Poly p = ring.NewPoly(limbs);
            steps.Add(p);
            return p;
        }

        ring.Add(a, b, Next());
        ring.Subtract(a, b, Next());
        ring.Negate(a, Next());
        ring.MultiplyScalar(a, 0xFFFF_FFFF_FFFF_FFF1UL, Next());

        Poly an = Next();
        ring.Ntt(a, an);
        Poly bn = b.Clone();
        ring.Ntt(bn, bn);
        steps.Add(bn);
        ring.MultiplyCoefficients(an, bn, Next());
        Poly shoup = ring.ComputeShoup(bn);
        steps.Add(shoup);
        ring.MultiplyCoefficientsShoup(an, bn, shoup, Next());
        Poly acc = an.Clone();
        ring.MultiplyCoefficientsThenAdd(an, bn, acc);
        steps.Add(acc);
        Poly back = Next();
        ring.InverseNtt(acc, back);
        ring.InverseNtt(acc, acc);

        Poly lifted = Next();
        ring.SetSigned(large, lifted);
        ring.AddSigned(small, lifted);
        Poly liftedSmall = a.Clone();
        ring.AddSigned(small, liftedSmall);
        steps.Add(liftedSmall);

        Poly divided = ring.NewPoly(limbs - 1);
        ring.DivideRoundByLastModulus(a, divided);
        steps.Add(divided);
        return [.. steps];
    }

    /// <summary>What MaskedEncryptor and the decryption do per chunk: NTT(e), a·s (Shoup), subtract, inverse NTT.</summary>
    private static Poly[] EncryptLike(RingQ ring, Poly a, Poly s, long[] error)
    {
        Poly an = ring.NewPoly(), sn = ring.NewPoly(), e = ring.NewPoly(), c0 = ring.NewPoly(), back = ring.NewPoly();
        ring.Ntt(a, an);
        ring.Ntt(s, sn);
        ring.SetSigned(error, e);
        ring.AddSigned(error, e);
        ring.Ntt(e, e);
        ring.MultiplyCoefficientsShoup(an, sn, ring.ComputeShoup(sn), c0);
        ring.Subtract(e, c0, c0);
        ring.Add(c0, e, c0);
        ring.InverseNtt(c0, back);
        return [an, sn, e, c0, back];
    }

    private static long[] SignedValues(Prng prng, int n, long bound)
    {
        var values = new long[n];
        for (int j = 0; j < n; j++)
        {
            long v = (long)(prng.NextUInt64() >> 1);
            values[j] = bound == long.MaxValue ? v : v % bound;
            if ((prng.NextUInt64() & 1) == 1)
            {
                values[j] = -values[j];
            }
        }

        return values;
    }
}
