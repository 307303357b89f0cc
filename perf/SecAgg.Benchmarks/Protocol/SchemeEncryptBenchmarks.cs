using BenchmarkDotNet.Attributes;
using SecAgg.Protocol;

namespace SecAgg.Benchmarks.Protocol;

/// <summary>
/// A participant's whole quantize + encrypt of one update on one core, BFV (planned preset, the baseline) against CKKS
/// (ckks-n8192-aggregation-v1) for 10 parties: the same DDG encoding, then the scheme's chunk encryption. Also reports
/// the upload bytes of each (see docs/ckks-integration.md).
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*SchemeEncrypt*' --job short
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class SchemeEncryptBenchmarks
{
    private UpdateEncryptor _bfv = null!;
    private UpdateEncryptor _ckks = null!;
    private float[] _update = null!;

    /// <summary>Model size d.</summary>
    [Params(100_000)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int parties = 10;
        _bfv = Create(ProtocolPresets.Planned(parties, parties, Dimension), parties);
        _ckks = Create(ProtocolPresets.PlannedCkks(parties, parties), parties);
        _update = [.. Enumerable.Range(0, Dimension).Select(i => (float)Math.Sin(i) * 1e-3f)];
        Console.WriteLine($"// upload bytes for d = {Dimension}: BFV {_bfv.ChunkCount} x {_bfv.ChunkBytes} = {(long)_bfv.ChunkCount * _bfv.ChunkBytes}, CKKS {_ckks.ChunkCount} x {_ckks.ChunkBytes} = {(long)_ckks.ChunkCount * _ckks.ChunkBytes}");
    }

    [Benchmark(Baseline = true)]
    public byte[][] Bfv() => _bfv.Encrypt(_update);

    [Benchmark]
    public byte[][] Ckks() => _ckks.Encrypt(_update);

    private UpdateEncryptor Create(ProtocolPreset preset, int parties) => BenchmarkRound.CreateEncryptor(preset, parties, Dimension, maxDegreeOfParallelism: 1);
}
