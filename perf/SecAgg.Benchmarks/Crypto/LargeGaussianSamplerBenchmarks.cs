using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Benchmarks.Crypto;

/// <summary>
/// Flooding noise: the exact <see cref="LargeDiscreteGaussianSampler"/> (Int128, and reduced into 12 RNS limbs as a
/// v2 decryption share needs at n = 2^15, log q ≈ 692), against v1's floating-point Box–Muller path of
/// <see cref="DiscreteGaussianSampler"/> (which stops at σ = 2^60, so it runs at 2^min(m, 60)). One operation is one
/// sample; thread CPU time (the build machines are shared).
/// </summary>
[Config(typeof(CpuTimeConfig))]
[MemoryDiagnoser]
public class LargeGaussianSamplerBenchmarks
{
    private const int Count = 1 << 14;
    private Prng _prng = null!;
    private Int128[] _values = null!;
    private ulong[] _moduli = null!;
    private ulong[] _residues = null!;
    private long[] _boxMullerValues = null!;
    private DiscreteGaussianSampler _boxMuller = null!;

    /// <summary>log2 σ.</summary>
    [Params(20, 64, 100)]
    public int Log2Sigma { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _prng = Prng.CreateSecure();
        _values = new Int128[Count];
        _moduli = [.. NttPrimes.Generate(58, 1 << 15, 12)];
        _residues = new ulong[_moduli.Length * Count];
        _boxMullerValues = new long[Count];
        double sigma = Math.Pow(2, Math.Min(Log2Sigma, 60));
        _boxMuller = new DiscreteGaussianSampler(sigma, (long)Math.Min(4 * sigma, Math.Pow(2, 62) - 1024));
        LargeDiscreteGaussianSampler.Sample(_prng, Log2Sigma, _values); // builds the base table outside the timing
    }

    [GlobalCleanup]
    public void Cleanup() => _prng.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Count)]
    public long BoxMullerV1()
    {
        _boxMuller.Sample(_prng, _boxMullerValues);
        return _boxMullerValues[^1];
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public Int128 Exact()
    {
        LargeDiscreteGaussianSampler.Sample(_prng, Log2Sigma, _values);
        return _values[^1];
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public ulong ExactRns12Limbs()
    {
        LargeDiscreteGaussianSampler.SampleRns(_prng, Log2Sigma, _moduli, _residues, Count);
        return _residues[^1];
    }
}
