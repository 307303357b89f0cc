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
    private readonly HospitalWorker[] _workers;
    private readonly ParticipantClient? _observer;

    private NetworkDemo(SecureDemo plan, AggregatorHost host, ParticipantClient[] clients, TimeSpan setup, HospitalWorker[]? workers = null, ParticipantClient? observer = null)
    {
        _plan = plan;
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

    /// <summary>Writes the consortium under <paramref name="root"/>, starts the aggregator and joins every hospital.</summary>
    public static async Task<NetworkDemo> StartAsync(SecureDemo plan, string root, bool processes, CancellationToken token)
    {
        var watch = Stopwatch.StartNew();
        DemoOptions o = plan.Options;
        string[] ids = [.. Enumerable.Range(1, o.Hospitals).Select(i => $"hospital-{i}")];
        ConsortiumLayout files = ConsortiumInitializer.Initialize(new ConsortiumInitOptions(
            Path.Combine(root, "consortium"), "wdbc-demo", ids, plan.Threshold, o.Hospitals, ["localhost"],
            Bits: o.Bits, Clip: o.Clip, NoiseSigma: null, TargetEpsilon: o.Epsilon, Rounds: o.Rounds, BudgetEpsilon: o.Epsilon, Delta: o.Delta, Scheme: o.Scheme));
        AggregatorHost host = await AggregatorHost.StartAsync(new AggregatorHostOptions
        {
            ConfigPath = files.ConsortiumFile,
            ServerCertificate = AggregatorHostOptions.LoadCertificate(files.AggregatorCertificate, files.AggregatorKey),
            ModelLayout = plan.Layout,
            Rounds = o.Rounds,
            TickInterval = TimeSpan.FromMilliseconds(50),
        }, token);
        X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(files.CaCertificate));
        if (processes)
        {
            var ci = System.Globalization.CultureInfo.InvariantCulture;
            HospitalWorker[] workers = [.. ids.Select((id, i) => HospitalWorker.Start(id, [
                "--consortium", Path.Combine(root, "consortium"), "--id", id, "--index", $"{i}", "--aggregator", host.Address.ToString(),
                "--hospitals", $"{o.Hospitals}", "--rounds", $"{o.Rounds}", "--bits", $"{o.Bits}", "--epsilon", o.Epsilon.ToString("R", ci),
                "--delta", o.Delta.ToString("R", ci), "--clip", o.Clip.ToString("R", ci), "--alpha", o.Alpha.ToString("R", ci), "--seed", $"{o.Seed}"]))];
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

            var observer = new ParticipantClient(new ParticipantClientOptions
            {
                Aggregator = host.Address,
                ClientCertificate = AggregatorHostOptions.LoadCertificate(files.Participants[ids[0]].Certificate, files.Participants[ids[0]].Key),
                CertificateAuthority = ca,
                StateDirectory = Path.Combine(root, "observer"),
                ParticipantId = ids[0],
                PollInterval = TimeSpan.FromMilliseconds(50),
            });
            return new NetworkDemo(plan, host, [], watch.Elapsed, workers, observer);
        }

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

            if (Processes)
            {
                stage?.Invoke($"round {round}: {o.Hospitals} hospital processes train, encrypt, upload, decrypt");
                var reports = new List<double[]>();
                foreach (HospitalWorker w in _workers)
                {
                    string[] parts = (await w.NextLineAsync(token)).Split(' ');
                    if (parts.Length != 6 || parts[0] != "round" || parts[1] != $"{round}")
                    {
                        throw new InvalidOperationException($"{w.Id} reported '{string.Join(' ', parts)}' in round {round}.");
                    }

                    reports.Add([.. parts.Skip(2).Select(p => double.Parse(p, System.Globalization.CultureInfo.InvariantCulture))]);
                }

                var fetchWatch = Stopwatch.StartNew();
                ulong published = await _observer!.WaitForPublicationAsync((ulong)round, token);
                TimeSpan publishWait = fetchWatch.Elapsed;
                fetchWatch.Restart();
                GlobalModel m = await _observer.FetchGlobalModelAsync(published, token);
                global = m.Values;
                accountant.ComposeDdg(_plan.Ddg, 1);
                var times = new StageTimes(
                    TimeSpan.FromMilliseconds(reports.Max(r => r[0])), TimeSpan.FromMilliseconds(reports.Max(r => r[1])), publishWait,
                    TimeSpan.FromMilliseconds(reports.Max(r => r[2])), fetchWatch.Elapsed);
                var wire = new WireBytes((long)reports.Sum(r => r[3]), 0, 0, (long)o.Hospitals * m.Values.Length * sizeof(float));
                yield return new DemoRound(round, LogisticRegression.Accuracy(global, baseline.Test), plain.FedAvg, plain.Alone, accountant.GetEpsilon(o.Delta).Epsilon, new SecureRoundResult(round, m.Values, [], times, wire));
                continue;
            }

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

        foreach (HospitalWorker w in _workers)
        {
            w.Dispose();
        }

        _observer?.Dispose();
        await _host.DisposeAsync();
    }
}
