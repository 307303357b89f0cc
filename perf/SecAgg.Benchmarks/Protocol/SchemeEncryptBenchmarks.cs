using BenchmarkDotNet.Attributes;
using SecAgg.Protocol;

namespace SecAgg.Benchmarks.Protocol;

/// <summary>
/// A participant's whole protocol-v2 upload of one update on one core, BFV (the baseline) against CKKS, both on the
/// planned preset for 10 parties (<see cref="ProtocolPresets.PlannedName"/> with he.scheme bfv or ckks): the same DDG
/// encoding, then the codec's masked encryption of every chunk and the signed commitment. Also reports the upload bytes of
/// each (see docs/ckks-integration.md).
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*SchemeEncrypt*' --job short
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class SchemeEncryptBenchmarks
{
    private BenchmarkRound _bfvRound = null!;
    private BenchmarkRound _ckksRound = null!;
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
        _bfvRound = BenchmarkRound.ForUploads(parties, Dimension, HeScheme.Bfv);
        _ckksRound = BenchmarkRound.ForUploads(parties, Dimension, HeScheme.Ckks);
        _bfv = _bfvRound.CreateEncryptor(maxDegreeOfParallelism: 1);
        _ckks = _ckksRound.CreateEncryptor(maxDegreeOfParallelism: 1);
        _update = [.. Enumerable.Range(0, Dimension).Select(i => (float)Math.Sin(i) * 1e-3f)];
        Console.WriteLine($"// upload bytes for d = {Dimension}: BFV {_bfv.ChunkCount} x {_bfv.ChunkBytes} = {(long)_bfv.ChunkCount * _bfv.ChunkBytes}, CKKS {_ckks.ChunkCount} x {_ckks.ChunkBytes} = {(long)_ckks.ChunkCount * _ckks.ChunkBytes}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bfvRound.Dispose();
        _ckksRound.Dispose();
    }

    [Benchmark(Baseline = true)]
    public EncryptedUpload Bfv() => _bfv.Encrypt(_update, 1, Guid.NewGuid());

    [Benchmark]
    public EncryptedUpload Ckks() => _ckks.Encrypt(_update, 1, Guid.NewGuid());
}
