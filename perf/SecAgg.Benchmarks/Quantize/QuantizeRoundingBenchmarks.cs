using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Internal;

namespace SecAgg.Benchmarks.Quantize;

/// <summary>
/// Randomized rounding of 2^20 scaled, rotated coordinates to integers (one of the DDG encoder's stages, with the
/// Walsh–Hadamard rotation in <see cref="QuantizeFwhtBenchmarks"/>, noise in <see cref="QuantizeSamplerBenchmarks"/>
/// and the whole encode/decode in <see cref="QuantizeDdgBenchmarks"/>); the AES-CTR stream supplies the uniforms.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*QuantizeRounding*' --job short
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.CpuTimeConfig))]
public class QuantizeRoundingBenchmarks
{
    private double[] _w = null!;
    private long[] _dest = null!;
    private Prng _random = null!;

    /// <summary>Coordinates.</summary>
    [Params(1 << 20)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _w = new double[Length];
        for (int i = 0; i < _w.Length; i++)
        {
            _w[i] = ((i * 0.6180339887) % 1.0) * 2000 - 1000;
        }

        _dest = new long[Length];
        _random = Prng.CreateSecure();
    }

    [GlobalCleanup]
    public void Cleanup() => _random.Dispose();

    /// <summary>Rounds every coordinate up with probability equal to its fractional part.</summary>
    [Benchmark]
    public double Round() => RandomizedRounding.Round(_w, _dest, _random);
}
