using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
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

    [Fact]
    public async Task AServerThatResetsTheConnectionAfterTheHandshakeIsARefusalNotAnUnreachableAggregator()
    {
        // What a TLS 1.3 server that refuses the client certificate can look like under load: the client's handshake
        // completes, then the connection is reset before the client reads the alert. "cannot be reached ... check that
        // it is running" would send the operator to the wrong place.
        ConsortiumLayout files = Init(["hospital-1", "hospital-2"]);
        using X509Certificate2 serverCertificate = AggregatorHostOptions.LoadCertificate(files.AggregatorCertificate, files.AggregatorKey);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var cts = new CancellationTokenSource();
        Task resetting = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                using Socket accepted = await listener.AcceptSocketAsync(cts.Token);
                try
                {
                    await using var tls = new SslStream(new NetworkStream(accepted, ownsSocket: false));
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = serverCertificate,
                        ClientCertificateRequired = true,
                        RemoteCertificateValidationCallback = (_, _, _, _) => true,
                        ApplicationProtocols = [SslApplicationProtocol.Http2],
                    }, cts.Token);
                }
                catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
                {
                }

                accepted.LingerState = new LingerOption(true, 0); // close with RST, before any HTTP/2 byte
                accepted.Close();
            }
        });
        var log = new ConcurrentQueue<string>();
        using ParticipantClient client = Client(files, "hospital-1", ((IPEndPoint)listener.LocalEndpoint).Port, attempts: 2, log);
        RpcException e = await Assert.ThrowsAsync<RpcException>(() => client.JoinAsync());
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resetting);

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        string? reason = AggregatorUnreachableException.From(e)?.Message;
        Assert.True(reason is not null, e.Status.Detail + " :: " + e.Status.DebugException);
        Assert.Contains("closed the connection during the TLS handshake", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot be reached", reason, StringComparison.Ordinal);
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
