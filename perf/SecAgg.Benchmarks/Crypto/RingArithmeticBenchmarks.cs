using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Benchmarks.Crypto;

/// <summary>
/// The ring's coefficient-wise modular operations on one polynomial of n = 8192 over two 36-bit NTT primes (what every
/// encryption, homomorphic add and decryption share is made of): add, multiply (Barrett) and multiply by a fixed
/// operand with Shoup's precomputation, and the lift of a small signed error (the RLWE error e added to Encode(M)),
/// scalar loops against Vector256 and Vector512 (a mode the machine lacks fails in setup). The NTT is in
/// <see cref="NttBenchmarks"/>.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*RingArithmetic*' --job short
/// </summary>
[Config(typeof(CpuTimeConfig))]
public class RingArithmeticBenchmarks
{
    private RingQ _ring = null!;
    private Poly _a = null!;
    private Poly _b = null!;
    private Poly _bShoup = null!;
    private Poly _result = null!;
    private long[] _error = null!;

    /// <summary>Instruction set.</summary>
    [Params("Scalar", "Vector256", "Vector512")]
    public string Simd { get; set; } = "Scalar";

    [GlobalSetup]
    public void Setup()
    {
        const int n = 8192;
        _ring = new RingQ(n, NttPrimes.Generate(36, n, 2), Enum.Parse<SimdMode>(Simd));
        _a = _ring.NewPoly();
        _b = _ring.NewPoly();
        _result = _ring.NewPoly();
        using Prng prng = Prng.ForTesting(7);
        UniformSampler.Sample(prng, _ring, _a);
        UniformSampler.Sample(prng, _ring, _b);
        _bShoup = _ring.ComputeShoup(_b);
        _error = new long[n];
        DiscreteGaussianSampler.StandardError.Sample(prng, _error);
    }

    /// <summary>(a + b) mod q_i, coefficient-wise.</summary>
    [Benchmark(Baseline = true)]
    public void Add() => _ring.Add(_a, _b, _result);

    /// <summary>(a · b) mod q_i, coefficient-wise (the product of two NTT-domain polynomials).</summary>
    [Benchmark]
    public void MultiplyCoefficients() => _ring.MultiplyCoefficients(_a, _b, _result);

    /// <summary>(a · b) mod q_i with b's Shoup constants precomputed (a fixed key operand).</summary>
    [Benchmark]
    public void MultiplyCoefficientsShoup() => _ring.MultiplyCoefficientsShoup(_a, _b, _bShoup, _result);

    /// <summary>r += e mod q_i for an error of σ = 3.2 (what every masked encryption does before its NTT).</summary>
    [Benchmark]
    public void AddSignedError() => _ring.AddSigned(_error, _result);
}
