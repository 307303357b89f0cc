using System.Diagnostics;
using System.Globalization;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Cli.Demo;

/// <summary>
/// The demo over the real stack (protocol v2): <c>consortium init --demo-keys</c> in a folder, the aggregator service
/// (<see cref="AggregatorHost"/>, embedded SQLite) on a loopback port with mutual TLS, and one
/// <see cref="ParticipantClient"/> per hospital (its own certificate, its own copy of the consortium file and its 0600
/// state directory) that joins the key epoch by signed commit/reveal, then per round trains on its share, submits its
/// masked update with the signed commitment, approves U's list, answers the decryption session if it is in D, and
/// downloads the published model. The service runs unweighted FedAvg (max-weight 1).
/// </summary>
internal sealed class NetworkDemo : IAsyncDisposable
{
    private readonly SecureDemo _plan;
    private readonly ConsortiumConfig _config;
    private readonly AggregatorHost _host;
    private readonly ParticipantClient[] _clients;
    private readonly HospitalWorker[] _workers;
    private readonly ParticipantClient? _observer;

    private NetworkDemo(SecureDemo plan, ConsortiumConfig config, AggregatorHost host, ParticipantClient[] clients, TimeSpan setup, HospitalWorker[]? workers = null, ParticipantClient? observer = null)
    {
        _plan = plan;
        _config = config;
        _host = host;
        _clients = clients;
        _workers = workers ?? [];
        _observer = observer;
        SetupTime = setup;
    }

    /// <summary>Whether the hospitals are separate processes.</summary>
    public bool Processes => _workers.Length > 0;

    public TimeSpan SetupTime { get; }

    public Uri Address => _host.Address;

    /// <summary>The consortium file the demo wrote (what every hospital and the aggregator read).</summary>
    public ConsortiumConfig Config => _config;

    /// <summary>Writes the consortium under <paramref name="root"/>, starts the aggregator and joins every hospital.</summary>
    public static async Task<NetworkDemo> StartAsync(SecureDemo plan, string root, bool processes, CancellationToken token)
    {
        var watch = Stopwatch.StartNew();
        DemoOptions o = plan.Options;
        (ConsortiumLayout files, ConsortiumConfig config) = plan.WriteConsortium(Path.Combine(root, "consortium"));
        AggregatorHost host = await AggregatorHost.StartAsync(new AggregatorHostOptions
        {
            ConfigPath = files.ConsortiumFile,
            ServerCertificate = AggregatorHostOptions.LoadCertificate(files.AggregatorCertificate, files.AggregatorKey),
            ModelLayout = plan.Layout,
            Rounds = o.Rounds,
            TickInterval = TimeSpan.FromMilliseconds(50),
        }, token);
        if (processes)
        {
            var ci = CultureInfo.InvariantCulture;
            HospitalWorker[] workers = [.. plan.Ids.Select((id, i) => HospitalWorker.Start(id, [
                "--consortium", Path.Combine(root, "consortium"), "--id", id, "--index", $"{i}", "--aggregator", host.Address.ToString(),
                "--hospitals", $"{o.Hospitals}", "--rounds", $"{o.Rounds}", "--bits", $"{o.Bits}", "--epsilon", o.Epsilon.ToString("R", ci),
                "--delta", o.Delta.ToString("R", ci), "--clip", o.Clip.ToString("R", ci), "--alpha", o.Alpha.ToString("R", ci), "--seed", $"{o.Seed}",
                "--scheme", SecAgg.Protocol.HeSchemeNames.Name(o.Scheme)]))];
            try
            {
                foreach (HospitalWorker w in workers)
                {
                    string line = await w.NextLineAsync(token);
                    if (line != "joined")
                    {
                        throw new InvalidOperationException($"{w.Id} reported '{line}' instead of joining.");
                    }
                }
            }
            catch
            {
                foreach (HospitalWorker w in workers)
                {
                    w.Dispose();
                }

                await host.DisposeAsync();
                throw;
            }

            // Reads only (status, the published model): an observer with the first hospital's identity and its own state folder.
            ParticipantClient observer = CreateClient(files, plan.Ids[0], host.Address, Path.Combine(root, "observer"));
            return new NetworkDemo(plan, config, host, [], watch.Elapsed, workers, observer);
        }

        ParticipantClient[] clients = [.. plan.Ids.Select(id => CreateClient(files, id, host.Address, Path.Combine(root, "state", id)))];
        await Task.WhenAll(clients.Select(c => c.JoinAsync(token)));
        return new NetworkDemo(plan, config, host, clients, watch.Elapsed);
    }

