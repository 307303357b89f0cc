using System.Numerics;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Ring.Sampling;

public sealed class ExactSamplingTests
{
    [Theory]
    [InlineData(1, 3)]
    [InlineData(1, 1)]
    [InlineData(5, 2)]
    [InlineData(0, 1)]
    [InlineData(17, 4)]
    public void BernoulliExpMinusHasRateExpMinusGamma(long num, long den)
    {
        using var rng = Stats.Rng(31);
        const int N = 200_000;
        int hits = 0;
        for (int i = 0; i < N; i++)
        {
            if (ExactSampling.BernoulliExpMinus(num, den, rng)) hits++;
        }

        double p = Math.Exp(-(double)num / den);
        double sd = Math.Sqrt(N * p * (1 - p)) + 1e-9;
        Assert.InRange(hits, (N * p) - (5 * sd) - 0.5, (N * p) + (5 * sd) + 0.5);
    }

    [Fact]
    public void BernoulliRationalIsExactAtTheEnds()
    {
        using var rng = Stats.Rng(32);
        for (int i = 0; i < 1000; i++)
        {
            Assert.False(ExactSampling.Bernoulli(0, 7, rng));
            Assert.True(ExactSampling.Bernoulli(7, 7, rng));
        }
    }

    [Fact]
    public void DiscreteLaplaceMatchesItsPmf()
    {
        using var rng = Stats.Rng(33);
        var samples = new long[100_000];
        for (int i = 0; i < samples.Length; i++) samples[i] = (long)ExactSampling.DiscreteLaplace(2, 5, rng);
        double a = Math.Exp(-2.0 / 5);
        var (stat, df, p) = Stats.ChiSquare(samples, x => (1 - a) / (1 + a) * Math.Pow(a, Math.Abs(x)), -15, 15);
        Assert.True(p > 1e-4, $"chi-square {stat:F1} on {df} df, p = {p:G3}");
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, 4)]
    public void ReferenceDiscreteGaussianMatchesThePmf(long num, long den)
    {
        using var rng = Stats.Rng(34);
        var samples = new long[50_000];
        for (int i = 0; i < samples.Length; i++) samples[i] = (long)ExactSampling.DiscreteGaussian(num, den, rng);
        double v = (double)num / den;
        var (stat, df, p) = Stats.ChiSquare(samples, Stats.GaussianPmf(v), -6, 6);
        Assert.True(p > 1e-4, $"chi-square {stat:F1} on {df} df, p = {p:G3}");
    }

    [Fact]
    public void InvalidArgumentsThrowWithTheirNames()
    {
        using var rng = Stats.Rng(35);
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactSampling.Bernoulli(3, 2, rng));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactSampling.BernoulliExpMinus(-1, 2, rng));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactSampling.DiscreteLaplace(0, 2, rng));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactSampling.DiscreteGaussian(BigInteger.Zero, 1, rng));
    }

    [Fact]
    public void IntegerSqrtIsTheFloor()
    {
        for (long x = 0; x < 5000; x++)
        {
            var r = ExactSampling.IntegerSqrt(x);
            Assert.True(r * r <= x && (r + 1) * (r + 1) > x);
        }
    }
}
