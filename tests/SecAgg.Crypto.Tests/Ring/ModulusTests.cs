using System.Numerics;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Ring;

public sealed class ModulusTests
{
    public static TheoryData<ulong> Moduli => new()
    {
        3, 65537, 0xFFFFFFFF00001UL, (1UL << 36) - 5, NttPrimes.Generate(61, 4096, 1)[0], (1UL << 61) - 1,
    };

    [Theory]
    [MemberData(nameof(Moduli))]
    public void BarrettAndShoupAgreeWithBigInteger(ulong p)
    {
        var m = new Modulus(p);
        using Prng prng = Prng.ForTesting(p);
        for (int i = 0; i < 20000; i++)
        {
            ulong a = prng.NextUInt64() % p, b = prng.NextUInt64() % p;
            ulong expected = (ulong)(new BigInteger(a) * b % p);
            Assert.Equal(expected, m.Multiply(a, b));
            ulong bs = m.ShoupPrecompute(b);
            Assert.Equal(expected, m.MultiplyShoup(a, b, bs));
            ulong x = prng.NextUInt64(); // any 64-bit x for Shoup
            ulong lazy = Modulus.MultiplyShoupLazy(x, b, bs, p);
            Assert.True(lazy < 2 * p);
            Assert.Equal((ulong)(new BigInteger(x) * b % p), lazy % p);
            UInt128 wide = new(prng.NextUInt64(), prng.NextUInt64());
            Assert.Equal((ulong)(((BigInteger)(ulong)(wide >> 64) << 64 | (ulong)wide) % p), m.Reduce(wide));
            Assert.Equal((ulong)(new BigInteger(a) + b) % p, m.Add(a, b));
            Assert.Equal((ulong)(((new BigInteger(a) - b) % p + p) % p), m.Subtract(a, b));
        }
    }

    [Theory]
    [MemberData(nameof(Moduli))]
    public void ShoupCompanionIsTheFloorOfTheBigIntegerQuotient(ulong p)
    {
        var m = new Modulus(p);
        using Prng prng = Prng.ForTesting(p + 1);
        // the extremes of the reduced range, random reduced values, and unreduced ones (the division path)
        IEnumerable<ulong> ws = [0, 1, 2, p - 2, p - 1, p, p + 1, ulong.MaxValue / 2, ..Enumerable.Range(0, 20000).Select(i => prng.NextUInt64() % (i % 100 == 0 ? ulong.MaxValue : p))];
        foreach (ulong w in ws)
        {
            BigInteger expected = (new BigInteger(w) << 64) / p;
            if (expected <= ulong.MaxValue)
            {
                Assert.Equal((ulong)expected, m.ShoupPrecompute(w));
            }
        }
    }

    [Fact]
    public void ReduceSignedHandlesExtremes()
    {
        var m = new Modulus(65537);
        Assert.Equal(65536UL, m.ReduceSigned(-1));
        Assert.Equal((ulong)(((new BigInteger(long.MinValue) % 65537) + 65537) % 65537), m.ReduceSigned(long.MinValue));
        Assert.Equal((ulong)(long.MaxValue % 65537), m.ReduceSigned(long.MaxValue));
    }

    [Fact]
    public void InverseTimesValueIsOne()
    {
        var m = new Modulus(NttPrimes.Generate(50, 1024, 1)[0]);
        for (ulong a = 1; a < 500; a++)
        {
            Assert.Equal(1UL, m.Multiply(a, m.Inverse(a)));
        }

        Assert.Throws<ArgumentException>(() => m.Inverse(0));
    }

    [Fact]
    public void OutOfRangeModulusIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Modulus(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Modulus(1UL << 61));
    }
}
