using System.Numerics;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Ring;

public sealed class RingQTests
{
    public static TheoryData<int> Modes => TestUtil.AllModes();

    [Theory]
    [MemberData(nameof(Modes))]
    public void NttThenInverseIsIdentityForEverySupportedDegree(int modeValue)
    {
        var mode = (SimdMode)modeValue;
        if (!SimdModes.IsSupported(mode))
        {
            return;
        }

        using Prng prng = Prng.ForTesting(1);
        for (int logN = 1; logN <= 17; logN++)
        {
            int n = 1 << logN;
            ulong[] primes = NttPrimes.Generate(Math.Max(logN + 3, 50), n, 1);
            primes = [.. primes, NttPrimes.Generate(61, n, 1)[0]];
            var ring = new RingQ(n, primes, mode);
            Poly a = TestUtil.RandomPoly(ring, 2, prng);
            Poly b = a.Clone();
            ring.Ntt(b, b);
            Assert.True(b.IsNtt);
            ring.InverseNtt(b, b);
            Assert.True(a.ValueEquals(b), $"n = {n}");
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void NttProductEqualsSchoolbookNegacyclicProduct(int modeValue)
    {
        var mode = (SimdMode)modeValue;
        if (!SimdModes.IsSupported(mode))
        {
            return;
        }

        using Prng prng = Prng.ForTesting(2);
        foreach (int n in new[] { 16, 128 })
        {
            ulong[] primes = [.. NttPrimes.Generate(61, n, 1), .. NttPrimes.Generate(36, n, 1), .. NttPrimes.Generate(50, n, 1)];
            var ring = new RingQ(n, primes, mode);
            for (int trial = 0; trial < 3; trial++)
            {
                Poly a = TestUtil.RandomPoly(ring, 3, prng);
                Poly b = TestUtil.RandomPoly(ring, 3, prng);
                BigInteger q = ring.ModulusAt(3);
                BigInteger[] expected = TestUtil.NegacyclicSchoolbook(ring.ToBigIntegers(a), ring.ToBigIntegers(b), q);
                Poly an = a.Clone(), bn = b.Clone(), r = ring.NewPoly(3);
                ring.Ntt(an, an);
                ring.Ntt(bn, bn);
                ring.MultiplyCoefficients(an, bn, r);
                ring.InverseNtt(r, r);
                Assert.Equal(expected, ring.ToBigIntegers(r));

                // The Shoup path and multiply-accumulate give the same product.
                Poly r2 = ring.NewPoly(3);
                ring.MultiplyCoefficientsShoup(an, bn, ring.ComputeShoup(bn), r2);
                ring.InverseNtt(r2, r2);
                Assert.Equal(expected, ring.ToBigIntegers(r2));
                Poly acc = ring.NewPoly(3);
                acc.IsNtt = true;
                ring.MultiplyCoefficientsThenAdd(an, bn, acc);
                ring.MultiplyCoefficientsThenAdd(an, bn, acc);
                ring.InverseNtt(acc, acc);
                Assert.Equal(expected.Select(x => 2 * x % q).ToArray(), ring.ToBigIntegers(acc));

                // The fused product-subtraction (the masked upload's c0 = NTT(m + e) − a ⊙ s): c − a·b.
                Poly c = TestUtil.RandomPoly(ring, 3, prng);
                BigInteger[] cExpected = [.. ring.ToBigIntegers(c).Zip(expected, (x, y) => (((x - y) % q) + q) % q)];
                ring.Ntt(c, c);
                for (int l = 0; l < 3; l++)
                {
                    ring.SubtractProductLimb(an.Limb(l), bn.Limb(l), c.Limb(l), l);
                }

                ring.InverseNtt(c, c);
                Assert.Equal(cExpected, ring.ToBigIntegers(c));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void ShoupCompanionsAndTheProductWithCompanionsMadeOnTheFlyMatchBigInteger(int modeValue)
    {
        var mode = (SimdMode)modeValue;
        if (!SimdModes.IsSupported(mode))
        {
            return;
        }

        using Prng prng = Prng.ForTesting(31);
        int n = 1024;
        // 1729382256910282753 = 3·2^59 + …, ≡ 1 mod 2n, far from a power of two (2^128 mod p ≈ 0.56·p): the Barrett
        // estimate of a companion falls one short for ~2.6 % of its residues, so the correction step is exercised (the
        // primes next to 2^61 that NttPrimes picks almost never need it). Then a 40-bit and a 17-bit prime (μ_h near 2^47:
        // w·μ_h near 2^64).
        var ring = new RingQ(n, [1729382256910282753UL, .. NttPrimes.Generate(40, n, 1), .. NttPrimes.Generate(17, n, 1)], mode);
        Poly b = TestUtil.RandomPoly(ring, 3, prng);
        for (int l = 0; l < 3; l++)
        {
            ulong p = ring.Moduli[l].Value;
            Span<ulong> row = b.Limb(l);
            row[0] = 0;
            row[1] = 1;
            row[2] = p - 1;
            row[3] = p / 2;
            row[n - 1] = p - 2;
        }

        Poly companions = ring.ComputeShoup(b);
        for (int l = 0; l < 3; l++)
        {
            ulong p = ring.Moduli[l].Value;
            for (int j = 0; j < n; j++)
            {
                Assert.Equal((ulong)(((BigInteger)b.Limb(l)[j] << 64) / p), companions.Limb(l)[j]);
            }
        }

        // r −= a ⊙ b per limb with the companions made in registers, for a in [0, p) and r in [0, p), against BigInteger.
        Poly a = TestUtil.RandomPoly(ring, 3, prng), r = TestUtil.RandomPoly(ring, 3, prng);
        a.Limb(0)[5] = ring.Moduli[0].Value - 1;
        Poly expected = r.Clone();
        for (int l = 0; l < 3; l++)
        {
            ulong p = ring.Moduli[l].Value;
            for (int j = 0; j < n; j++)
            {
                BigInteger v = ((BigInteger)r.Limb(l)[j] - ((BigInteger)a.Limb(l)[j] * b.Limb(l)[j])) % p;
                expected.Limb(l)[j] = (ulong)(v < 0 ? v + p : v);
            }

            ring.SubtractProductLimb(a.Limb(l), b.Limb(l), r.Limb(l), l);
        }

        Assert.True(expected.ValueEquals(r));
        Assert.Throws<ArgumentException>(() => ring.SubtractProductLimb(a.Limb(0)[1..], b.Limb(0), r.Limb(0), 0));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void AddSubtractNegateAndScalarMatchBigInteger(int modeValue)
    {
        var mode = (SimdMode)modeValue;
        if (!SimdModes.IsSupported(mode))
        {
            return;
        }

        using Prng prng = Prng.ForTesting(3);
        int n = 64;
        var ring = new RingQ(n, [.. NttPrimes.Generate(61, n, 1), .. NttPrimes.Generate(40, n, 1)], mode);
        BigInteger q = ring.ModulusAt(2);
        Poly a = TestUtil.RandomPoly(ring, 2, prng), b = TestUtil.RandomPoly(ring, 2, prng), r = ring.NewPoly(2);
        BigInteger[] x = ring.ToBigIntegers(a), y = ring.ToBigIntegers(b);
        ring.Add(a, b, r);
        Assert.Equal(x.Zip(y, (u, v) => (u + v) % q).ToArray(), ring.ToBigIntegers(r));
        ring.Subtract(a, b, r);
        Assert.Equal(x.Zip(y, (u, v) => ((u - v) % q + q) % q).ToArray(), ring.ToBigIntegers(r));
        ring.Negate(a, r);
        Assert.Equal(x.Select(u => (q - u) % q).ToArray(), ring.ToBigIntegers(r));
        ring.MultiplyScalar(a, 123456789012345UL, r);
        Assert.Equal(x.Select(u => u * 123456789012345UL % q).ToArray(), ring.ToBigIntegers(r));
        long[] small = Enumerable.Range(0, n).Select(i => (long)(i - 32) * 1_000_000_007L).ToArray();
        ring.SetSigned(small, r);
        Assert.Equal(small.Select(v => ((v % q) + q) % q).ToArray(), ring.ToBigIntegers(r));
        Assert.Equal(small.Select(v => (BigInteger)v).ToArray(), ring.ToBigIntegers(r, centered: true));
        // r += e for an error below every prime (the vector lift) and for values past the 40-bit prime (the scalar one).
        long[] error = Enumerable.Range(0, n).Select(i => (long)((i * 7919) % 41) - 20).ToArray();
        error[n - 3] = (1L << 45) + 17;
        BigInteger[] before = ring.ToBigIntegers(r);
        ring.AddSigned(error, r);
        Assert.Equal(before.Zip(error, (u, e) => (((u + e) % q) + q) % q).ToArray(), ring.ToBigIntegers(r));
    }

    [Fact]
    public void VectorAndScalarNttGiveIdenticalResults()
    {
        using Prng prng = Prng.ForTesting(4);
        int n = 4096;
        ulong[] primes = NttPrimes.Generate(36, n, 2);
        var scalar = new RingQ(n, primes, SimdMode.Scalar);
        Poly a = TestUtil.RandomPoly(scalar, 2, prng);
        Poly expected = a.Clone();
        scalar.Ntt(expected, expected);
        foreach (SimdMode mode in TestUtil.SupportedModes())
        {
            var ring = new RingQ(n, primes, mode);
            Poly b = a.Clone();
            ring.Ntt(b, b);
            Assert.True(expected.ValueEquals(b), mode.ToString());
        }
    }

    [Fact]
    public void DomainAndShapeMisuseIsRejected()
    {
        var ring = new RingQ(16, NttPrimes.Generate(30, 16, 2));
        Poly a = ring.NewPoly(), b = ring.NewPoly(), one = ring.NewPoly(1);
        Assert.Throws<ArgumentException>(() => ring.MultiplyCoefficients(a, b, a)); // not NTT
        Assert.Throws<ArgumentException>(() => ring.Add(a, one, a));
        ring.Ntt(b, b);
        Assert.Throws<ArgumentException>(() => ring.Add(a, b, a)); // mixed domains
        Assert.Throws<ArgumentException>(() => ring.Ntt(b, b));
        Assert.Throws<ArgumentException>(() => ring.InverseNtt(a, a));
        Assert.Throws<ArgumentException>(() => new RingQ(12, [13UL]));
        Assert.Throws<ArgumentException>(() => new RingQ(16, [101UL])); // 101 ≢ 1 mod 32
        Assert.Throws<ArgumentException>(() => new RingQ(16, [3201UL])); // 3·11·97 ≡ 1 mod 32, composite
    }
}
