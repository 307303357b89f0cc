using BenchmarkDotNet.Attributes;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Benchmarks.Aggregator;

/// <summary>
/// The round driver's deadline check, which runs at every tick (every 200 ms by default, 20 ms in RoundBench) on a
/// SQLite store with one collecting round whose deadline is far: before (Baseline: every unfinished round through a
/// write transaction that takes the database's write lock, reads the round and finds nothing to change, main until
/// p17a2, written out with the public store API) vs after (<see cref="RoundCoordinator.ApplyDeadlinesAsync"/>: decided on
/// the state read, no transaction when no deadline passed), in one run. Two jobs
/// (<see cref="SecAgg.Benchmarks.Crypto.ProcessCpuTimeConfig"/>): wall-clock and process CPU time.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*DeadlineTickBenchmarks*' --memory
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.ProcessCpuTimeConfig))]
[MemoryDiagnoser]
public class DeadlineTickBenchmarks
{
    private string _dir = null!;
    private SqliteAggregatorStore _store = null!;
    private RoundLifecycle _lifecycle = null!;
    private RoundCoordinator _coordinator = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _dir = Directory.CreateTempSubdirectory("secagg-tick-bench-").FullName;
        _store = await SqliteAggregatorStore.OpenAsync(Path.Combine(_dir, "aggregator.db"));
        string[] ids = [.. Enumerable.Range(1, 10).Select(i => $"site-{i}")];
        _lifecycle = new RoundLifecycle(new RoundPolicy(ids, minParticipants: 10, threshold: 10, TimeSpan.FromHours(1), TimeSpan.FromHours(1)));
        _coordinator = new RoundCoordinator(_store, _lifecycle, new NoPrivacyCost(), new PrivacyBudget(1e9, 1e-6), TimeProvider.System);
        await _coordinator.OpenNextRoundAsync(new byte[32], 1);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public async Task<int> EveryRoundThroughAWriteTransaction()
    {
        int unfinished = 0;
        foreach (RoundState r in await _store.GetUnfinishedRoundsAsync())
        {
            RoundState after = await _store.UpdateRoundAsync(r.Number, s => _lifecycle.ApplyDeadlines(s, DateTimeOffset.UtcNow));
            unfinished += after.Stage == RoundStage.Aborted ? 0 : 1;
        }

        return unfinished;
    }

    [Benchmark]
    public async Task<int> DecidedOnTheStateRead() => (await _coordinator.ApplyDeadlinesAsync()).Count;
}
