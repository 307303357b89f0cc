using System.CommandLine;
using System.Globalization;
using SecAgg.ClusterBench;

// SecAgg.ClusterBench: S = 1, 2, 3 real silo processes over PostgreSQL, one round of N synthetic masked uploads each.
var silos = new Option<string>("--silos") { Description = "Silo counts to run, comma-separated.", DefaultValueFactory = _ => "1,2,3" };
var uploads = new Option<int>("--uploads") { Description = "N: uploads (one per site).", DefaultValueFactory = _ => 10 };
var dimension = new Option<string>("--dimension") { Description = "d: model parameters (e.g. 1e7).", DefaultValueFactory = _ => "1e6" };
var partitions = new Option<int>("--partitions-per-silo") { Description = "P = this·S sum partitions.", DefaultValueFactory = _ => 2 };
var concurrency = new Option<int>("--ingest-concurrency") { Description = "Chunks of one upload staged at once.", DefaultValueFactory = _ => 4 };
var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (default: $SECAGG_TEST_POSTGRES); its role must create schemas." };
var output = new Option<string>("--out") { Description = "Output folder.", Required = true };
var root = new RootCommand("Cluster benchmark: ingest and fold throughput, per-silo memory and CPU, PostgreSQL bytes.")
{
    silos, uploads, dimension, partitions, concurrency, postgres, output,
};
root.SetAction(async (parse, _) =>
{
    string? connection = parse.GetValue(postgres) ?? Environment.GetEnvironmentVariable("SECAGG_TEST_POSTGRES");
    if (string.IsNullOrEmpty(connection))
    {
        await Console.Error.WriteLineAsync("No PostgreSQL: give --postgres or set SECAGG_TEST_POSTGRES (scripts/start-postgres.sh prints one).").ConfigureAwait(false);
        return 2;
    }

    var options = new ClusterBenchOptions
    {
        Silos = [.. parse.GetValue(silos)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))],
        Uploads = parse.GetValue(uploads),
        Dimension = (long)double.Parse(parse.GetValue(dimension)!, CultureInfo.InvariantCulture),
        PartitionsPerSilo = parse.GetValue(partitions),
        IngestConcurrency = parse.GetValue(concurrency),
        Postgres = connection,
        OutputDirectory = parse.GetValue(output)!,
    };
    IReadOnlyList<ClusterBenchRow> rows = await ClusterBenchmark.RunAsync(options, Console.Out).ConfigureAwait(false);
    return rows.All(r => r.SumMatches) ? 0 : 1;
});
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
