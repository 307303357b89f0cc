using System.Numerics;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Ring.Sampling.Internal;

namespace SecAgg.Crypto.Tests.Ring.Sampling;

public sealed class ExactDiscreteGaussianSamplerTests
{
    [Theory]
    [InlineData(1, 1, 1)]        // sigma = 1
    [InlineData(2, 3, 2)]        // sigma^2 = 2/3 (non-integer, sigma < 1)
    [InlineData(4, 25, 3)]       // sigma = 0.4
    [InlineData(225, 2, 4)]      // sigma^2 = 112.5
    [InlineData(1000000, 1, 5)]  // sigma = 1000
    [InlineData(100000000, 1, 6)] // sigma = 10^4
    public void SamplesMatchTheExactPmfByChiSquare(long num, long den, byte seed)
    {
        var sampler = ExactDiscreteGaussianSampler.Create(num, den);
        double variance = (double)num / den;
        using var rng = Stats.Rng(seed);
        var samples = new long[1_000_000];
        sampler.Fill(samples, rng);
        long range = (long)Math.Ceiling(6 * Math.Sqrt(variance)) + 1;
        var (stat, df, p) = Stats.ChiSquare(samples, Stats.GaussianPmf(variance), -range, range);
        Assert.True(p > 1e-4, $"chi-square {stat:F1} on {df} df, p = {p:G3}");
    }

