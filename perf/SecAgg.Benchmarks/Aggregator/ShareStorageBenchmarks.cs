using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using SecAgg.Aggregator.Service;
using SecAgg.Aggregator.Service.State;
using SecAgg.Aggregator.Storage;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Benchmarks.Aggregator;

/// <summary>
/// The aggregator's decryption shares of one round, N = 10 members of D answering the one chunk of a d = 10^6 update
/// (the planner's n = 32768 share, about 2.9 MB each), stored as they arrive (each followed by the "what is held"
/// listing that answers the member's stream) and read back one at a time for the combine: before (Baseline: rows of
/// the service's SQLite documents with synchronous=FULL, as main kept them until p17a2) vs after (fsynced files in the
/// store's data directory, <see cref="ShareVault"/>), in one run. The combine's own CPU is not included
/// (AggregatorIngestBenchmarks.Combine*): the consumer only touches the bytes.
/// Two jobs (<see cref="SecAgg.Benchmarks.Crypto.ProcessCpuTimeConfig"/>): wall-clock (fsync waits included) and the
/// process's CPU time (what the aggregator burns, whichever thread the I/O completes on).
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*ShareStorageBenchmarks*' --memory
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.ProcessCpuTimeConfig))]
[MemoryDiagnoser]
public class ShareStorageBenchmarks
{
    private const int Members = 10;
    private string _dir = null!;
    private ServiceStateStore _docs = null!;
    private ShareVault _rows = null!;
    private ShareVault _files = null!;
    private byte[][] _shares = null!;
    private long _round;

    [GlobalSetup]
    public async Task Setup()
    {
        AggregationParameters p = AggregationPlanner.Plan(new AggregationPlanRequest { Parties = Members, ValueBits = 16, MaxRingDegree = 32768 }).Parameters;
        _shares = [.. Enumerable.Range(0, Members).Select(_ => RandomNumberGenerator.GetBytes(new CiphertextScheme(p).ShareBytes))];
        _dir = Directory.CreateTempSubdirectory("secagg-share-bench-").FullName;
        string db = Path.Combine(_dir, "aggregator.db");
        await using (var store = await SqliteAggregatorStore.OpenAsync(db)) // creates the file in WAL mode, as the host does
        {
        }

        _docs = await ServiceStateStore.OpenAsync(new StorageConfig(StorageProvider.Sqlite, db, null), CancellationToken.None);
        _rows = new ShareVault(_docs, null);
        _files = new ShareVault(_docs, SqliteAggregatorStore.DefaultDataDirectory(db));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _docs.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public Task<long> SharesAsDatabaseRows() => StoreAndCombineAsync(_rows);

    [Benchmark]
    public Task<long> SharesAsFiles() => StoreAndCombineAsync(_files);

    private async Task<long> StoreAndCombineAsync(ShareVault vault)
    {
        long round = ++_round;
        for (int m = 0; m < Members; m++)
        {
            string member = "site-" + m;
            if (!await vault.StoreAsync(round, member, 0, _shares[m], CancellationToken.None) || (await vault.HeldAsync(round, member, CancellationToken.None)).Count != 1)
            {
                throw new InvalidOperationException("the share was not held");
            }
        }

        long touched = 0;
        for (int m = 0; m < Members; m++)
        {
            await vault.ReadAsync(round, "site-" + m, 0, share => touched += share.Span[^1], CancellationToken.None);
        }

        vault.ForgetRound(round);
        return touched;
    }
}
