using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Schema;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;

namespace SecAgg.ClusterBench;

/// <summary>
/// One configuration: S silo processes of a fresh cluster over a fresh PostgreSQL schema, one round of N synthetic uploads
/// driven through an Orleans client: every chunk staged (ingest), every upload completed (admit, fold over the P
/// partitions, count), collection closed and the aggregate gathered and checked against the driver's own fold.
/// </summary>
internal sealed class ClusterRun(ClusterBenchOptions options, BenchConsortium consortium, string siloAssembly, TextWriter log)
{
    private const long Round = 1;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Runs S = <paramref name="silos"/>; returns one row per silo.</summary>
    public async Task<ClusterBenchRow[]> RunAsync(int silos)
    {
        int partitions = options.PartitionsPerSilo * silos;
        double load = LoadAverage();
        string schema = "secagg_cbench_" + Guid.NewGuid().ToString("N");
        string postgres = new NpgsqlConnectionStringBuilder(options.Postgres) { SearchPath = schema }.ToString();
        await AdminAsync($"CREATE SCHEMA {schema}").ConfigureAwait(false);
        var nodes = new List<SiloProcess>();
        try
        {
            await using NpgsqlDataSource dataSource = NpgsqlDataSource.Create(postgres);
            await ClusterSchema.EnsureAsync(dataSource).ConfigureAwait(false);
            string clusterId = "cbench-" + Guid.NewGuid().ToString("N")[..8];

            // The first silo writes the membership version row; the others join it together.
            nodes.Add(await SiloProcess.StartAsync(siloAssembly, consortium, postgres, clusterId, partitions).ConfigureAwait(false));
            nodes.AddRange(await Task.WhenAll(Enumerable.Range(1, silos - 1).Select(_ => SiloProcess.StartAsync(siloAssembly, consortium, postgres, clusterId, partitions))).ConfigureAwait(false));
            using IHost client = await ConnectAsync(dataSource, clusterId).ConfigureAwait(false);
            IClusterClient cluster = client.Services.GetRequiredService<IClusterClient>();
            await WaitForSilosAsync(cluster, silos).ConfigureAwait(false);
            log.WriteLine($"S = {silos}: {silos} silo(s) up, P = {partitions}, load {load:0.0}");

            double[] cpuBefore = [.. nodes.Select(n => n.CpuSeconds())];
            PostgresCounters before = await PostgresCounters.ReadAsync(dataSource).ConfigureAwait(false);
            (double ingest, double fold, double aggregate, double round, bool matches) = await DriveAsync(cluster).ConfigureAwait(false);
            PostgresCounters pg = (await PostgresCounters.ReadAsync(dataSource).ConfigureAwait(false)).Since(before);
            (long staged, long state) = await PostgresCounters.RowBytesAsync(dataSource).ConfigureAwait(false);
            log.WriteLine($"S = {silos}: ingest {ingest:0.0} s, fold {fold:0.0} s, aggregate {aggregate:0.0} s, round {round:0.0} s, sum {(matches ? "matches" : "DIFFERS")}");
            return [.. nodes.Select((n, i) => new ClusterBenchRow
            {
                Silos = silos,
                Silo = i + 1,
                Partitions = partitions,
                Uploads = options.Uploads,
                Dimension = options.Dimension,
                Chunks = consortium.Preset.ChunksPerRound,
                UploadBytes = (long)consortium.Preset.ChunksPerRound * consortium.Preset.Aggregation.UploadBytes,
                IngestSeconds = ingest,
                FoldSeconds = fold,
                AggregateSeconds = aggregate,
                RoundSeconds = round,
                SumMatches = matches,
                SiloPeakRssBytes = n.PeakResidentBytes(),
                SiloCpuSeconds = n.CpuSeconds() - cpuBefore[i],
                PgStagedBytes = staged,
                PgStateBytes = state,
                Pg = pg,
                LoadAverage = load,
            })];
        }
        catch (Exception e) when (nodes.Count > 0)
        {
            throw new InvalidOperationException($"S = {silos}: {e.Message}\nlast output of silo 1:\n{nodes[0].Output}", e);
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
            await AdminAsync($"DROP SCHEMA {schema} CASCADE").ConfigureAwait(false);
        }
    }

