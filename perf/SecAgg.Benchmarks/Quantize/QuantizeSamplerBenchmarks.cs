using System.Numerics;
using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Benchmarks.Quantize;

/// <summary>
/// Exact discrete Gaussian: the table sampler (one core, all cores) against the CKS rejection sampler
/// in BigInteger arithmetic (the baseline, as in the IBM reference). Each operation is one sample.
/// </summary>
[MemoryDiagnoser]
public class QuantizeSamplerBenchmarks
{
    private const int Fast = 1 << 20;
    private const int Slow = 256;
    private ExactDiscreteGaussianSampler _sampler = null!;
    private ExactDiscreteGaussianSampler _fixedStep = null!;
    private Prng _rng = null!;
    private long[] _buffer = null!;
    private BigInteger _varNum;

    [Params(1, 10, 1000, 10000)]
    public int Sigma { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _varNum = (BigInteger)Sigma * Sigma;
        _sampler = ExactDiscreteGaussianSampler.Create(_varNum, BigInteger.One);
        _fixedStep = ExactDiscreteGaussianSampler.Create(_varNum, BigInteger.One, fixedStepSearch: true);
        _rng = Prng.CreateSecure();
        _buffer = new long[Fast];
    }

    [GlobalCleanup]
    public void Cleanup() => _rng.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Slow)]
    public long CksBigInteger()
    {
        long acc = 0;
        for (int i = 0; i < Slow; i++)
        {
            acc += (long)ExactSampling.DiscreteGaussian(_varNum, BigInteger.One, _rng);
        }

        return acc;
    }

    [Benchmark(OperationsPerInvoke = Fast)]
    public long TableOneCore()
    {
        _sampler.Fill(_buffer, _rng);
        return _buffer[^1];
    }

    [Benchmark(OperationsPerInvoke = Fast)]
    public long TableFixedStepOneCore()
    {
        _fixedStep.Fill(_buffer, _rng);
        return _buffer[^1];
    }

    [Benchmark(OperationsPerInvoke = Fast)]
    public long TableAllCores()
    {
        _sampler.FillParallel(_buffer, _rng, -1);
        return _buffer[^1];
    }
}
