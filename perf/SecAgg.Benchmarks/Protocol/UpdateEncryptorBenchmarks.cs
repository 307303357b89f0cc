using BenchmarkDotNet.Attributes;
using SecAgg.Protocol;

namespace SecAgg.Benchmarks.Protocol;

/// <summary>
/// A participant's whole upload of one update in protocol v2 under the planned (secure) preset for 10 parties:
/// <see cref="UpdateEncryptor.Encrypt"/> = DDG encoding, one masked encryption per chunk under s_i and a_{r,k}
/// (c0 = −a_{r,k}·s_i + e_i + Encode(M)), the chunk digests and the signed UploadCommitment. Baseline: chunks encrypted
/// on one core; the other case uses every core (the ratio is the parallel speed-up).
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*UpdateEncryptor*' --job short
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.InProcessShortConfig))]
[MemoryDiagnoser]
public class UpdateEncryptorBenchmarks
{
    private BenchmarkRound _round = null!;
    private UpdateEncryptor _sequential = null!;
    private UpdateEncryptor _parallel = null!;
    private float[] _update = null!;

    /// <summary>Model size d.</summary>
    [Params(100_000)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _round = BenchmarkRound.ForUploads(10, Dimension);
        _sequential = _round.CreateEncryptor(maxDegreeOfParallelism: 1);
        _parallel = _round.CreateEncryptor();
        _update = [.. Enumerable.Range(0, Dimension).Select(i => (float)Math.Sin(i) * 1e-3f)];
    }

    [GlobalCleanup]
    public void Cleanup() => _round.Dispose();

    [Benchmark(Baseline = true)]
    public EncryptedUpload OneCore() => _sequential.Encrypt(_update, 1, Guid.NewGuid());

    [Benchmark]
    public EncryptedUpload AllCores() => _parallel.Encrypt(_update, 1, Guid.NewGuid());
}
