using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Benchmarks.Crypto;

/// <summary>
/// One ciphertext's ring work on one core against its RNS limbs on several (issue 17): forward + inverse NTT,
/// the Shoup pointwise product (a·s in every encryption and decryption share) and the add (the aggregator's fold),
/// with the degree pinned to 1 (sequential) or 2, in the same run. Shape "32768x13" is the planned-v2 preset at
/// d = 10^6; the smaller shapes locate the thresholds in RingQ.Parallel.cs (NttMinResidues, ElementwiseMinResidues).
/// Two jobs (<see cref="ProcessCpuTimeConfig"/>): wall-clock, and the process CPU time (every thread; the thread CPU
/// time would miss the helpers). On a shared machine, report the load average with the figures.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*RingParallel*'
/// </summary>
[Config(typeof(ProcessCpuTimeConfig))]
[MemoryDiagnoser]
public class RingParallelBenchmarks
{
    private RingQ _ring = null!;
    private Poly _a = null!;
    private Poly _b = null!;
    private Poly _bShoup = null!;
    private Poly _result = null!;

    /// <summary>n x ℓ (ring degree x number of 60-bit primes).</summary>
    [Params("4096x4", "8192x8", "32768x13")]
    public string Shape { get; set; } = "32768x13";

    /// <summary>Threads per operation: 1 is the sequential path, 2 runs limbs on two cores.</summary>
    [Params(1, 2)]
    public int Degree { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Shape.Split('x');
        int n = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        int limbs = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        _ring = new RingQ(n, NttPrimes.Generate(60, n, limbs), SimdMode.Auto, pinnedDegree: Degree);
        _a = _ring.NewPoly();
        _b = _ring.NewPoly();
        _result = _ring.NewPoly();
        using Prng prng = Prng.ForTesting(7);
        UniformSampler.Sample(prng, _ring, _a);
        UniformSampler.Sample(prng, _ring, _b);
        _a.IsNtt = false;
        _b.IsNtt = true;
        _bShoup = _ring.ComputeShoup(_b);
    }

    /// <summary>NTT then inverse NTT of every limb, in place.</summary>
    [Benchmark]
    public void NttThenInverse()
    {
        _ring.Ntt(_a, _a);
        _ring.InverseNtt(_a, _a);
    }

    /// <summary>NTT, Shoup product with a fixed operand, inverse NTT: the ring part of one encryption or share.</summary>
    [Benchmark]
    public void NttMultiplyShoupInverse()
    {
        _ring.Ntt(_a, _result);
        _ring.MultiplyCoefficientsShoup(_result, _b, _bShoup, _result);
        _ring.InverseNtt(_result, _result);
    }

    /// <summary>The Shoup pointwise product alone.</summary>
    [Benchmark]
    public void MultiplyShoup()
    {
        _a.IsNtt = true;
        _ring.MultiplyCoefficientsShoup(_a, _b, _bShoup, _result);
        _a.IsNtt = false;
    }

    /// <summary>(a + b) mod q_i in every limb (one fold step).</summary>
    [Benchmark]
    public void Add() => _ring.Add(_b, _b, _result);
}
