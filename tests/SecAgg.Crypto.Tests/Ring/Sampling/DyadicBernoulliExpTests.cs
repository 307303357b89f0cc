using System.Numerics;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Ring.Sampling.Internal;

namespace SecAgg.Crypto.Tests.Ring.Sampling;

public sealed class DyadicBernoulliExpTests
{
    [Fact]
    public void MultiplyIsTheFull256BitProduct()
    {
        using Prng prng = Stats.Rng(91);
        var cases = new List<(UInt128, UInt128)> { (UInt128.MaxValue, UInt128.MaxValue), (UInt128.MaxValue, 1), (0, UInt128.MaxValue), (ulong.MaxValue, ulong.MaxValue) };
        for (int i = 0; i < 1000; i++)
        {
            cases.Add((new UInt128(prng.NextUInt64(), prng.NextUInt64()), new UInt128(prng.NextUInt64() >> (i % 64), prng.NextUInt64())));
        }

        foreach ((UInt128 x, UInt128 y) in cases)
        {
            (UInt128 hi, UInt128 lo) = DyadicBernoulliExp.Multiply(x, y);
            Assert.Equal((BigInteger)x * y, ((BigInteger)hi << 128) + lo);
        }
    }

    [Fact]
    public void ShiftLeftMatchesBigInteger()
    {
        var value = new BigInteger(0x1234_5678_9abc_def1UL) << 70 | 0xfeed;
        for (int shift = 0; shift < 256; shift += 7)
        {
            (UInt128 hi, UInt128 lo) = DyadicBernoulliExp.ShiftLeft((UInt128)(value >> 128), (UInt128)(value & UInt128.MaxValue), shift);
            BigInteger expected = (value << shift) & ((BigInteger.One << 256) - 1);
            Assert.Equal(expected, ((BigInteger)hi << 128) + lo);
        }
    }

    [Theory]
    [InlineData(0, 0, 5)]        // gamma = 0: always true
    [InlineData(3, 0, 3)]        // 3/8
    [InlineData(1, 0, 0)]        // 1 (N = 2^D)
    [InlineData(5, 0, 1)]        // 5/2 (gamma > 1)
    [InlineData(1, 189, 200)]    // 2^-11 with a 190-bit numerator
    [InlineData(3, 198, 200)]    // 3/4 with a 200-bit numerator
    [InlineData(7, 253, 256)]    // 7/8 at the widest denominator
    public void AcceptsWithProbabilityExpMinusGamma(long numerator, int numeratorShift, int log2Denominator)
    {
        BigInteger n = new BigInteger(numerator) << numeratorShift;
        double gamma = (double)n / Math.Pow(2, log2Denominator);
        var hi = (UInt128)(n >> 128);
        var lo = (UInt128)(n & UInt128.MaxValue);
        using Prng prng = Stats.Rng(92);
        const int N = 200_000;
        int hits = 0;
        for (int i = 0; i < N; i++)
        {
            if (DyadicBernoulliExp.Sample(hi, lo, log2Denominator, prng)) hits++;
        }

        double p = Math.Exp(-gamma);
        double sd = Math.Sqrt(N * p * (1 - p));
        Assert.InRange(hits, (N * p) - (5 * sd) - 0.5, (N * p) + (5 * sd) + 0.5);
    }
}
