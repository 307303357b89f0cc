using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using SecAgg.Aggregator.Service;
using SecAgg.Aggregator.Storage;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Benchmarks.Aggregator;

/// <summary>
/// The service's small documents on SQLite (the per-call reads and writes of a round: chunk digests, signed
/// commitments and approvals, upload documents; a few hundred bytes each): one read by key and one write
/// (synchronous=FULL, as every document write), before (Baseline: a new connection per call, main until p17a2) vs
/// after (pooled connections), in one run. Two jobs (<see cref="SecAgg.Benchmarks.Crypto.ProcessCpuTimeConfig"/>):
/// wall-clock and process CPU time.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*DocumentStoreBenchmarks*' --memory
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.ProcessCpuTimeConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class DocumentStoreBenchmarks
{
    private readonly byte[] _statement = RandomNumberGenerator.GetBytes(300);
    private string _dir = null!;
    private ServiceStateStore _unpooled = null!;
    private ServiceStateStore _pooled = null!;
    private int _next;

    [GlobalSetup]
    public async Task Setup()
    {
        _dir = Directory.CreateTempSubdirectory("secagg-docs-bench-").FullName;
        string db = Path.Combine(_dir, "aggregator.db");
        await using (var store = await SqliteAggregatorStore.OpenAsync(db)) // creates the file in WAL mode, as the host does
        {
        }

        var storage = new StorageConfig(StorageProvider.Sqlite, db, null);
        _unpooled = await ServiceStateStore.OpenAsync(storage, pooling: false, CancellationToken.None);
        _pooled = await ServiceStateStore.OpenAsync(storage, pooling: true, CancellationToken.None);
        for (int i = 0; i < 200; i++)
        {
            await _pooled.PutAsync($"ucommit/0000000001/site-{i:D3}", _statement);
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _unpooled.DisposeAsync();
        await _pooled.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Read")]
    public async Task<int> ReadNewConnection() => (await _unpooled.GetAsync($"ucommit/0000000001/site-{++_next % 200:D3}"))!.Length;

    [Benchmark]
    [BenchmarkCategory("Read")]
    public async Task<int> ReadPooled() => (await _pooled.GetAsync($"ucommit/0000000001/site-{++_next % 200:D3}"))!.Length;

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Write")]
    public Task WriteNewConnection() => _unpooled.PutAsync($"cdigest/0000000001/site-{++_next % 200:D3}", _statement);

    [Benchmark]
    [BenchmarkCategory("Write")]
    public Task WritePooled() => _pooled.PutAsync($"cdigest/0000000001/site-{++_next % 200:D3}", _statement);
}
