using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using SecAgg.Aggregator.Service;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Consortium;
using SecAgg.Quantize.Ddg;
using SecAgg.Security;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// A consortium for service tests: a CA, a server certificate, N enrolled participant certificates and one
/// certificate from the same CA that is NOT enrolled; the consortium file; a database (SQLite or PostgreSQL)
/// that survives host restarts. Uses the NOT SECURE test preset so rounds take milliseconds.
/// </summary>
internal sealed class ServiceHarness : IAsyncDisposable
{
    public static readonly TensorLayout Layout = new([new Quantize.Ddg.TensorSpec("dense.weight", [60, 10]), new Quantize.Ddg.TensorSpec("dense.bias", [10])]);

    private readonly StoreFactory _db;
    private readonly string _dir = Directory.CreateTempSubdirectory("secagg-service-").FullName;

    private ServiceHarness(StoreFactory db, string engine, int parties, int threshold)
    {
        Threshold = threshold;
        _db = db;
        Engine = engine;
        Ca = CertificateAuthority.Create("SecAgg test consortium CA");
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), Ca.ExportCertificatePem());
        ServerCertificate = Ca.IssueServerCertificate("localhost", ["localhost"], [IPAddress.Loopback]);
        Ids = Enumerable.Range(1, parties).Select(i => $"hospital-{(char)('a' + i - 1)}").ToArray();
        Certificates = Ids.ToDictionary(id => id, id => Ca.IssueClientCertificate(id));
        Intruder = Ca.IssueClientCertificate("intruder");
    }

    public string Engine { get; }

    public int Threshold { get; }

    public CertificateAuthority Ca { get; }

    public X509Certificate2 ServerCertificate { get; }

    public string[] Ids { get; }

    public Dictionary<string, X509Certificate2> Certificates { get; }

    public X509Certificate2 Intruder { get; }

    public AggregatorHost? Host { get; private set; }

    /// <summary>What the aggregator processes started by <see cref="StartProcessAsync"/> wrote to stderr (their warnings and
    /// errors), across restarts: a test that fails against the process shows it.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> ChildErrors { get; } = new();

    /// <summary>Every log line the service wrote (formatted), for checks that no secret or ciphertext leaks.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Logs { get; } = new();

    public string ConfigPath => Path.Combine(_dir, "consortium.yaml");

    /// <summary>The service's liveness window for choosing a t-of-N decryption set.</summary>
    public TimeSpan LivenessWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The service's deadline for calls that set none.</summary>
    public TimeSpan DefaultCallDeadline { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>An OpenTelemetry collector the service pushes its metrics to (null: none).</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>How the service speaks to <see cref="OtlpEndpoint"/>.</summary>
    public OtlpTransport OtlpProtocol { get; set; }

    public static async Task<ServiceHarness> CreateAsync(
        string engine, int parties = 3, int minParticipants = 2, string collect = "60s", string decrypt = "60s", int rounds = 1, int? threshold = null,
        double budget = 1e300, int? maxWeight = null, string scheme = "bfv", string approve = "60s")
    {
        var h = new ServiceHarness(await StoreFactory.CreateAsync(engine), engine, parties, threshold ?? parties);
        var participants = string.Concat(h.Ids.Select(id =>
            $"  - id: {id}\n    certificate-sha256: {Convert.ToHexString(SHA256.HashData(h.Certificates[id].RawData))}\n"));
        File.WriteAllText(h.ConfigPath, string.Create(CultureInfo.InvariantCulture, $"""
            consortium: service-test
            ca: ca.pem
            participants:
            {participants}threshold: {h.Threshold}
            min-participants: {minParticipants}
            model-dimension: {Layout.TotalLength}
            {(maxWeight is int mw ? $"max-weight: {mw}" : "")}
            deadlines:
              collect: {collect}
              approve: {approve}
              decrypt: {decrypt}
            he:
              preset: {ProtocolPresets.InsecureForTestsName}
              scheme: {scheme}
            dp:
              bits: 16
              clip: 1.0
              noise-sigma: 0.001
              rounds: {rounds}
            privacy-budget:
              epsilon: {budget:R}
              delta: 1e-6

            """).Replace("\n  - id", "\n  - id", StringComparison.Ordinal));
        return h;
    }

    public StorageConfig Storage => Engine == "sqlite"
        ? new StorageConfig(StorageProvider.Sqlite, _db.Location, null)
        : new StorageConfig(StorageProvider.Postgres, null, _db.Location);

    public async Task<AggregatorHost> StartAsync()
    {
        Host = await AggregatorHost.StartAsync(new AggregatorHostOptions
        {
            ConfigPath = ConfigPath,
            ServerCertificate = ServerCertificate,
            ModelLayout = Layout,
            Storage = Storage,
            AllowInsecureParameters = true,
            TickInterval = TimeSpan.FromMilliseconds(100),
            LivenessWindow = LivenessWindow,
            DefaultCallDeadline = DefaultCallDeadline,
            OtlpEndpoint = OtlpEndpoint,
            OtlpProtocol = OtlpProtocol,
            LoggerFactory = new CapturingLoggerFactory(Logs),
        });
        return Host;
    }

    public async Task StopAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
            Host = null;
        }
    }

    private readonly Dictionary<string, TestParticipant> _participants = [];

    /// <summary>The participant <paramref name="id"/> (one per harness, so its key epoch and state survive aggregator restarts).</summary>
    public TestParticipant Participant(string id)
    {
        lock (_participants)
        {
            if (!_participants.TryGetValue(id, out TestParticipant? p))
            {
                p = new TestParticipant(id, Certificates[id], this, Path.Combine(_dir, "state-" + id));
                _participants[id] = p;
            }

            return p;
        }
    }

    /// <summary>The consortium file as a participant reads it (its own copy: the same file here).</summary>
    public ConsortiumConfig Config => _config ??= ConsortiumConfigLoader.Load(ConfigPath);

    private ConsortiumConfig? _config;

    /// <summary>Starts the aggregator, runs the key epoch with every participant and waits until round 1 is open.</summary>
    public async Task StartWithEpochAsync()
    {
        await StartAsync();
        await JoinEpochAsync();
        await WaitForStageAsync(1, Proto.V1.RoundStage.Open);
    }

    /// <summary>Every participant in <paramref name="participants"/> uploads an update of its own (seeded by its id's length) to round <paramref name="round"/>.</summary>
    public static async Task UploadAllAsync(ulong round, IEnumerable<TestParticipant> participants)
    {
        foreach (TestParticipant t in participants)
        {
            await t.UploadAsync(round, TestParticipant.RandomUpdate(t.Id.Length));
        }
    }

    /// <summary>Every participant in <paramref name="participants"/> approves round <paramref name="round"/>'s list once it is APPROVING.</summary>
    public async Task ApproveAllAsync(ulong round, IEnumerable<TestParticipant> participants)
    {
        await WaitForStageAsync(round, Proto.V1.RoundStage.Approving);
        foreach (TestParticipant t in participants)
        {
            await t.ApproveAsync(round);
        }
    }

    /// <summary>Every participant uploads, approves, D answers; returns when the round is published.</summary>
    public async Task CompleteRoundAsync(ulong round, IReadOnlyList<TestParticipant> participants, int seed)
    {
        foreach (TestParticipant p in participants)
        {
            await p.UploadAsync(round, TestParticipant.RandomUpdate(seed));
        }

        await ApproveAllAsync(round, participants);
        await WaitForStageAsync(round, Proto.V1.RoundStage.Decrypting);
        foreach (TestParticipant p in participants)
        {
            await p.DecryptAsync(round);
        }

        await WaitForStageAsync(round, Proto.V1.RoundStage.Published);
    }

    /// <summary>Runs the key epoch with every participant, step by step, until the epoch is READY.</summary>
    public async Task JoinEpochAsync()
    {
        TestParticipant[] all = [.. Ids.Select(Participant)];
        foreach (TestParticipant p in all)
        {
            await p.CommitAsync();
        }

        foreach (TestParticipant p in all)
        {
            await p.RevealAndDealAsync();
        }

        foreach (TestParticipant p in all)
        {
            await p.CompleteAsync();
        }
    }

    /// <summary>The aggregator as a separate process (CrashChild serve), started by <see cref="StartProcessAsync"/>.</summary>
    public System.Diagnostics.Process? Child { get; private set; }

    private Uri? _childAddress;

    /// <summary>Starts the service as its own process on this harness's consortium and database; returns when it listens.</summary>
    public async Task StartProcessAsync()
    {
        string cert = Path.Combine(_dir, "server.pem"), key = Path.Combine(_dir, "server.key");
        if (!File.Exists(cert))
        {
            File.WriteAllText(cert, ServerCertificate.ExportCertificatePem());
            File.WriteAllText(key, ((System.Security.Cryptography.AsymmetricAlgorithm?)ServerCertificate.GetECDsaPrivateKey() ?? ServerCertificate.GetRSAPrivateKey())!.ExportPkcs8PrivateKeyPem());
        }

        var psi = new System.Diagnostics.ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])[Path.Combine(AppContext.BaseDirectory, "SecAgg.Aggregator.CrashChild.dll"), "serve", ConfigPath, cert, key, Engine, _db.Location])
        {
            psi.ArgumentList.Add(a);
        }

        var child = System.Diagnostics.Process.Start(psi)!;
        var stderr = new System.Text.StringBuilder();
        child.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            ChildErrors.Enqueue(e.Data ?? "");
        };
        child.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? line;
        while ((line = await child.StandardOutput.ReadLineAsync(timeout.Token)) is not null && !line.StartsWith("listening ", StringComparison.Ordinal))
        {
        }

        if (line is null)
        {
            await child.WaitForExitAsync(timeout.Token);
            Assert.Fail($"the aggregator process exited ({child.ExitCode}) before listening: {stderr}");
        }

        _childAddress = new Uri(line!["listening ".Length..]);
        Child = child;
    }

    /// <summary>SIGKILLs the aggregator process: no shutdown, no flush, no rollback.</summary>
    public async Task KillProcessAsync()
    {
        System.Diagnostics.Process child = Child!;
        child.Kill();
        await child.WaitForExitAsync();
        Assert.Equal(137, child.ExitCode); // 128 + SIGKILL
        child.Dispose();
        Child = null;
        _childAddress = null;
    }

    public Uri Address => Host?.Address ?? _childAddress ?? throw new InvalidOperationException("no aggregator is running");

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Uri, X509Certificate2?), TestClient> _clients = new();

    /// <summary>The generated clients over one channel per certificate and aggregator address (null: no client certificate).</summary>
    public TestClient Client(X509Certificate2? certificate) =>
        _clients.GetOrAdd((Route?.Invoke(certificate) ?? Address, certificate), key => new TestClient(TestChannel.Create(key.Item1, key.Item2, Ca.Certificate)));

    /// <summary>Which endpoint a certificate's calls go to when there are several (front ends of one cluster); null: <see cref="Address"/>.</summary>
    public Func<X509Certificate2?, Uri?>? Route { get; set; }

    /// <summary>Starts a front end over this harness's database with <typeparamref name="TRounds"/> as its Rounds service.</summary>
    public Task<ParticipantFrontEnd> StartFrontEndAsync<TRounds>(Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null)
        where TRounds : Proto.V1.Rounds.RoundsBase =>
        ParticipantFrontEnd.StartAsync<TRounds>(
            new AggregatorHostOptions
            {
                ConfigPath = ConfigPath,
                ServerCertificate = ServerCertificate,
                ModelLayout = Layout,
                Storage = Storage,
                AllowInsecureParameters = true,
                LoggerFactory = new CapturingLoggerFactory(Logs),
            },
            configure ?? (_ => { }));

    /// <summary>
    /// A handler for the operator port: TLS that trusts the consortium CA for the server, no client certificate, HTTP/2
    /// for gRPC or HTTP/1.1 for pages (ALPN).
    /// </summary>
    public SocketsHttpHandler OperatorHandler() => new()
    {
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is X509Certificate2 c && CertificateAuthority.ChainsTo(c, Ca.Certificate, X509KeyUsageForPeer.ServerAuthentication),
        },
    };

    public async ValueTask DisposeAsync()
    {
        foreach (TestClient c in _clients.Values)
        {
            c.Dispose();
        }

        foreach (TestParticipant p in _participants.Values)
        {
            p.Dispose();
        }

        await StopAsync();
        if (Child is { } child)
        {
            child.Kill();
            await child.WaitForExitAsync();
            child.Dispose();
        }

        await _db.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    public static async Task<RpcException> AssertStatusAsync(StatusCode expected, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == e.StatusCode, $"expected {expected}, got {e.StatusCode}: {e.Status.Detail}");
        return e;
    }

    public static async IAsyncEnumerable<T> Stream<T>(IEnumerable<T> items)
    {
        foreach (T item in items)
        {
            yield return item;
            await Task.Yield();
        }
    }

    /// <summary>Polls the round's status as <paramref name="observer"/> (default the first participant; polling counts as liveness).</summary>
    public async Task<RoundStatus> WaitForStageAsync(ulong round, Proto.V1.RoundStage stage, TimeSpan? timeout = null, string? observer = null)
    {
        TestClient c = Client(Certificates[observer ?? Ids[0]]);
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                RoundStatus s = await c.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = round });
                if (s.Stage == stage)
                {
                    return s;
                }

                if (DateTime.UtcNow > until)
                {
                    Assert.Fail($"round {round} is {s.Stage} ({s.AbortMessage}), not {stage}, after the timeout");
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && DateTime.UtcNow < until)
            {
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>The generated KeyEpoch, Rounds and Health clients over one channel to the aggregator.</summary>
internal sealed class TestClient(Grpc.Net.Client.GrpcChannel channel) : IDisposable
{
    public KeyEpoch.KeyEpochClient KeyEpoch { get; } = new(channel);

    public Proto.V1.Rounds.RoundsClient Rounds { get; } = new(channel);

    public Health.HealthClient Health { get; } = new(channel);

    public void Dispose() => channel.Dispose();
}

internal sealed class CapturingLoggerFactory(System.Collections.Concurrent.ConcurrentQueue<string> lines) : Microsoft.Extensions.Logging.ILoggerFactory
{
    public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
    {
    }

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{category}[{eventId.Id}] {formatter(state, exception)} {exception}");
    }
}