    private async Task<(double Ingest, double Fold, double Aggregate, double Round, bool Matches)> DriveAsync(IClusterClient cluster)
    {
        ProtocolPreset preset = consortium.Preset;
        int chunks = preset.ChunksPerRound;
        var synthetic = new SyntheticUpload(preset.Aggregation);
        MaskedUpload[] expected = [.. Enumerable.Range(0, chunks).Select(_ => preset.Scheme.CreateEmptySum())];
        var commitments = new SignedStatement[options.Uploads];
        IRoundGrain round = cluster.GetGrain<IRoundGrain>(Round);
        IChunkIngestGrain ingest = cluster.GetGrain<IChunkIngestGrain>(0);

        var wall = Stopwatch.StartNew();
        await round.OpenAsync(new RoundOpening(SHA256.HashData(preset.Scheme.Digest.Span), chunks)).ConfigureAwait(false);
        var staging = new Stopwatch();
        for (int i = 0; i < options.Uploads; i++)
        {
            // Made and folded by the driver outside the timed staging.
            byte[][] upload = synthetic.Chunks(chunks, seed: options.Seed + i);
            foreach ((MaskedUpload sum, byte[] chunk) in expected.Zip(upload))
            {
                preset.Scheme.Fold(sum, chunk);
            }

            Guid uploadId = Guid.NewGuid();
            commitments[i] = consortium.Commit(i, Round, uploadId, [.. upload.Select(c => (ReadOnlyMemory<byte>)UploadCommitment.DigestChunk(c))]);
            string participant = consortium.Ids[i];
            staging.Start();
            await Parallel.ForEachAsync(Enumerable.Range(0, chunks), new ParallelOptions { MaxDegreeOfParallelism = options.IngestConcurrency }, async (k, _) =>
            {
                UploadOutcome staged = await ingest.StageChunkAsync(Round, participant, uploadId, k, upload[k]).ConfigureAwait(false);
                if (!staged.Accepted)
                {
                    throw new InvalidOperationException($"chunk {k} of {participant}'s upload was refused: {staged.Message}");
                }
            }).ConfigureAwait(false);
            staging.Stop();
        }

        var folding = Stopwatch.StartNew();
        foreach (SignedStatement commitment in commitments)
        {
            UploadOutcome counted = await round.CompleteUploadAsync(commitment.Serialize()).ConfigureAwait(false);
            if (!counted.Accepted)
            {
                throw new InvalidOperationException($"an upload was refused at completion: {counted.Message}");
            }
        }

        folding.Stop();
        var gathering = Stopwatch.StartNew();
        RoundView closed = await round.CloseCollectionAsync().ConfigureAwait(false);
        if (closed.Contributors.Length != options.Uploads)
        {
            throw new InvalidOperationException($"collection closed ({closed.Stage}) with {closed.Contributors.Length} uploads counted, not {options.Uploads}");
        }

        byte[][] aggregate = await round.GetAggregateAsync().ConfigureAwait(false);
        gathering.Stop();
        wall.Stop();
        bool matches = aggregate.Length == chunks && expected.Select(s => s.Serialize()).Zip(aggregate).All(p => p.First.AsSpan().SequenceEqual(p.Second));
        return (staging.Elapsed.TotalSeconds, folding.Elapsed.TotalSeconds, gathering.Elapsed.TotalSeconds, wall.Elapsed.TotalSeconds, matches);
    }

    private static async Task<IHost> ConnectAsync(NpgsqlDataSource dataSource, string clusterId)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(c =>
        {
            c.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "cluster-bench";
            });
            c.UseAdoNetClustering(o =>
            {
                o.Invariant = ClusterHosting.PostgresInvariant;
                o.DataSource = dataSource;
            });
            c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = CallTimeout);
            c.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        });
        IHost host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        return host;
    }

    /// <summary>Waits until the cluster's membership lists <paramref name="silos"/> active silos (so placement can use all).</summary>
    private static async Task WaitForSilosAsync(IClusterClient cluster, int silos)
    {
        IManagementGrain management = cluster.GetGrain<IManagementGrain>(0);
        DateTime until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        int active = 0;
        while (DateTime.UtcNow < until)
        {
            active = (await management.GetHosts(onlyActive: true).ConfigureAwait(false)).Count;
            if (active >= silos)
            {
                return;
            }

            await Task.Delay(500).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"the cluster lists {active} active silos after 2 minutes, not {silos}");
    }

    private async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(options.Postgres);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
}
