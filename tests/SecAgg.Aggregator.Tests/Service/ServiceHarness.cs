using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using SecAgg.Aggregator.Config;
using SecAgg.Aggregator.Service;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;
using Grpc.Core;
using Grpc.Health.V1;
using SecAgg.Participant.Client;
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

    public static async Task<ServiceHarness> CreateAsync(string engine, int parties = 3, int minParticipants = 2, string collect = "60s", string decrypt = "60s", int rounds = 1, int? threshold = null, double budget = 1e300, int? maxWeight = null, string scheme = "bfv")
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
            {(maxWeight is int mw ? $"max-weight: {mw}" : "")}
            deadlines:
              collect: {collect}
              decrypt: {decrypt}
            he:
              preset: {(scheme == "ckks" ? ProtocolPresets.InsecureForTestsCkksName : ProtocolPresets.InsecureForTestsName)}
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

    public TestParticipant Participant(string id) => new(id, Certificates[id], this);

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
        child.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
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
        _clients.GetOrAdd((Address, certificate), key => new TestClient(AggregatorChannel.Create(key.Item1, key.Item2, Ca.Certificate, new AggregatorChannelOptions { DefaultCallDeadline = TimeSpan.FromSeconds(60) })));

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

    /// <summary>Every participant uploads an update (seed <paramref name="seed"/>) and answers decryption; returns at publication.</summary>
    public async Task CompleteRoundAsync(ulong round, IReadOnlyList<TestParticipant> participants, int seed)
    {
        foreach (TestParticipant p in participants)
        {
            await p.UploadAsync(round, TestParticipant.RandomUpdate(seed));
        }

        await WaitForStageAsync(round, Proto.V1.RoundStage.Decrypting);
        foreach (TestParticipant p in participants)
        {
            await p.DecryptAsync(round);
        }

        await WaitForStageAsync(round, Proto.V1.RoundStage.Published);
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
internal sealed class TestClient(AggregatorChannel channel) : IDisposable
{
    public KeyEpoch.KeyEpochClient KeyEpoch { get; } = new(channel.CallInvoker);

    public Proto.V1.Rounds.RoundsClient Rounds { get; } = new(channel.CallInvoker);

    public Health.HealthClient Health { get; } = new(channel.CallInvoker);

    public void Dispose() => channel.Dispose();
}

/// <summary>A minimal participant over the generated clients (the real one is SecAgg.Participant's client).</summary>
internal sealed class TestParticipant(string id, X509Certificate2 certificate, ServiceHarness harness)
{
    private PartySecret? _secret;
    private MultipartyParameters? _he;
    private CiphertextScheme? _scheme;
    private Crypto.Multiparty.CollectivePublicKey? _key;

    public string Id { get; } = id;

    public TestClient Client => harness.Client(certificate);

    public async Task UploadKeyShareAsync()
    {
        TestClient c = Client;
        EpochInfo info = await c.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest { EpochId = 1 });
        _scheme = ContractMapping.SchemeFromContract(info.HeParameters, info.Participants.Count, (int)info.Threshold, allowInsecureForTests: true);
        _he = _scheme.KeyParameters;
        int point = (int)info.Participants.Single(p => p.ParticipantId == Id).ShamirPoint;
        _secret ??= PartySecret.Generate(_he, point);
        var protocol = new PublicKeyGenProtocol(_he);
        PublicKeyShare share = protocol.AllocateShare();
        protocol.GenerateShare(_secret, CommonReferencePolynomial.Expand(_he, info.CrsSeed.Span), share);
        await c.KeyEpoch.UploadPublicKeyShareAsync(new UploadPublicKeyShareRequest { EpochId = 1, ParticipantId = Id, PublicKeyShare = ByteString.CopyFrom(share.Serialize()) });
    }

    private ThresholdSecretShare? _thresholdShare;

    /// <summary>
    /// Deals Shamir shares of the secret to the other members through the aggregator's relay. (A real
    /// participant encrypts each blob pairwise; the test sends the serialized share, which the relay never reads.)
    /// </summary>
    public async Task<UploadThresholdSharesResponse> DealAsync()
    {
        ShamirShare[] dealt = new Thresholdizer(_he!).GenerateShares(_secret!);
        var blobs = harness.Ids.Select((rid, j) => (rid, j)).Where(x => x.rid != Id)
            .Select(x => new ThresholdShareBlob { EpochId = 1, SenderId = Id, RecipientId = x.rid, Ciphertext = ByteString.CopyFrom(dealt[x.j].Serialize()) });
        _ownDealt = dealt[_secret!.PartyId - 1];
        return await Client.KeyEpoch.UploadThresholdShares().SendAsync(ServiceHarness.Stream(blobs.ToList()));
    }

    private ShamirShare? _ownDealt;

    /// <summary>Collects the shares dealt to this member and combines them into its threshold secret share.</summary>
    public async Task<int> CollectAsync(uint waitMillis = 0)
    {
        var received = new List<ShamirShare> { _ownDealt! };
        await foreach (ThresholdShareBlob b in Client.KeyEpoch.FetchThresholdShares(new FetchThresholdSharesRequest { EpochId = 1, WaitMillis = waitMillis }).ResponseStream.ReadAllAsync())
        {
            Assert.Equal(Id, b.RecipientId);
            received.Add(ShamirShare.Deserialize(_he!, b.Ciphertext.Span));
        }

        _thresholdShare = new Thresholdizer(_he!).AggregateShares(_secret!.PartyId, received);
        return received.Count - 1;
    }

    public async Task<RoundParameters> RoundAsync(ulong round)
    {
        TestClient c = Client;
        if (_key is null)
        {
            Proto.V1.CollectivePublicKey k = await c.KeyEpoch.GetCollectivePublicKeyAsync(new GetCollectivePublicKeyRequest { EpochId = 1 });
            Assert.Equal(SHA256.HashData(k.PublicKeyP0.Span), k.PublicKeyDigest.ToByteArray());
            _key = Crypto.Multiparty.CollectivePublicKey.Deserialize(_he!, k.PublicKeyP0.Span);
        }

        RoundConfig cfg = await c.Rounds.GetRoundConfigAsync(new GetRoundConfigRequest { Round = round });
        return RoundParameters.FromContract(cfg, harness.Ids.Length, harness.Threshold, allowInsecureForTests: true);
    }

    public async Task<List<CiphertextUploadMessage>> EncryptAsync(ulong round, float[] update, ulong weight = 1)
    {
        RoundParameters p = await RoundAsync(round);
        byte[][] chunks = new UpdateEncryptor(p, _key!).Encrypt(update, weight);
        var messages = new List<CiphertextUploadMessage>
        {
            new() { Header = new UploadHeader { Round = round, TotalChunks = (uint)chunks.Length, UploadId = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(16)), ParameterDigest = ByteString.CopyFrom(p.ParameterDigest), Weight = weight, ParticipantId = Id } },
        };
        messages.AddRange(chunks.Select((b, i) => new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = round, ChunkIndex = (uint)i, Ciphertext = ByteString.CopyFrom(b) } }));
        return messages;
    }

    public Task<UploadCiphertextsResponse> SendAsync(IEnumerable<CiphertextUploadMessage> messages) =>
        Client.Rounds.UploadCiphertexts().SendAsync(ServiceHarness.Stream(messages));

    public async Task<UploadCiphertextsResponse> UploadAsync(ulong round, float[] update, ulong weight = 1) => await SendAsync(await EncryptAsync(round, update, weight));

    /// <summary>Fetches every decryption request of the round and answers it (all-N decryption).</summary>
    public async Task<UploadDecryptionSharesResponse> DecryptAsync(ulong round) =>
        await Client.Rounds.UploadDecryptionShares().SendAsync(ServiceHarness.Stream(await PrepareSharesAsync(round)));

    /// <summary>Fetches the round's decryption requests and computes (without sending) one share per chunk.</summary>
    public async Task<List<Proto.V1.DecryptionShare>> PrepareSharesAsync(ulong round)
    {
        TestClient c = Client;
        DecryptionSecret? secret = null;
        var shares = new List<Proto.V1.DecryptionShare>();
        DecryptionSession? session = null;
        await foreach (DecryptionStreamMessage m in c.Rounds.FetchDecryptionRequests(new FetchDecryptionRequestsRequest { Round = round }).ResponseStream.ReadAllAsync())
        {
            if (m.KindCase == DecryptionStreamMessage.KindOneofCase.Session)
            {
                session = m.Session;
                EpochInfo info = await c.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest { EpochId = 1 });
                int[] set = session.DecryptionSet.Select(id => (int)info.Participants.Single(p => p.ParticipantId == id).ShamirPoint).ToArray();
                secret = _thresholdShare is null ? DecryptionSecret.ForAllParties(_secret!) : new Combiner(_he!, set).GetDecryptionSecret(_thresholdShare);
                continue;
            }

            Assert.Equal(m.Request.CiphertextDigest.ToByteArray(), _scheme!.RequestDigest(m.Request.C1.Span));
            byte[] share = _scheme.AnswerDecryption(new InMemoryShareLedger(), secret!, m.Request.C1.Span, (int)session!.Summands);
            shares.Add(new Proto.V1.DecryptionShare { Round = round, ChunkIndex = m.Request.ChunkIndex, CiphertextDigest = m.Request.CiphertextDigest, Share = ByteString.CopyFrom(share), ParticipantId = Id });
        }

        Assert.NotNull(session);
        Assert.Equal((int)session.TotalChunks, shares.Count);
        secret!.Dispose();
        return shares;
    }

    public async Task<(GlobalModelHeader Header, float[] Values)> DownloadModelAsync(ulong version = 0)
    {
        GlobalModelHeader? header = null;
        var values = new List<float>();
        await foreach (GlobalModelMessage m in Client.Rounds.DownloadGlobalModel(new DownloadGlobalModelRequest { ModelVersion = version }).ResponseStream.ReadAllAsync())
        {
            if (m.KindCase == GlobalModelMessage.KindOneofCase.Header)
            {
                header = m.Header;
            }
            else
            {
                Assert.Equal((ulong)values.Count, m.Data.Offset);
                values.AddRange(m.Data.Values);
            }
        }

        return (header!, values.ToArray());
    }

    public static float[] RandomUpdate(int seed)
    {
        var rng = new System.Random(seed); // test data only
        return Enumerable.Range(0, Layout.TotalLength).Select(_ => (float)((rng.NextDouble() - 0.5) * 0.05)).ToArray();
    }

    private static TensorLayout Layout => ServiceHarness.Layout;
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
