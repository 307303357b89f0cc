using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Storage;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Protocol;
using SecAgg.Protocol.Tests.V2;
using Site = SecAgg.Protocol.Tests.V2.InProcessRound.Site;

namespace SecAgg.Aggregator.Cluster.Tests.Embedded;

/// <summary>
/// The one-machine node as a real process (<c>SecAgg.Aggregator.Cluster</c> with no server: one silo, localhost
/// clustering, SQLite), killed with SIGKILL mid-upload and started again on its folder: the round finishes with the
/// single-process fold of exactly the four uploads.
/// </summary>
public sealed class EmbeddedNodeProcessTests
{
    private const ulong Round = 1;

    [Fact]
    public async Task TheOneMachineNodeKilledMidUploadAndRestartedOnItsFolderFinishesTheRoundWithTheExactSum()
    {
        using InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        using var dir = new TempFolder();
        string consortiumFile = ConsortiumFiles.Write(r, dir.Path);
        string certificates = Path.Combine(dir.Path, "certificates");
        string folder = Path.Combine(dir.Path, "aggregator.db.cluster");
        NodeProcess? node = null;
        try
        {
            // First start: no storage argument, so the consortium file's default (SQLite, next to its path).
            node = await NodeProcess.StartEmbeddedAsync(consortiumFile, certificates, []);
            Assert.True(File.Exists(Path.Combine(folder, SqliteClusterDatabase.FileName)));
            using IHost client = await ConnectAsync(node.GatewayPort, r.Consortium.Descriptor.ConsortiumId);
            var driver = new ClusterDriver(client.Services.GetRequiredService<IClusterClient>());
            RoundParameters round = r.Announce(Round);
            Assert.True(round.TotalChunks >= 2, $"the test needs an upload of several chunks; the round has {round.TotalChunks}");
            float[][] updates = Support.Rounds.Updates(4, seed: 34);
            float[] initial = Support.Rounds.Updates(1, seed: 1034)[0];
            (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates);

            await driver.OpenAsync(round, initial);
            await driver.UploadAsync((long)Round, uploads[0].Upload);
            await driver.UploadAsync((long)Round, uploads[1].Upload);
            EncryptedUpload third = uploads[2].Upload;
            int half = round.TotalChunks / 2;
            for (int k = 0; k < half; k++)
            {
                UploadOutcome staged = await driver.Ingest.StageChunkAsync((long)Round, third.Commitment.ParticipantId, third.UploadId, k, third.Chunks[k]);
                Assert.True(staged.Accepted, staged.Message);
            }

            (int siloPort, int gatewayPort) = (node.SiloPort, node.GatewayPort);
            node.Kill();
            node.Dispose();
            node = null;

            // Second start: the same folder, named explicitly this time, on the same ports (the client knows them).
            node = await NodeProcess.StartEmbeddedAsync(consortiumFile, certificates, ["--sqlite", folder], siloPort, gatewayPort);

            // Every chunk staged before the kill is held: completing now asks for the first one not sent.
            UploadOutcome early = await driver.CompleteAsync((long)Round, third);
            Assert.Equal(UploadRefusal.OutOfOrder, early.Refusal);
            Assert.Contains($"send chunk {half}", early.Message, StringComparison.Ordinal);
            Assert.Equal(["hospital-1", "hospital-2"], (await ClusterDriver.RetryAsync(() => driver.Round((long)Round).GetAsync())).Contributors);

            await driver.UploadAsync((long)Round, third);
            await driver.UploadAsync((long)Round, uploads[3].Upload);
            UploadOutcome again = await driver.CompleteAsync((long)Round, uploads[0].Upload);
            Assert.True(again.Accepted && again.Repeated, again.Message);
            Assert.Equal(4, (await ClusterDriver.RetryAsync(() => driver.Round((long)Round).GetAsync())).Contributors.Length);
            (byte[][] aggregate, uint[][] values, PublishedModel model) = await driver.FinishAsync(r, round, uploads);
            Support.Rounds.AssertSumOfExactly(r, round, uploads, updates, aggregate, values);
            Support.Rounds.AssertPublished(round, initial, updates, values, model);
        }
        catch (Exception e) when (node is not null)
        {
            throw new InvalidOperationException($"{e.Message}\nlast output of the node:\n{node.Output}", e);
        }
        finally
        {
            node?.Dispose();
        }
    }

    [Fact]
    public async Task TheNodeRefusesAFolderWhoseParentIsMissingWithAMessageAndExitCodeTwo()
    {
        using InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        using var dir = new TempFolder();
        string consortiumFile = ConsortiumFiles.Write(r, dir.Path);
        string folder = Path.Combine(dir.Path, "missing", "node");
        (int exitCode, string output) = await NodeProcess.RunToExitAsync(
            "--consortium", consortiumFile, "--certificates", Path.Combine(dir.Path, "certificates"), "--sqlite", folder);
        Assert.Equal(2, exitCode);
        Assert.Contains($"The folder {folder} does not exist, nor does its parent", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    private static async Task<IHost> ConnectAsync(int gatewayPort, string serviceId)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(c =>
        {
            c.UseLocalhostClustering(gatewayPort, serviceId, "secagg");
            c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            c.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        });
        IHost host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