    [Theory]
    [InlineData(1, 1, 21)]
    [InlineData(2, 3, 22)]
    [InlineData(4, 25, 23)]
    [InlineData(1000000, 1, 24)]
    public void FixedStepSearchMatchesTheExactPmfAndTheGuidedSearch(long num, long den, byte seed)
    {
        var fixedStep = ExactDiscreteGaussianSampler.Create(num, den, fixedStepSearch: true);
        var guided = ExactDiscreteGaussianSampler.Create(num, den);
        Assert.True(fixedStep.FixedStepSearch);
        var a = new long[500_000];
        var b = new long[500_000];
        using (var rng = Stats.Rng(seed)) fixedStep.Fill(a, rng);
        using (var rng = Stats.Rng(seed)) guided.Fill(b, rng);
        Assert.Equal(b, a); // same inversion, same bits: identical draws
        using (var rng = Stats.Rng(seed)) Assert.Equal(guided.Sample(Stats.Rng(seed)), fixedStep.Sample(rng));
        double variance = (double)num / den;
        long range = (long)Math.Ceiling(6 * Math.Sqrt(variance)) + 1;
        var (stat, df, p) = Stats.ChiSquare(a, Stats.GaussianPmf(variance), -range, range);
        Assert.True(p > 1e-4, $"chi-square {stat:F1} on {df} df, p = {p:G3}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FixedStepSearchResolvesTiesExactly(bool vectors)
    {
        bool saved = ExactDiscreteGaussianSampler.UseVectors;
        ExactDiscreteGaussianSampler.UseVectors = vectors;
        try
        {
            var sampler = ExactDiscreteGaussianSampler.Create(5, 2, 8, fixedStepSearch: true);
            var guided = ExactDiscreteGaussianSampler.Create(5, 2, 8);
            using var rng = Stats.Rng(25);
            var samples = new long[200_000];
            sampler.Fill(samples, rng);
            Assert.True(sampler.SlowPathCount > 1000);
            var (stat, df, p) = Stats.ChiSquare(samples, Stats.GaussianPmf(2.5), -11, 11);
            Assert.True(p > 1e-4, $"chi-square {stat:F1} on {df} df, p = {p:G3}");
            var again = new long[200_000];
            using (var r2 = Stats.Rng(25)) guided.Fill(again, r2);
            Assert.Equal(again, samples);
        }
        finally
        {
            ExactDiscreteGaussianSampler.UseVectors = saved;
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(10000, 1)]
    public void MeanAndVarianceMatch(long num, long den)
    {
        var sampler = ExactDiscreteGaussianSampler.Create(num, den);
        using var rng = Stats.Rng(9);
        const int N = 1_000_000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < N; i++)
        {
            long x = sampler.Sample(rng);
            sum += x;
            sumSq += (double)x * x;
        }

        double variance = (double)num / den;
        // exact variance of the discrete Gaussian (slightly below sigma^2 for small sigma)
        var pmf = Stats.GaussianPmf(variance);
        double exactVar = 0;
        for (long x = -200 - (long)(40 * Math.Sqrt(variance)); x <= 200 + (long)(40 * Math.Sqrt(variance)); x++)
        {
            exactVar += x * (double)x * pmf(x);
        }

        double mean = sum / N, var = (sumSq / N) - (mean * mean);
        Assert.InRange(mean, -5 * Math.Sqrt(exactVar / N), 5 * Math.Sqrt(exactVar / N));
        Assert.InRange(var / exactVar, 1 - 0.01, 1 + 0.01);
    }

    [Fact]
    public void TailsHaveTheExactFrequency()
    {
        // P(|X| >= 3) for sigma = 1 is about 0.0044: 1e6 samples see about 4400 of them.
        var sampler = ExactDiscreteGaussianSampler.Create(1, 1);
        using var rng = Stats.Rng(11);
        var pmf = Stats.GaussianPmf(1);
        double pTail = 1 - pmf(0) - (2 * pmf(1)) - (2 * pmf(2));
        const int N = 1_000_000;
        int tail = 0;
        long max = 0;
        for (int i = 0; i < N; i++)
        {
            long x = Math.Abs(sampler.Sample(rng));
            if (x >= 3) tail++;
            max = Math.Max(max, x);
        }

        double expected = pTail * N, sd = Math.Sqrt(expected);
        Assert.InRange(tail, expected - (5 * sd), expected + (5 * sd));
        Assert.InRange(max, 4, 7);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(50, 1)]
    public void TieResolutionIsExact(long num, long den)
    {
        // Compare only 8 bits on the fast path: ties are frequent and the BigInteger path decides them.
        var sampler = ExactDiscreteGaussianSampler.Create(num, den, 8);
        using var rng = Stats.Rng(13);
        var samples = new long[200_000];
        sampler.Fill(samples, rng);
        Assert.True(sampler.SlowPathCount > 1000, $"only {sampler.SlowPathCount} ties");
        double variance = (double)num / den;
        long range = (long)Math.Ceiling(6 * Math.Sqrt(variance)) + 1;
        var (stat, df, p) = Stats.ChiSquare(samples, Stats.GaussianPmf(variance), -range, range);
        Assert.True(p > 1e-4, $"chi-square {stat:F1} on {df} df, p = {p:G3}");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(12345, 7)]
    public void TableHoldsFloorOfTwoTo64TimesTheCdf(long num, long den)
    {
        // Independent check in double: |f_j - 2^64 F_j| within the double sum's rounding (< 2^16, i.e. 48 bits agree).
        var sampler = ExactDiscreteGaussianSampler.Create(num, den);
        double variance = (double)num / den;
        var pmf = Stats.GaussianPmf(variance);
        var cdf = new FoldedGaussianCdf(num, den);
        double f = pmf(0);
        for (int j = 0; j < Math.Min(sampler.TableLength, 200); j++)
        {
            if (j > 0) f += 2 * pmf(j);
            double exact = (double)cdf.FloorScaled(j, 64);
            Assert.InRange(exact - (f * 18446744073709551616.0), -65536.0, 65536.0);
        }
    }

    [Fact]
    public void ExpMinusEnclosureContainsTheValue()
    {
        foreach (var (n, d) in new[] { (1, 1), (1, 3), (7, 2), (1, 200000000), (25, 1) })
        {
            var (lo, hi) = FoldedGaussianCdf.ExpMinus(n, d, 100);
            double scale = Math.Pow(2, 100);
            double v = Math.Exp(-(double)n / d);
            Assert.True(lo <= hi);
            Assert.True(hi - lo < 16, $"width {hi - lo}");
            Assert.InRange((double)lo / scale, v * (1 - 1e-14), v * (1 + 1e-14));
        }
    }

    [Fact]
    public void ParallelFillIsReproducibleAndDistributedCorrectly()
    {
        var sampler = ExactDiscreteGaussianSampler.Create(100, 1);
        var a = new long[300_000];
        var b = new long[300_000];
        using (var rng = Stats.Rng(21)) sampler.FillParallel(a, rng, 2);
        using (var rng = Stats.Rng(21)) sampler.FillParallel(b, rng, 1);
        Assert.Equal(a, b);
        var (stat, df, p) = Stats.ChiSquare(a, Stats.GaussianPmf(100), -61, 61);
        Assert.True(p > 1e-4, $"chi-square {stat:F1} on {df} df, p = {p:G3}");
    }

    [Fact]
    public void FromVarianceUsesTheDoublesExactValue()
    {
        var s = ExactDiscreteGaussianSampler.FromVariance(0.1);
        Assert.Equal(BigInteger.Pow(2, 55), s.VarianceDenominator);
        Assert.Equal(new BigInteger(3602879701896397), s.VarianceNumerator);
    }

    [Fact]
    public void RejectsNonPositiveOrHugeVariance()
    {
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => ExactDiscreteGaussianSampler.Create(0, 1));
        Assert.Contains("positive", e1.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => ExactDiscreteGaussianSampler.FromVariance(double.NaN));
        Assert.Equal("variance", e2.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactDiscreteGaussianSampler.Create(BigInteger.Pow(2, 41), 1));
    }
}
