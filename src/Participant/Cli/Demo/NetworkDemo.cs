using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Quantize.Accounting;

namespace SecAgg.Cli.Demo;

/// <summary>
/// The demo over the real stack: <c>consortium init</c> in a folder, the aggregator service (<see cref="AggregatorHost"/>,
/// embedded SQLite) on a loopback port with mutual TLS, and one <see cref="ParticipantClient"/> per hospital (each with
/// its own certificate and 0600 state directory) that joins the key epoch, trains on its share, submits, answers the
/// decryption request and downloads the published model. The service runs unweighted FedAvg (max_weight = 1).
/// </summary>
internal sealed class NetworkDemo : IAsyncDisposable
{
    private readonly SecureDemo _plan;
    private readonly AggregatorHost _host;
    private readonly ParticipantClient[] _clients;

    private NetworkDemo(SecureDemo plan, AggregatorHost host, ParticipantClient[] clients, TimeSpan setup)
    {
        _plan = plan;
        _host = host;
        _clients = clients;
        SetupTime = setup;
    }

    public TimeSpan SetupTime { get; }

    public Uri Address => _host.Address;

    /// <summary>Writes the consortium under <paramref name="root"/>, starts the aggregator and joins every hospital.</summary>
    public static async Task<NetworkDemo> StartAsync(SecureDemo plan, string root, CancellationToken token)
    {
        var watch = Stopwatch.StartNew();
        DemoOptions o = plan.Options;
        string[] ids = [.. Enumerable.Range(1, o.Hospitals).Select(i => $"hospital-{i}")];
        ConsortiumLayout files = ConsortiumInitializer.Initialize(new ConsortiumInitOptions(
            Path.Combine(root, "consortium"), "wdbc-demo", ids, plan.Threshold, o.Hospitals, ["localhost"],
            Bits: o.Bits, Clip: o.Clip, NoiseSigma: null, TargetEpsilon: o.Epsilon, Rounds: o.Rounds, BudgetEpsilon: o.Epsilon, Delta: o.Delta));
        AggregatorHost host = await AggregatorHost.StartAsync(new AggregatorHostOptions
        {
            ConfigPath = files.ConsortiumFile,
            ServerCertificate = AggregatorHostOptions.LoadCertificate(files.AggregatorCertificate, files.AggregatorKey),
            ModelLayout = plan.Layout,
            Rounds = o.Rounds,
            TickInterval = TimeSpan.FromMilliseconds(50),
        }, token);
        X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(files.CaCertificate));
        ParticipantClient[] clients = [.. ids.Select(id => new ParticipantClient(new ParticipantClientOptions
        {
            Aggregator = host.Address,
            ClientCertificate = AggregatorHostOptions.LoadCertificate(files.Participants[id].Certificate, files.Participants[id].Key),
            CertificateAuthority = ca,
            StateDirectory = Path.Combine(root, "state", id),
            ParticipantId = id,
            PollInterval = TimeSpan.FromMilliseconds(50),
        }))];
        await Task.WhenAll(clients.Select(c => c.JoinAsync(token)));
        return new NetworkDemo(plan, host, clients, watch.Elapsed);
    }

    /// <summary>The rounds; <paramref name="stage"/> hears what is happening.</summary>
    public async IAsyncEnumerable<DemoRound> RunAsync(Action<string>? stage, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
    {
        BaselineRunner baseline = _plan.Baseline;
        DemoOptions o = _plan.Options;
        using IEnumerator<BaselineRound> reference = baseline.Run().GetEnumerator();
        var accountant = new PrivacyAccountant();
        float[] global = new float[_plan.Dimension];
        for (int round = 1; round <= o.Rounds; round++)
        {
            stage?.Invoke($"round {round}: plaintext references");
            reference.MoveNext();
            BaselineRound plain = reference.Current;

            var watch = Stopwatch.StartNew();
            stage?.Invoke($"round {round}: hospitals train");
            float[] start = global;
            int r = round;
            float[][] updates = new float[o.Hospitals][];
            Parallel.For(0, o.Hospitals, i => updates[i] = baseline.Training.ComputeUpdate(baseline.Hospitals[i], start, r, i));
            TimeSpan train = watch.Elapsed;

            watch.Restart();
            stage?.Invoke($"round {round}: quantize, noise, encrypt, upload (mTLS)");
            SubmitResult[] submitted = await Task.WhenAll(_clients.Select((c, i) => c.SubmitAsync(updates[i], 1, (ulong)round, token)));
            TimeSpan upload = watch.Elapsed;

            watch.Restart();
            stage?.Invoke($"round {round}: collective decryption");
            await Task.WhenAll(_clients.Select(c => c.AnswerDecryptionAsync((ulong)round, token)));
            TimeSpan decrypt = watch.Elapsed;

            watch.Restart();
            stage?.Invoke($"round {round}: aggregator publishes");
            ulong version = await _clients[0].WaitForPublicationAsync((ulong)round, token);
            TimeSpan publish = watch.Elapsed;

            watch.Restart();
            GlobalModel model = await _clients[0].FetchGlobalModelAsync(version, token);
            global = model.Values;
            TimeSpan fetch = watch.Elapsed;

            accountant.ComposeDdg(_plan.Ddg, 1);
            var bytes = new WireBytes(submitted.Sum(s => s.BytesSent), 0, 0, (long)o.Hospitals * model.Values.Length * sizeof(float));
            var detail = new SecureRoundResult(round, model.Values, [], new StageTimes(train, upload, publish, decrypt, fetch), bytes);
            yield return new DemoRound(round, LogisticRegression.Accuracy(global, baseline.Test), plain.FedAvg, plain.Alone, accountant.GetEpsilon(o.Delta).Epsilon, detail);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (ParticipantClient c in _clients)
        {
            c.Dispose();
        }

        await _host.DisposeAsync();
    }
}
