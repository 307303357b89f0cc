using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Benchmarks.Crypto;

/// <summary>Negacyclic NTT of one 36-bit limb (SEAL's NTT is not in the side-by-side benchmark: no ratio against SEAL is measured).</summary>
[ShortRunJob]
[Config(typeof(CpuTimeConfig))]
[MemoryDiagnoser]
public class NttBenchmarks
{
    private RingQ _ring = null!;
    private Poly _poly = null!;

    /// <summary>Ring degree.</summary>
    [Params(4096, 8192)]
    public int N { get; set; }

    /// <summary>Instruction set: every one, or those listed (comma-separated) in SECAGG_BENCH_SIMD, e.g. "Vector256" to
    /// compare two builds on one path (with DOTNET_EnableAVX512F=0 the JIT emits AVX2 only, as on an AVX2 machine).</summary>
    [ParamsSource(nameof(SimdModes))]
    public string Simd { get; set; } = "Scalar";

    /// <summary>The modes <see cref="Simd"/> takes.</summary>
    public static IEnumerable<string> SimdModes =>
        Environment.GetEnvironmentVariable("SECAGG_BENCH_SIMD") is { Length: > 0 } only
            ? only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : ["Scalar", "Vector256", "Vector512"];

    [GlobalSetup]
    public void Setup()
    {
        _ring = new RingQ(N, NttPrimes.Generate(36, N, 1), Enum.Parse<SimdMode>(Simd));
        _poly = _ring.NewPoly(1);
        using Prng prng = Prng.ForTesting(1);
        UniformSampler.Sample(prng, _ring, _poly);
        _poly.IsNtt = false;
    }

    [Benchmark]
    public void ForwardThenInverse()
    {
        _ring.Ntt(_poly, _poly);
        _ring.InverseNtt(_poly, _poly);
    }

    [Benchmark]
    public void Forward()
    {
        SecAgg.Crypto.Ring.Internal.Ntt.Forward(_poly.Limb(0), _ring.Tables(0), _ring.Simd);
    }
}
