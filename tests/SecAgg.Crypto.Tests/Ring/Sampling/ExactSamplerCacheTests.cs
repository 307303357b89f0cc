using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Ring.Sampling;

/// <summary>The process-wide sampler cache: one instance per σ² (in lowest terms) and search kind, drawing exactly what a
/// freshly built sampler draws from the same stream.</summary>
public sealed class ExactSamplerCacheTests
{
    [Fact]
    public void TheSameVarianceGivesTheSameInstanceInLowestTerms()
    {
        var a = ExactDiscreteGaussianSampler.Create(1234567, 3);
        Assert.Same(a, ExactDiscreteGaussianSampler.Create(2 * 1234567, 6));
        Assert.Same(ExactDiscreteGaussianSampler.FromVariance(2048.5), ExactDiscreteGaussianSampler.Create(4097, 2));
        Assert.NotSame(a, ExactDiscreteGaussianSampler.Create(1234567, 3, fixedStepSearch: true));
        Assert.NotSame(a, ExactDiscreteGaussianSampler.Create(1234568, 3));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ACachedSamplerDrawsWhatAFreshOneDrawsFromTheSameSeed(bool fixedStep)
    {
        var cached = ExactDiscreteGaussianSampler.Create(100_000_000, 7, fixedStep);
        Assert.Same(cached, ExactDiscreteGaussianSampler.Create(100_000_000, 7, fixedStep));
        var fresh = ExactDiscreteGaussianSampler.Create(100_000_000, 7, 64, fixedStep);
        Assert.NotSame(cached, fresh);
        Assert.Equal(fresh.TableLength, cached.TableLength);
        var x = new long[100_000];
        var y = new long[100_000];
        using (Prng r = Stats.Rng(41))
        {
            cached.Fill(x, r);
        }

        using (Prng r = Stats.Rng(41))
        {
            fresh.Fill(y, r);
        }

        Assert.Equal(y, x);
        Assert.Contains(x, v => v != 0);
    }

    [Fact]
    public void ConcurrentFirstCallsAgreeOnOneInstance()
    {
        var seen = new ExactDiscreteGaussianSampler[8];
        Parallel.For(0, seen.Length, i => seen[i] = ExactDiscreteGaussianSampler.Create(987_654, 11));
        Assert.All(seen, s => Assert.Same(seen[0], s));
    }
}
