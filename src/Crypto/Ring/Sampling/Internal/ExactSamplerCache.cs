using System.Numerics;

namespace SecAgg.Crypto.Ring.Sampling.Internal;

/// <summary>
/// The process-wide cache of <see cref="ExactDiscreteGaussianSampler"/> instances per (σ² = N/D in lowest terms,
/// search kind). A sampler is immutable after construction and its tables are a function of the public σ² only (the
/// floor of 2^64 times the folded CDF, and a guide table): no secret is kept. Building one costs milliseconds to about
/// a second (σ = 10^4), which a long-lived participant otherwise paid every round for the same σ_int. Bounded by the
/// tables' bytes (<see cref="MaxBytes"/>): a sampler that would exceed the bound is returned uncached.
/// </summary>
internal static class ExactSamplerCache
{
    /// <summary>The most table bytes kept alive by the cache (σ = 10^4 takes about 1.5 MB).</summary>
    public const long MaxBytes = 64L << 20;

    private static readonly Dictionary<(BigInteger N, BigInteger D, bool FixedStep), ExactDiscreteGaussianSampler> Samplers = [];
    private static readonly Lock Gate = new();
    private static long _bytes;

    /// <summary>The cached sampler for (N, D, fixedStep) in lowest terms, or <paramref name="build"/>'s, cached when it fits.</summary>
    public static ExactDiscreteGaussianSampler GetOrCreate(BigInteger n, BigInteger d, bool fixedStep, Func<BigInteger, BigInteger, bool, ExactDiscreteGaussianSampler> build)
    {
        var key = (n, d, fixedStep);
        lock (Gate)
        {
            if (Samplers.TryGetValue(key, out ExactDiscreteGaussianSampler? cached))
            {
                return cached;
            }
        }

        // Built outside the lock: a concurrent first call for the same σ² may build twice; the first stored wins.
        ExactDiscreteGaussianSampler built = build(n, d, fixedStep);
        lock (Gate)
        {
            if (Samplers.TryGetValue(key, out ExactDiscreteGaussianSampler? cached))
            {
                return cached;
            }

            if (_bytes + built.TableBytes <= MaxBytes)
            {
                Samplers[key] = built;
                _bytes += built.TableBytes;
            }

            return built;
        }
    }
}
