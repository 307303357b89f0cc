using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Benchmarks.Quantize;

/// <summary>
/// The whole DDG encode (clip, scale, rotate, round, exact noise, wrap) and decode, d = 10^6 and 10^7
/// (b = 16, n = 100, z = 1: σ_int ≈ 800). One operation is the whole vector; values/s = d / time.
/// </summary>
[MemoryDiagnoser]
public class QuantizeDdgBenchmarks
{
    private static readonly byte[] Seed = new byte[32];
    private DdgEncoder _encoder = null!;
    private DdgDecoder _decoder = null!;
    private Prng _rng = null!;
    private float[] _x = null!;
    private ulong[] _coeffs = null!;
    private float[] _out = null!;

    [Params(1_000_000, 10_000_000)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 100, Dimension = Dimension, NoiseMultiplier = 1 });
        _encoder = new DdgEncoder(p);
        _decoder = new DdgDecoder(p);
        _rng = Prng.CreateSecure();
        _x = new float[Dimension];
        for (int i = 0; i < _x.Length; i++)
        {
            _x[i] = (float)Math.Sin(i);
        }

        _coeffs = new ulong[p.PaddedDimension];
        _out = new float[Dimension];
    }

    [GlobalCleanup]
    public void Cleanup() => _rng.Dispose();

    [Benchmark(Baseline = true)]
    public ulong EncodeOneCore()
    {
        _encoder.DegreeOfParallelism = 1;
        _encoder.Encode(_x, Seed, _rng, _coeffs);
        return _coeffs[0];
    }

    [Benchmark]
    public ulong EncodeParallelNoise()
    {
        _encoder.DegreeOfParallelism = -1;
        _encoder.Encode(_x, Seed, _rng, _coeffs);
        return _coeffs[0];
    }

    [Benchmark]
    public float Decode()
    {
        _decoder.Decode(_coeffs, Seed, 100, _out);
        return _out[0];
    }
}
