using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Aggregator.Service;
using SecAgg.Participant.Client;

namespace SecAgg.Aggregator.Cluster.Tests.EndToEnd;

/// <summary>
/// The participant library's real <see cref="ParticipantClient"/> (key epoch, masked uploads with signed commitments,
/// approvals, decryption shares, the model download) against silos that serve participants: the one-machine node, and
/// three silos over PostgreSQL with each participant on its own silo. N = 3, t = 3, the NOT SECURE test preset.
/// </summary>
public sealed class ParticipantsOnClusterTests
{
    private static readonly string[] Ids = ["hospital-1", "hospital-2", "hospital-3"];

    [Fact]
    public async Task ThreeParticipantsRunTwoRoundsThroughTheOneMachineNode()
    {
        using var sites = new ClusterSites(Ids);
        await using ParticipantFrontEnd node = await ClusterNode.StartAsync(sites.Silo(sqlite: Path.Combine(sites.Root, "node")));
        ParticipantClient[] clients = [.. Ids.Select(id => sites.Client(id, node.Address))];
        try
        {
            await RunRoundsAsync(clients, rounds: 2);
        }
        finally
        {
            Dispose(clients);
        }
    }

    [PostgresFact]
    public async Task ParticipantsEachOnTheirOwnSiloOfThreeRunARoundAndEverySiloServesTheModel()
    {
        using var sites = new ClusterSites(Ids);
        await using ClusterBackend db = await ClusterBackend.CreateAsync("postgres");
        string clusterId = "e2e-" + Guid.NewGuid().ToString("N")[..8];
        var silos = new List<ParticipantFrontEnd>();
        ParticipantClient[] clients = [];
        try
        {
            for (int s = 0; s < 3; s++)
            {
                silos.Add(await ClusterNode.StartAsync(sites.Silo(postgres: db.ConnectionString, clusterId: clusterId)));
            }

            clients = [.. Ids.Select((id, i) => sites.Client(id, silos[i].Address))];
            List<float[][]> updates = await RunRoundsAsync(clients, rounds: 1);

            // Every silo serves the published model (the participant asks the silo it is pointed at).
            foreach (ParticipantFrontEnd silo in silos)
            {
                using ParticipantClient reader = sites.Client(Ids[0], silo.Address);
                GlobalModel model = await reader.FetchGlobalModelAsync(1);
                ClusterSites.AssertModel(updates, model.Values);
            }
        }
        finally
        {
            Dispose(clients);
            foreach (ParticipantFrontEnd silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>Joins (first time) and runs <paramref name="rounds"/> rounds from round 1; returns each round's updates.</summary>
    private static async Task<List<float[][]>> RunRoundsAsync(ParticipantClient[] clients, int rounds)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        JoinResult[] joined = await Task.WhenAll(clients.Select(c => c.JoinAsync(timeout.Token)));
        Assert.Single(joined.Select(j => j.ConsortiumDigest).Distinct());
        var perRound = new List<float[][]>();
        for (ulong round = 1; round <= (ulong)rounds; round++)
        {
            ulong r = round;
            float[][] updates = [.. clients.Select((_, i) => ClusterSites.Update(i, r))];
            perRound.Add(updates);
            SubmitResult[] submitted = await Task.WhenAll(clients.Select((c, i) => c.SubmitAsync(updates[i], 1, r, timeout.Token)));
            Assert.All(submitted, s => Assert.Equal(r, s.Round));
            RoundAnswer[] approvals = await Task.WhenAll(clients.Select(c => c.ApproveAsync(r, timeout.Token)));
            Assert.All(approvals, a => Assert.True(a.Done, a.Detail));
            Task<GlobalModel> byRound = clients[1].FetchRoundModelAsync(r, timeout.Token); // asked before the publication: waits for it
            RoundAnswer[] answers = await Task.WhenAll(clients.Select(c => c.AnswerDecryptionAsync(r, timeout.Token)));
            Assert.Equal(clients.Length, answers.Count(a => a.Done));
            Assert.Equal(r, await clients[^1].WaitForPublicationAsync(r, timeout.Token));
            GlobalModel model = await clients[0].FetchGlobalModelAsync(cancellationToken: timeout.Token);
            Assert.Equal(r, model.ModelVersion);
            ClusterSites.AssertModel(perRound, model.Values);
            GlobalModel waited = await byRound;
            Assert.Equal((r, r), (waited.Round, waited.ModelVersion));
            Assert.Equal(model.Values, waited.Values);
        }

        return perRound;
    }

    private static void Dispose(ParticipantClient[] clients)
    {
        foreach (ParticipantClient c in clients)
        {
            c.Dispose();
        }
    }
}
