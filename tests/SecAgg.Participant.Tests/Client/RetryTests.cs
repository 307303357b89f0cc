using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;

namespace SecAgg.Participant.Tests.Client;

/// <summary>Transient failures of unary calls are retried (bounded, logged with the attempt); past the bound the error says what to check.</summary>
public sealed class RetryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("secagg-retry-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task JoinRidesOutAnAggregatorThatStartsLateAndLogsEachRetry()
    {
        string[] ids = ["hospital-1", "hospital-2"];
        ConsortiumLayout files = Init(ids);
        int port = FreePort();
        var log = new ConcurrentQueue<string>();
        ParticipantClient[] clients = [.. ids.Select(id => Client(files, id, port, attempts: 10, log))];
        try
        {
            Task<JoinResult>[] joining = [.. clients.Select(c => c.JoinAsync())];
            await Task.Delay(1500);
            Assert.DoesNotContain(joining, j => j.IsCompleted);
            await using AggregatorHost host = await TestConsortium.StartAsync(files, 16, new IPEndPoint(IPAddress.Loopback, port));
            JoinResult[] joined = await Task.WhenAll(joining).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(joined[0].ConsortiumDigest, joined[1].ConsortiumDigest);
            Assert.Equal(joined[0].EpochId, joined[1].EpochId);
            Assert.Contains(log, l => l.Contains("GetEpochInfo: the aggregator answered Unavailable", StringComparison.Ordinal) && l.Contains("cannot be reached", StringComparison.Ordinal) && l.Contains("retry 1 of 9", StringComparison.Ordinal));
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
    public async Task PastTheBoundTheCallFailsWithWhatToCheck()
    {
        ConsortiumLayout files = Init(["hospital-1", "hospital-2"]);
        var log = new ConcurrentQueue<string>();
        using ParticipantClient client = Client(files, "hospital-1", FreePort(), attempts: 3, log);
        RpcException e = await Assert.ThrowsAsync<RpcException>(() => client.JoinAsync());
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.True(AggregatorUnreachableException.From(e) is not null, e.Status.Detail + " :: " + e.Status.DebugException);
        Assert.Contains("cannot be reached", AggregatorUnreachableException.From(e)?.Message, StringComparison.Ordinal);
        Assert.Contains("check that it is running and that its address and port are right", AggregatorUnreachableException.From(e)?.Message, StringComparison.Ordinal);
        Assert.Equal(2, log.Count(l => l.Contains("GetEpochInfo: the aggregator answered Unavailable", StringComparison.Ordinal)));
    }

    private ConsortiumLayout Init(string[] ids) => TestConsortium.Init(_root, ids, 16);

    private ParticipantClient Client(ConsortiumLayout files, string id, int port, int attempts, ConcurrentQueue<string> log) =>
        TestConsortium.Client(files, _root, id, new Uri($"https://localhost:{port}"), attempts, new ListLoggerFactory(log));

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
