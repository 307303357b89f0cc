// Rough accumulation throughput: PARTICIPANTS concurrent uploads of CHUNKS chunks of ELEMENTS ulongs each,
// through UploadAccumulator into a fresh round, with the test adder, then the round's sum sealed as when collection
// closes. With --rebuild the sum is sealed by a fresh accumulator (as after a restart): recomputed from the staged
// chunks instead of the running sum in memory. Usage:
//   dotnet run -c Release --project tests/SecAgg.Aggregator.Tests/Throughput -- sqlite 4 16 131072 [--rebuild]
//   dotnet run -c Release --project tests/SecAgg.Aggregator.Tests/Throughput -- postgres 4 16 131072 "$(scripts/start-postgres.sh)"
using System.Diagnostics;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;
using SecAgg.Aggregator.Tests.Support;
bool rebuild = args.Contains("--rebuild");
args = [.. args.Where(a => a != "--rebuild")];
if (args.Length < 4 || (args[0] == "postgres" && args.Length < 5) || int.Parse(args[1]) < 2) { Console.Error.WriteLine("usage: sqlite|postgres PARTICIPANTS(>=2) CHUNKS ELEMENTS [CONNECTION-STRING]"); return 2; }
string engine = args[0]; int participants = int.Parse(args[1]); int chunks = int.Parse(args[2]); int elements = int.Parse(args[3]);
string loc = engine == "sqlite" ? Path.Combine(Path.GetTempPath(), $"aggbench-{Guid.NewGuid():N}.db") : args[4];
IAggregatorStore store = engine == "sqlite" ? await SqliteAggregatorStore.OpenAsync(loc) : await PostgresAggregatorStore.OpenAsync(loc);
var ids = Enumerable.Range(0, participants).Select(i => $"p{i}").ToArray();
var life = new RoundLifecycle(new RoundPolicy(ids, 2, 2, TimeSpan.FromHours(1), TimeSpan.FromHours(1)));
var adder = new PrimeFieldChunkAdder(elements);
byte[] digest = [1, 2, 3];
long rn = ((await store.GetLatestRoundAsync())?.Number ?? 0) + 1;
var prev = await store.GetLatestRoundAsync();
if (prev is not null && !prev.Stage.IsTerminal()) prev = await store.UpdateRoundAsync(prev.Number, r => RoundLifecycle.Abort(r, "bench", DateTimeOffset.UtcNow));
var round = life.Open(prev, DateTimeOffset.UtcNow, digest, chunks);
await store.InsertRoundAsync(round);
var acc = new UploadAccumulator(store, adder, life, TimeProvider.System);
var rng = new Random(1);
var chunk = adder.RandomChunk(rng);
long before = GC.GetTotalAllocatedBytes();
var sw = Stopwatch.StartNew();
await Task.WhenAll(ids.Select(id => Task.Run(async () => { for (int i = 0; i < chunks; i++) await acc.ReceiveChunkAsync(new ChunkUpload(round.Number, id, i, chunks, digest, chunk)); })));
var ingest = sw.Elapsed;
var sealer = rebuild ? new UploadAccumulator(store, adder, life, TimeProvider.System) : acc;
int sealedSummands = await sealer.SealAsync(round.Number);
sw.Stop();
var seal = sw.Elapsed - ingest;
double mb = (double)participants * chunks * adder.ChunkBytes / 1e6;
Console.WriteLine($"{engine}: {participants} participants x {chunks} chunks x {adder.ChunkBytes / 1024} KiB = {mb:0.0} MB in {sw.Elapsed.TotalSeconds:0.00} s = {mb / sw.Elapsed.TotalSeconds:0.0} MB/s "
    + $"(ingest {ingest.TotalSeconds:0.00} s, seal{(rebuild ? " recomputed from staged chunks" : "")} {seal.TotalSeconds:0.000} s); peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB; "
    + $"summands {(await store.GetRoundAsync(round.Number))!.Summands}, sealed {sealedSummands}");
await store.DisposeAsync();
if (engine == "sqlite") { foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(loc) + "*")) File.Delete(f); if (Directory.Exists(loc + ".chunks")) Directory.Delete(loc + ".chunks", true); }
return 0;
