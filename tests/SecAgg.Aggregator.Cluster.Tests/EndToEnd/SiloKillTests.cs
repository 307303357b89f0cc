using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Participant.Client;

namespace SecAgg.Aggregator.Cluster.Tests.EndToEnd;

/// <summary>
/// Three silo processes serving participants over PostgreSQL; each participant's client knows all three front ends
/// (its own first). A silo is killed with SIGKILL in the middle of a round: the participant whose front end it was goes
/// on through another silo, nothing accepted is lost, and the round publishes the average of all three updates.
/// </summary>
public sealed class SiloKillTests
{
    private static readonly string[] Ids = ["hospital-1", "hospital-2", "hospital-3"];

    [PostgresFact]
    public async Task AParticipantWhoseSiloIsKilledMidRoundFinishesTheRoundThroughAnotherSilo()
    {
        using var sites = new ClusterSites(Ids, rounds: 1);
        await using ClusterBackend db = await ClusterBackend.CreateAsync("postgres");
        string clusterId = "kill-" + Guid.NewGuid().ToString("N")[..8];
        var nodes = new List<NodeProcess>();
        var addresses = new List<Uri>();
        ParticipantClient[] clients = [];
        try
        {
            for (int s = 0; s < 3; s++)
            {
                int port = NodeProcess.FreePort();
                nodes.Add(await NodeProcess.StartAsync(sites.Files.ConsortiumFile, sites.Certificates, db.ConnectionString!, clusterId,
                    "--listen", $"127.0.0.1:{port}", "--cert", sites.Files.AggregatorCertificate, "--key", sites.Files.AggregatorKey,
                    "--layout", "weight:699,bias:1", "--allow-insecure-for-tests"));
                addresses.Add(new Uri($"https://localhost:{port}"));
            }

            clients = [.. Ids.Select((id, i) => sites.Client(id, addresses[i], [.. addresses.Where((_, k) => k != i)]))];
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await Task.WhenAll(clients.Select(c => c.JoinAsync(timeout.Token)));
            float[][] updates = [.. Ids.Select((_, i) => ClusterSites.Update(i, 1))];
            await clients[0].SubmitAsync(updates[0], 1, 1, timeout.Token);
            await clients[1].SubmitAsync(updates[1], 1, 1, timeout.Token);

            // kill -9 of hospital-3's front end before it uploads: its client goes on through the next silo.
            nodes[2].Kill();
            SubmitResult third = await clients[2].SubmitAsync(updates[2], 1, 1, timeout.Token);
            Assert.Equal(1UL, third.Round);

            RoundAnswer[] approvals = await Task.WhenAll(clients.Select(c => c.ApproveAsync(1, timeout.Token)));
            Assert.All(approvals, a => Assert.True(a.Done, a.Detail));
            Assert.All(approvals, a => Assert.Equal(3, a.Count));
            RoundAnswer[] answers = await Task.WhenAll(clients.Select(c => c.AnswerDecryptionAsync(1, timeout.Token)));
            Assert.Equal(3, answers.Count(a => a.Done));
            Assert.Equal(1UL, await clients[2].WaitForPublicationAsync(1, timeout.Token));
            GlobalModel model = await clients[2].FetchGlobalModelAsync(1, timeout.Token);
            ClusterSites.AssertModel([updates], model.Values);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            // The failure last: a log shortened from the top still shows it.
            Assert.Fail($"--- silo output ---\n{string.Join("\n---\n", nodes.Select(n => n.Output))}\n--- the failure ---\n{e}");
        }
        finally
        {
            foreach (ParticipantClient c in clients)
            {
                c.Dispose();
            }

            foreach (NodeProcess n in nodes)
            {
                n.Dispose();
            }
        }
    }
}