    /// <summary>A hospital's client: its certificate and key from the demo folder, the consortium file, its own state folder.</summary>
    public static ParticipantClient CreateClient(ConsortiumLayout files, string id, Uri aggregator, string state) => new(new ParticipantClientOptions
    {
        Aggregator = aggregator,
        ClientCertificate = PemCertificate.LoadWithKey(files.Participants[id].Certificate, files.Participants[id].Key!),
        ConsortiumFile = files.ConsortiumFile,
        StateDirectory = state,
        ParticipantId = id,
        PollInterval = TimeSpan.FromMilliseconds(50),
    });

    /// <summary>The rounds; <paramref name="stage"/> hears what is happening.</summary>
    public async IAsyncEnumerable<DemoRound> RunAsync(Action<string>? stage, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
    {
        BaselineRunner baseline = _plan.Baseline;
        DemoOptions o = _plan.Options;
        using IEnumerator<BaselineRound> reference = baseline.Run().GetEnumerator();
        float[] global = new float[_plan.Dimension];
        int shareBytes = _config.Preset.Aggregation.ShareBytes;
        for (int round = 1; round <= o.Rounds; round++)
        {
            stage?.Invoke($"round {round}: plaintext references");
            reference.MoveNext();
            BaselineRound plain = reference.Current;

            var watch = Stopwatch.StartNew();
            HospitalRoundReport[] reports;
            TimeSpan train;
            ParticipantClient reader;
            if (Processes)
            {
                stage?.Invoke($"round {round}: {o.Hospitals} hospital processes train, mask, upload, approve, decrypt");
                var parsed = new List<HospitalRoundReport>();
                double trainMs = 0;
                foreach (HospitalWorker w in _workers)
                {
                    string[] parts = (await w.NextLineAsync(token)).Split(' ');
                    if (parts.Length != 7 || parts[0] != "round" || parts[1] != $"{round}")
                    {
                        throw new InvalidOperationException($"{w.Id} reported '{string.Join(' ', parts)}' in round {round}.");
                    }

                    double[] v = [.. parts.Skip(2).Select(p => double.Parse(p, CultureInfo.InvariantCulture))];
                    trainMs = Math.Max(trainMs, v[0]);
                    parsed.Add(new HospitalRoundReport(v[1], v[2], (long)v[3], (long)v[4]));
                }

                reports = [.. parsed];
                train = TimeSpan.FromMilliseconds(trainMs);
                reader = _observer!;
            }
            else
            {
                stage?.Invoke($"round {round}: hospitals train");
                float[] start = global;
                int r = round;
                float[][] updates = new float[o.Hospitals][];
                Parallel.For(0, o.Hospitals, i => updates[i] = baseline.Training.ComputeUpdate(baseline.Hospitals[i], start, r, i));
                train = watch.Elapsed;
                stage?.Invoke($"round {round}: mask, upload, approve, decrypt (mTLS)");
                reports = await Task.WhenAll(_clients.Select((c, i) => HospitalRound.RunAsync(c, updates[i], r, shareBytes, token)));
                reader = _clients[0];
            }

            watch.Restart();
            stage?.Invoke($"round {round}: aggregator publishes");
            ulong version = await reader.WaitForPublicationAsync((ulong)round, token);
            TimeSpan publish = watch.Elapsed;
            watch.Restart();
            GlobalModel model = await reader.FetchGlobalModelAsync(version, token);
            global = model.Values;
            TimeSpan fetch = watch.Elapsed;

            var times = new StageTimes(train, TimeSpan.FromMilliseconds(reports.Max(x => x.UploadMs)), publish, TimeSpan.FromMilliseconds(reports.Max(x => x.DecryptMs)), fetch);
            var bytes = new WireBytes(reports.Sum(x => x.BytesSent), reports.Sum(x => x.ShareBytes), (long)o.Hospitals * model.Values.Length * sizeof(float));
            double epsilon = SecureDemo.EpsilonAfter(_config.Preset, round);
            yield return new DemoRound(round, LogisticRegression.Accuracy(global, baseline.Test), plain.FedAvg, plain.Alone, epsilon, new SecureRoundResult(round, model.Values, times, bytes));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (ParticipantClient c in _clients)
        {
            using var leaving = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await c.ReportLeavingAsync(0, leaving.Token);
            c.Dispose();
        }

        foreach (HospitalWorker w in _workers)
        {
            w.Dispose();
        }

        _observer?.Dispose();
        await _host.DisposeAsync();
    }
}
