using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;
using SecAgg.Aggregator.Tests.Support;

using System.Diagnostics;
using Microsoft.Extensions.Logging;

// Usage: CrashChild sqlite|postgres PATH-OR-CONNECTION-STRING ROUND CHUNKS ELEMENTS ID[,ID...] [STEP#N]
//    or: CrashChild serve CONSORTIUM.yaml SERVER-CERT.pem SERVER-KEY.pem sqlite|postgres PATH-OR-CONNECTION-STRING
//        (the whole aggregator service, AggregatorHost, until killed; prints "listening ADDRESS")
// Plays a restarted aggregator with its participants: recovers the store, then lets each participant resume its
// upload from the chunks the store holds, then seals the round's sum (as the service does when collection closes).
// Prints "counted ID" after each upload counts, "done" at the end.
// With STEP#N the process SIGKILLs itself the N-th time the store reaches STEP (e.g. seal.sum-written:1#1).
if (args.Length == 6 && args[0] == "serve")
{
    // The real service over loopback mutual TLS, on the test layout of ServiceHarness (dense.weight [60,10], dense.bias [10]).
    await using var host = await SecAgg.Aggregator.Service.AggregatorHost.StartAsync(new SecAgg.Aggregator.Service.AggregatorHostOptions
    {
        ConfigPath = args[1],
        ServerCertificate = SecAgg.Aggregator.Service.AggregatorHostOptions.LoadCertificate(args[2], args[3]),
        ModelLayout = new SecAgg.Quantize.Ddg.TensorLayout([new SecAgg.Quantize.Ddg.TensorSpec("dense.weight", [60, 10]), new SecAgg.Quantize.Ddg.TensorSpec("dense.bias", [10])]),
        Storage = args[4] == "postgres"
            ? new SecAgg.Protocol.Consortium.StorageConfig(SecAgg.Protocol.Consortium.StorageProvider.Postgres, null, args[5])
            : new SecAgg.Protocol.Consortium.StorageConfig(SecAgg.Protocol.Consortium.StorageProvider.Sqlite, args[5], null),
        AllowInsecureParameters = true,
        TickInterval = TimeSpan.FromMilliseconds(100),
        // Warnings and errors (e.g. grpc-dotnet's "Error when executing service method" with its exception) go to stderr,
        // which ServiceHarness keeps for the test's failure message.
        LoggerFactory = LoggerFactory.Create(b => b
            .SetMinimumLevel(LogLevel.Warning)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)),
    });
    Console.Out.WriteLine("listening " + host.Address);
    Console.Out.Flush();
    await Task.Delay(Timeout.Infinite); // until the test kills it (SIGKILL)
    return 0;
}

if (args.Length is not (6 or 7))
{
    Console.Error.WriteLine("usage: CrashChild sqlite|postgres PATH-OR-CONNECTION-STRING ROUND CHUNKS ELEMENTS ID[,ID...] [STEP#N]");
    return 2;
}

Action<string>? hook = null;
if (args.Length == 7)
{
    string step = args[6][..args[6].LastIndexOf('#')];
    int occurrence = int.Parse(args[6][(args[6].LastIndexOf('#') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    int seen = 0;
    hook = s =>
    {
        if (s == step && ++seen == occurrence)
        {
            Process.GetCurrentProcess().Kill(); // SIGKILL to itself: no unwinding, no rollback, no flush
        }
    };
}

long round = long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
int chunks = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
var adder = new PrimeFieldChunkAdder(int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));
string[] ids = args[5].Split(',');
IAggregatorStore store;
if (args[0] == "postgres")
{
    var pg = await PostgresAggregatorStore.OpenAsync(args[1]);
    pg.FaultHook = hook;
    store = pg;
}
else
{
    var lite = await SqliteAggregatorStore.OpenAsync(args[1]);
    lite.FaultHook = hook;
    store = lite;
}

var lifecycle = new RoundLifecycle(new RoundPolicy(ids, 2, 2, TimeSpan.FromHours(1), TimeSpan.FromHours(1)));
var accumulator = new UploadAccumulator(store, adder, lifecycle, TimeProvider.System);
await accumulator.RecoverAsync();
var round1 = await store.GetRoundAsync(round) ?? throw new InvalidOperationException("no round");
foreach (string id in ids)
{
    var progress = await accumulator.GetProgressAsync(round, id);
    if (progress.Counted)
    {
        continue;
    }

    var upload = adder.MakeUpload(round, id, chunks);
    for (int i = progress.NextChunkIndex; i < chunks; i++)
    {
        var receipt = await accumulator.ReceiveChunkAsync(new ChunkUpload(round, id, i, chunks, round1.ParameterDigest.AsMemory(), upload[i]));
        if (receipt.Counted)
        {
            Console.Out.WriteLine("counted " + id);
            Console.Out.Flush();
        }
    }
}

await accumulator.SealAsync(round);
await store.DisposeAsync();
Console.Out.WriteLine("done");
return 0;
