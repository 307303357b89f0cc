using System.Numerics;
using System.Security.Cryptography;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Ring;

/// <summary>Core capabilities added for the multiparty layer: domain-separated seeded streams and division by the
/// last prime on polynomials.</summary>
public sealed class CoreAdditionsForMultipartyTests
{
    [Fact]
    public void LabelledSeedStreamIsAesCtrKeyedByHmacOfSeedAndLabel()
    {
        byte[] seed = "any length seed"u8.ToArray();
        using Prng labelled = Prng.FromSeed(seed, "SecAgg.Test.Label");
        using Prng plain = Prng.FromSeed(HMACSHA256.HashData(seed, "SecAgg.Test.Label"u8.ToArray()));
        var a = new byte[5000];
        var b = new byte[5000];
        labelled.Fill(a);
        plain.Fill(b);
        Assert.Equal(b, a);
    }

    [Fact]
    public void DifferentLabelsGiveIndependentStreams()
    {
        byte[] seed = new byte[32];
        using Prng x = Prng.FromSeed(seed, "one");
        using Prng y = Prng.FromSeed(seed, "two");
        using Prng x2 = Prng.FromSeed(seed, "one");
        ulong vx = x.NextUInt64();
        Assert.NotEqual(vx, y.NextUInt64());
        Assert.Equal(vx, x2.NextUInt64());
        Assert.Throws<ArgumentException>(() => Prng.FromSeed(seed, ""));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void DivideRoundByLastModulusMatchesBigIntegerRounding(int limbs)
    {
        const int n = 64;
        ulong[] primes = NttPrimes.Generate(55, n, limbs - 1).Concat(NttPrimes.Generate(40, n, 1)).ToArray();
        var ring = new RingQ(n, primes);
        using Prng prng = Prng.ForTesting(77);
        Poly a = ring.NewPoly();
        UniformSampler.Sample(prng, ring, a);
        a.IsNtt = false;
        a.Limb(limbs - 1)[0] = primes[^1] / 2;       // the rounding boundaries
        a.Limb(limbs - 1)[1] = primes[^1] / 2 + 1;
        var r = new Poly(n, limbs - 1);
        ring.DivideRoundByLastModulus(a, r);
        BigInteger[] x = ring.ToBigIntegers(a);
        BigInteger qOut = ring.ModulusAt(limbs - 1);
        BigInteger pLast = primes[^1];
        BigInteger[] got = new RingQ(n, primes[..^1]).ToBigIntegers(r);
        for (int j = 0; j < n; j++)
        {
            // round(x / p_last) with ties (impossible for odd p_last) irrelevant; compare mod q_out.
            BigInteger expected = ((2 * x[j]) + pLast) / (2 * pLast) % qOut;
            Assert.Equal(expected, got[j]);
        }
    }

    [Fact]
    public void DivideRoundByLastModulusRefusesBadShapes()
    {
        ulong[] primes = NttPrimes.Generate(50, 16, 2);
        var ring = new RingQ(16, primes);
        Assert.Throws<ArgumentException>(() => ring.DivideRoundByLastModulus(ring.NewPoly(1), new Poly(16, 1)));
        Assert.Throws<ArgumentException>(() => ring.DivideRoundByLastModulus(ring.NewPoly(2), new Poly(16, 2)));
        Poly ntt = ring.NewPoly(2);
        ntt.IsNtt = true;
        Assert.Throws<ArgumentException>(() => ring.DivideRoundByLastModulus(ntt, new Poly(16, 1)));
    }
}
