using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Protocol;
using SecAgg.Protocol.Tests.V2;
using Site = SecAgg.Protocol.Tests.V2.InProcessRound.Site;

namespace SecAgg.Aggregator.Cluster.Tests.Processes;

/// <summary>
/// Three silo processes (<c>SecAgg.Aggregator.Cluster</c>) on loopback, clustered and storing everything in PostgreSQL,
/// driven through a cluster client: one is killed with SIGKILL mid-upload and the round completes with the right sum.
/// </summary>
public sealed class ClusterProcessTests
{
    private const ulong Round = 1;

    [PostgresFact]
    public async Task ARoundSurvivesTheKillOfOneOfThreeSiloProcessesMidUpload()
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
            float[][] updates = Support.Rounds.Updates(4, seed: 25);
            float[] initial = Support.Rounds.Updates(1, seed: 1025)[0];
            (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates);

            await driver.OpenAsync(round, initial);
            await driver.UploadAsync((long)Round, uploads[0].Upload);
            await driver.UploadAsync((long)Round, uploads[1].Upload);
            EncryptedUpload third = uploads[2].Upload;
            UploadOutcome staged = await driver.Ingest.StageChunkAsync((long)Round, third.Commitment.ParticipantId, third.UploadId, 0, third.Chunks[0]);
            Assert.True(staged.Accepted, staged.Message);

            nodes[1].Kill();
            await driver.UploadAsync((long)Round, third);
            await driver.UploadAsync((long)Round, uploads[3].Upload);

            Assert.Equal(4, (await ClusterDriver.RetryAsync(() => driver.Round((long)Round).GetAsync())).Contributors.Length);
            (byte[][] aggregate, uint[][] values, PublishedModel model) = await driver.FinishAsync(r, round, uploads);
            Support.Rounds.AssertSumOfExactly(r, round, uploads, updates, aggregate, values);
            Support.Rounds.AssertPublished(round, initial, updates, values, model);
        }
        catch (Exception e) when (nodes.Count > 0)
        {
            throw new InvalidOperationException($"{e.Message}\nlast output of the surviving silo:\n{nodes[0].Output}", e);
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
