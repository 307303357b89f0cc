using System.Net;
using System.Net.Sockets;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;

namespace SecAgg.Participant.Tests.Client;

/// <summary>
/// A participant given several front ends of one aggregator (a cluster's silos) goes on with the next when one cannot be
/// reached: here the first address is a port nobody listens on, the second the real aggregator.
/// </summary>
public sealed class AlternateAggregatorTests : IDisposable
{
    private const int Dimension = 300;
    private static readonly string[] Ids = ["hospital-1", "hospital-2"];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "secagg-alternate-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task ParticipantsWhoseFirstAggregatorIsDownJoinAndFinishARoundThroughTheAlternate()
    {
        ConsortiumLayout files = TestConsortium.Init(_root, Ids, Dimension);
        await using AggregatorHost host = await TestConsortium.StartAsync(files, Dimension);
        var dead = new Uri($"https://localhost:{UnusedPort()}");
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(120));
        ParticipantClient[] clients = [.. Ids.Select(id => TestConsortium.Client(files, _root, id, dead, alternates: [host.Address]))];
        try
        {
            await Task.WhenAll(clients.Select(c => c.JoinAsync(timeout.Token)));
            float[][] updates = [.. Ids.Select((_, i) => Enumerable.Range(0, Dimension).Select(j => (float)(0.01 * Math.Cos(i + j))).ToArray())];
            await Task.WhenAll(clients.Select((c, i) => c.SubmitAsync(updates[i], 1, cancellationToken: timeout.Token)));
            await Task.WhenAll(clients.Select(c => c.ApproveAsync(1, timeout.Token)));
            await Task.WhenAll(clients.Select(c => c.AnswerDecryptionAsync(1, timeout.Token)));
            Assert.Equal(1UL, await clients[0].WaitForPublicationAsync(1, timeout.Token));
            GlobalModel model = await clients[1].FetchGlobalModelAsync(cancellationToken: timeout.Token);
            for (int j = 0; j < Dimension; j++)
            {
                double expected = updates.Average(u => (double)u[j]);
                Assert.True(Math.Abs(model.Values[j] - expected) < 2e-3, $"value {j}: {model.Values[j]} vs {expected}");
            }
        }
        finally
        {
            foreach (ParticipantClient c in clients)
            {
                c.Dispose();
            }
        }
    }

    [Fact]
    public void AnAlternateThatIsNotHttpsIsRefusedUpFront()
    {
        ConsortiumLayout files = TestConsortium.Init(_root, Ids, Dimension);
        ArgumentException e = Assert.Throws<ArgumentException>(() => TestConsortium.Client(files, _root, Ids[0], new Uri("https://localhost:7443"), alternates: [new Uri("http://localhost:7444")]));
        Assert.Contains("'http://localhost:7444' is not an https:// address", e.Message, StringComparison.Ordinal);
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
