using BenchmarkDotNet.Attributes;
using SecAgg.Protocol;

namespace SecAgg.Benchmarks.Protocol;

/// <summary>
/// A participant's whole encode + encrypt of one update under the planned (secure) preset for 10
/// parties: DDG encoding, then one collective encryption per chunk. Baseline: chunks encrypted on one core; the other
/// case uses every core (the ratio is the parallel speed-up).
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*UpdateEncryptor*' --job short
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.InProcessShortConfig))]
[MemoryDiagnoser]
public class UpdateEncryptorBenchmarks
{
    private UpdateEncryptor _sequential = null!;
    private UpdateEncryptor _parallel = null!;
    private float[] _update = null!;

    /// <summary>Model size d.</summary>
    [Params(100_000)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int parties = 10;
        ProtocolPreset preset = ProtocolPresets.Planned(parties, parties, Dimension);
        _sequential = BenchmarkRound.CreateEncryptor(preset, parties, Dimension, maxDegreeOfParallelism: 1);
        _parallel = BenchmarkRound.CreateEncryptor(preset, parties, Dimension);
        _update = Enumerable.Range(0, Dimension).Select(i => (float)Math.Sin(i) * 1e-3f).ToArray();
    }

    [Benchmark(Baseline = true)]
    public byte[][] OneCore() => _sequential.Encrypt(_update);

    [Benchmark]
    public byte[][] AllCores() => _parallel.Encrypt(_update);
}
