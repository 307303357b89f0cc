using System.Numerics;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Ring.Sampling;

public sealed class LargeDiscreteGaussianSamplerTests
{
    [Theory]
    [InlineData(3, 3, 81)]  // s = 8, K = 8: sigma = 64
    [InlineData(2, 4, 82)]  // s = 4, K = 16: gamma often near or above 1 (the BigInteger steps and gamma > 1 run)
    [InlineData(6, 0, 83)]  // K = 1: the base sampler, negatives rejected, then the sign
    public void ScaledConstructionMatchesTheExactPmfOfSigma64(int log2Base, int log2K, byte seed)
    {
        Assert.Equal(6, log2Base + log2K);
        var values = new Int128[1_000_000];
        using (Prng prng = Stats.Rng(seed))
        {
            LargeDiscreteGaussianSampler.Sample(prng, log2Base, log2K, values);
        }

        var (stat, df, p) = Stats.ChiSquare(values.Select(v => (long)v), HighPrecisionGaussianPmf.Create(64 * 64), -6 * 64, 6 * 64);
        Assert.True(p > 1e-4, $"chi-square {stat:F1} on {df} df, p = {p:G3}");
    }

    [Fact]
    public void MeanAndVarianceAtTwoToThe64MatchSigma()
    {
        const int N = 400_000;
        var values = new Int128[N];
        using (Prng prng = Stats.Rng(84))
        {
            LargeDiscreteGaussianSampler.Sample(prng, 64, values);
        }

        double sigma = Math.Pow(2, 64);
        double mean = values.Average(v => (double)v / sigma);
        double variance = values.Average(v => ((double)v / sigma) * ((double)v / sigma)) - (mean * mean);
        Assert.InRange(mean, -5 / Math.Sqrt(N), 5 / Math.Sqrt(N));
        double sdOfVariance = Math.Sqrt(2.0 / N); // Var(x^2) = 2 sigma^4 for a Gaussian
        Assert.InRange(variance, 1 - (5 * sdOfVariance), 1 + (5 * sdOfVariance));
        Assert.Contains(values, v => v > ulong.MaxValue); // beyond 64 bits: Int128 is really used
    }

    [Theory]
    [InlineData(10, 85)]
    [InlineData(64, 86)]
    [InlineData(100, 87)]
    public void SamplesAreSymmetricAndWithinThirteenSigma(int log2Sigma, byte seed)
    {
        const int N = 200_000;
        var values = new Int128[N];
        using (Prng prng = Stats.Rng(seed))
        {
            LargeDiscreteGaussianSampler.Sample(prng, log2Sigma, values);
        }

        Int128 sigma = Int128.One << log2Sigma;
        Assert.All(values, v => Assert.True(Int128.Abs(v) <= 13 * sigma));
        // the same number of samples in [k·σ/2, (k+1)·σ/2) as in its mirror image, for k = 0..4
        for (int k = 0; k < 5; k++)
        {
            Int128 lo = k * sigma / 2, hi = (k + 1) * sigma / 2;
            int positive = values.Count(v => v > 0 && v >= lo && v < hi);
            int negative = values.Count(v => v < 0 && -v >= lo && -v < hi);
            double sd = Math.Sqrt(positive + negative) / 2;
            Assert.InRange(positive - ((positive + negative) / 2.0), -5 * sd, 5 * sd);
        }

        double sigmaD = Math.Pow(2, log2Sigma);
        double sd2 = Math.Sqrt(values.Average(v => ((double)v / sigmaD) * ((double)v / sigmaD)));
        Assert.InRange(sd2, 0.98, 1.02);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(64)]
    [InlineData(100)]
    public void RnsFormIsTheResidueOfTheSameSamplesInEveryLimb(int log2Sigma)
    {
        ulong[] moduli = [(1UL << 61) - 1, 0xFFFFFFFF00000001, 3, 1UL << 40];
        const int n = 1000; // several 256-sample chunks and a partial one
        var values = new Int128[n];
        var residues = new ulong[moduli.Length * n];
        using (Prng prng = Stats.Rng(88))
        {
            LargeDiscreteGaussianSampler.Sample(prng, log2Sigma, values);
        }

        using (Prng prng = Stats.Rng(88))
        {
            LargeDiscreteGaussianSampler.SampleRns(prng, log2Sigma, moduli, residues, n);
        }

        Assert.Contains(values, v => v < 0);
        for (int l = 0; l < moduli.Length; l++)
        {
            for (int i = 0; i < n; i++)
            {
                BigInteger q = moduli[l];
                BigInteger expected = (((BigInteger)values[i] % q) + q) % q;
                Assert.Equal((ulong)expected, residues[(l * n) + i]);
            }
        }
    }

    [Fact]
    public void BadArgumentsAreRefusedWithTheNumbers()
    {
        using Prng prng = Stats.Rng(89);
        var values = new Int128[4];
        var low = Assert.Throws<ArgumentOutOfRangeException>(() => LargeDiscreteGaussianSampler.Sample(prng, 9, values));
        Assert.Contains("9", low.Message);
        Assert.Contains("[10, 100]", low.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LargeDiscreteGaussianSampler.Sample(prng, 101, values));
        var residues = new ulong[7];
        var length = Assert.Throws<ArgumentException>(() => LargeDiscreteGaussianSampler.SampleRns(prng, 20, [7, 11], residues, 4));
        Assert.Contains("7 residues", length.Message);
        Assert.Contains("8", length.Message);
        Assert.Throws<ArgumentException>(() => LargeDiscreteGaussianSampler.SampleRns(prng, 20, [], residues, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => LargeDiscreteGaussianSampler.SampleRns(prng, 20, [1], new ulong[4], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => LargeDiscreteGaussianSampler.SampleRns(prng, 20, [7], residues, -1));
    }
}
