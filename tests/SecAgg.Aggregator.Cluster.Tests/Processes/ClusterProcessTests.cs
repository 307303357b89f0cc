using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;
using SecAgg.Protocol.Tests.V2;
using Site = SecAgg.Protocol.Tests.V2.InProcessRound.Site;

namespace SecAgg.Aggregator.Cluster.Tests.Processes;

/// <summary>
/// Three silo processes (<c>SecAgg.Aggregator.Cluster</c>) on loopback, clustered and storing everything in PostgreSQL,
/// driven through a cluster client: one is killed with SIGKILL mid-upload, or mid-decryption (the one holding the round
/// grain), and the round completes with the right sum and publishes the right model.
/// </summary>
public sealed class ClusterProcessTests
{
    private const ulong Round = 1;

    [PostgresFact]
    public Task ARoundSurvivesTheKillOfOneOfThreeSiloProcessesMidUpload() => WithThreeSilosAsync(seed: 25, async (r, nodes, driver, round, uploads) =>
    {
        await driver.UploadAsync((long)Round, uploads[0].Upload);
        await driver.UploadAsync((long)Round, uploads[1].Upload);
        EncryptedUpload third = uploads[2].Upload;
        UploadOutcome staged = await driver.Ingest.StageChunkAsync((long)Round, third.Commitment.ParticipantId, third.UploadId, 0, third.Chunks[0]);
        Assert.True(staged.Accepted, staged.Message);

        nodes[1].Kill();
        await driver.UploadAsync((long)Round, third);
        await driver.UploadAsync((long)Round, uploads[3].Upload);

        Assert.Equal(4, (await ClusterDriver.RetryAsync(() => driver.Round((long)Round).GetAsync())).Contributors.Length);
        return await driver.FinishAsync(r, round, uploads);
    });

    [PostgresFact]
    public Task ARoundSurvivesTheKillOfTheSiloProcessHoldingItMidDecryption() => WithThreeSilosAsync(seed: 26, async (r, nodes, driver, round, uploads) =>
    {
        foreach (var u in uploads)
        {
            await driver.UploadAsync((long)Round, u.Upload);
        }

        (SignedStatement[] approvals, string[] decryptionSet) = await driver.ApproveAsync(r, round, uploads);
        Dictionary<string, byte[][]> shares = ClusterDriver.Answer(r, round, uploads, approvals, decryptionSet);
        int half = round.TotalChunks / 2;
        await driver.SendSharesAsync((long)Round, decryptionSet[0], shares[decryptionSet[0]]);
        await driver.SendSharesAsync((long)Round, decryptionSet[1], shares[decryptionSet[1]], to: half);

        // kill -9 of the process the round grain is active on, with one member recorded and another half stored.
        IRoundGrain grain = driver.Round((long)Round);
        SiloAddress? host = await driver.Management.GetActivationAddress(grain);
        nodes.Single(n => n.SiloPort == host?.Endpoint.Port).Kill();

        Assert.All(await driver.SendSharesAsync((long)Round, decryptionSet[0], shares[decryptionSet[0]]), o => Assert.True(o.Repeated));
        ShareOutcome[] rest = await driver.SendSharesAsync((long)Round, decryptionSet[1], shares[decryptionSet[1]]);
        Assert.Equal(Enumerable.Range(0, rest.Length).Select(k => k < half), rest.Select(o => o.Repeated));
        await driver.SendSharesAsync((long)Round, decryptionSet[2], shares[decryptionSet[2]]);
        return await driver.PublishedAsync(round, uploads, decryptionSet, shares);
    });

    /// <summary>
    /// Starts three silo processes over a fresh schema, opens round 1 of a 4-site consortium with a seeded initial model,
    /// runs <paramref name="test"/> (which returns the aggregate, its values and the published model) and checks them.
    /// </summary>
    private static async Task WithThreeSilosAsync(
        int seed,
        Func<InProcessRound, List<NodeProcess>, ClusterDriver, RoundParameters, (Site Site, EncryptedUpload Upload)[], Task<(byte[][] Aggregate, uint[][] Values, PublishedModel Model)>> test)
    {
        using InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        await using ClusterBackend db = await ClusterBackend.CreateAsync("postgres");
        DirectoryInfo dir = Directory.CreateTempSubdirectory("secagg-cluster-nodes-");
        string clusterId = "secagg-test-" + Guid.NewGuid().ToString("N")[..8];
        var nodes = new List<NodeProcess>();
        try
        {
            string consortiumFile = ConsortiumFiles.Write(r, dir.FullName);

            // The first silo creates the membership version row; the other two join it together.
            string certificates = Path.Combine(dir.FullName, "certificates");
            nodes.Add(await NodeProcess.StartAsync(consortiumFile, certificates, db.ConnectionString!, clusterId));
            Task<NodeProcess>[] joining = [.. Enumerable.Range(0, 2).Select(_ => NodeProcess.StartAsync(consortiumFile, certificates, db.ConnectionString!, clusterId))];
            try
            {
                await Task.WhenAll(joining);
            }
            finally
            {
                nodes.AddRange(joining.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }

            await using NpgsqlDataSource dataSource = NpgsqlDataSource.Create(db.ConnectionString!);
            using IHost client = await ConnectAsync(dataSource, clusterId, r.Consortium.Descriptor.ConsortiumId);
            var driver = new ClusterDriver(client.Services.GetRequiredService<IClusterClient>());
            RoundParameters round = r.Announce(Round);
            float[][] updates = Support.Rounds.Updates(4, seed);
            float[] initial = Support.Rounds.Updates(1, seed + 1000)[0];
            (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates);
            await driver.OpenAsync(round, initial);

            (byte[][] aggregate, uint[][] values, PublishedModel model) = await test(r, nodes, driver, round, uploads);
            Support.Rounds.AssertSumOfExactly(r, round, uploads, updates, aggregate, values);
            Support.Rounds.AssertPublished(round, initial, updates, values, model);
        }
        catch (Exception e) when (nodes.Count > 0)
        {
            throw new InvalidOperationException($"{e.Message}\nlast output of the silos:\n{string.Join("\n---\n", nodes.Select(n => n.Output))}", e);
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
            dir.Delete(recursive: true);
        }
    }

    private static async Task<IHost> ConnectAsync(NpgsqlDataSource dataSource, string clusterId, string serviceId)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(c =>
        {
            c.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId;
            });
            c.UseAdoNetClustering(o =>
            {
                o.Invariant = ClusterHosting.PostgresInvariant;
                o.DataSource = dataSource;
            });
            c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            c.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        });
        IHost host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
