using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

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
            await using AggregatorHost host = await AggregatorHost.StartAsync(new AggregatorHostOptions
            {
                ConfigPath = files.ConsortiumFile,
                ServerCertificate = AggregatorHostOptions.LoadCertificate(files.AggregatorCertificate, files.AggregatorKey),
                ModelLayout = new TensorLayout([new TensorSpec("w", [16])]),
                AllowInsecureParameters = true,
                Listen = new IPEndPoint(IPAddress.Loopback, port),
            });
            JoinResult[] joined = await Task.WhenAll(joining).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(joined[0].PublicKeyDigest, joined[1].PublicKeyDigest);
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

    private ConsortiumLayout Init(string[] ids) => ConsortiumInitializer.Initialize(new ConsortiumInitOptions(
        Path.Combine(_root, "consortium"), "retry", ids, Threshold: ids.Length, MinParticipants: ids.Length, AggregatorHosts: ["localhost"],
        NoiseSigma: 0.001, TargetEpsilon: null, Rounds: 1, BudgetEpsilon: 1e300, HePreset: ProtocolPresets.InsecureForTestsName));

    private ParticipantClient Client(ConsortiumLayout files, string id, int port, int attempts, ConcurrentQueue<string> log) => new(new ParticipantClientOptions
    {
        Aggregator = new Uri($"https://localhost:{port}"),
        ClientCertificate = AggregatorHostOptions.LoadCertificate(files.Participants[id].Certificate, files.Participants[id].Key),
        CertificateAuthority = X509Certificate2.CreateFromPem(File.ReadAllText(files.CaCertificate)),
        StateDirectory = Path.Combine(_root, "state", id),
        ParticipantId = id,
        PollInterval = TimeSpan.FromMilliseconds(50),
        MaxTransientAttempts = attempts,
        TransientRetryDelay = TimeSpan.FromMilliseconds(100),
        LoggerFactory = new ListLoggerFactory(log),
        AllowInsecureForTests = true,
    });

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private sealed class ListLoggerFactory(ConcurrentQueue<string> lines) : ILoggerFactory, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
