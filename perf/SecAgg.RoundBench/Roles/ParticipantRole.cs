using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Aggregator.Service;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Participant.Client;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Consortium;
using SecAgg.Quantize.Ddg;
using SecAgg.RoundBench.Orchestration;
using Grpc.Core;

namespace SecAgg.RoundBench.Roles;

/// <summary>
/// One participant as its own OS process: the real <see cref="ParticipantClient"/> over mutual TLS. At start it joins the
/// key epoch ("@joined seconds"); each "go R" runs one round exactly as <c>secagg participant submit</c> does (submit,
/// answer the decryption request, wait for and download the model) and reports "@round {json}" with the time its
/// ciphertexts were stored (the client stores them before sending: the file's appearance ends quantize+encrypt), its
/// upload acknowledged, its shares sent and the model downloaded and its peak memory (VmHWM since "reset"); "quantize R",
/// sent once the whole round is over, measures the DDG quantization alone on the same update and round parameters.
/// </summary>
internal static class ParticipantRole
{
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> args)
    {
        string consortium = args["consortium"], id = args["id"], state = args["state"];
        int dimension = int.Parse(args["dimension"], CultureInfo.InvariantCulture);
        int index = int.Parse(args["index"], CultureInfo.InvariantCulture);
        var aggregator = new Uri(args["aggregator"]);
        X509Certificate2 certificate = AggregatorHostOptions.LoadCertificate(Path.Combine(consortium, "participants", id, "client.pem"), Path.Combine(consortium, "participants", id, "client.key"));
        X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(consortium, "ca", "ca.pem")));
        string consortiumFile = Path.Combine(consortium, "consortium.yaml");
        ProtocolPreset preset = ProtocolPresets.For(ConsortiumConfigLoader.Load(consortiumFile).Descriptor);
        using var client = new ParticipantClient(new ParticipantClientOptions
        {
            Aggregator = aggregator,
            ClientCertificate = certificate,
            ConsortiumFile = consortiumFile,
            StateDirectory = state,
            ParticipantId = id,
            PollInterval = TimeSpan.FromMilliseconds(20),
        });
        using var channel = AggregatorChannel.Create(aggregator, certificate, ca);
        var rpc = new Rounds.RoundsClient(channel.CallInvoker);
        float[] update = Update(dimension, index);

        double start = Clock.Now();
        JoinResult joined = await Retry(() => client.JoinAsync());
        RoleIo.Send("joined", (Clock.Now() - start).ToString("R", CultureInfo.InvariantCulture));

        await RoleIo.RunCommandsAsync(async (command, words) =>
        {
            switch (command)
            {
                case "reset":
                    PeakMemory.Reset();
                    ProcessCpu.Reset();
                    RoleIo.Send("reset-ok");
                    break;
                case "await-open":
                    // Waits until the aggregator has opened the round (it checks the privacy budget first), so the
                    // round's clock starts with the round open, as a participant that trains meanwhile would see it.
                    double waitStart = Clock.Now();
                    while (true)
                    {
                        try
                        {
                            _ = await rpc.GetRoundConfigAsync(new GetRoundConfigRequest { Round = ulong.Parse(words[0], CultureInfo.InvariantCulture) });
                            break;
                        }
                        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                        {
                            await Task.Delay(10);
                        }
                    }

                    RoleIo.Send("open", (Clock.Now() - waitStart).ToString("R", CultureInfo.InvariantCulture));
                    break;
                case "go":
                    ulong round = ulong.Parse(words[0], CultureInfo.InvariantCulture);
                    RoleIo.SendJson("round", await RoundAsync(client, state, update, round, preset.Aggregation.ShareBytes));
                    break;
                case "check":
                    // After the configuration's last round (so its arrays never count in a round's peak memory).
                    RoleIo.Send("check", await CheckModelsAsync(client, preset, dimension, ConsortiumConfigLoader.Load(consortiumFile).Descriptor.ParticipantCount));
                    break;
                case "quantize":
                    double seconds = await QuantizeAloneAsync(rpc, preset, update, ulong.Parse(words[0], CultureInfo.InvariantCulture));
                    RoleIo.Send("quantize", seconds.ToString("R", CultureInfo.InvariantCulture));
                    break;
                default:
                    RoleIo.Send("error", $"unknown command '{command}'");
                    break;
            }
        });
        return 0;
    }

    private static uint[]? s_quantizePiece;

    /// <summary>The model version each round published, for <see cref="CheckModelsAsync"/>.</summary>
    private static readonly SortedDictionary<ulong, ulong> PublishedVersions = [];

    /// <summary>
    /// Whether the secure rounds published the right mean: for every round r after the first, the published model minus
    /// round r − 1's is the mean of the N updates (each clipped to the DDG clip norm, as the encoder does; every site
    /// uploads weight 1 of max-weight 1), within 7·γ·√(N(σ² + 1/4))/N per coordinate: 7 standard deviations of the
    /// DDG error (the aggregation tests use 6 over far fewer coordinates; over 10^7 coordinates 6 would raise a false
    /// alarm in about 2 % of rounds, 7 in about 3·10^−5, and a wrongly computed mean misses it by orders of magnitude). The updates are the sites' own (<see cref="Update"/>, index 0 … N − 1). Returns
    /// "ok MAXERROR BOUND" or "bad MAXERROR BOUND ROUND": a round whose timing counted but whose result is wrong must not
    /// pass as a measurement.
    /// </summary>
    private static async Task<string> CheckModelsAsync(ParticipantClient client, ProtocolPreset preset, int dimension, int participants)
    {
        var expected = new double[dimension];
        for (int i = 0; i < participants; i++)
        {
            float[] u = Update(dimension, i);
            double norm = Math.Sqrt(u.Sum(x => (double)x * x));
            double clip = norm > preset.Ddg.ClipNorm ? preset.Ddg.ClipNorm / norm : 1.0;
            for (int j = 0; j < dimension; j++)
            {
                expected[j] += (float)(u[j] * clip) / participants;
            }
        }

        double bound = 7 * preset.Ddg.Gamma * Math.Sqrt(participants * (preset.Ddg.NoiseVariance + 0.25)) / participants + 1e-6;
        double worst = 0;
        float[]? previous = null;
        foreach ((ulong round, ulong version) in PublishedVersions)
        {
            float[] model = (await Retry(() => client.FetchGlobalModelAsync(version))).Values;
            if (previous is not null)
            {
                double error = 0;
                for (int j = 0; j < dimension; j++)
                {
                    error = Math.Max(error, Math.Abs(model[j] - previous[j] - expected[j]));
                }

                worst = Math.Max(worst, error);
                if (error > bound)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"bad {error:R} {bound:R} {round}");
                }
            }

            previous = model;
        }

        return string.Create(CultureInfo.InvariantCulture, $"ok {worst:R} {bound:R}");
    }

    private static async Task<ParticipantRound> RoundAsync(ParticipantClient client, string state, float[] update, ulong round, int shareBytes)
    {
        double go = Clock.Now();
        double uploaded;
        SubmitResult submitted;
        string progressFile = Path.Combine(state, $"upload-round-{round}.json");
        // The client writes its ciphertexts, then this progress record (temp file + rename), before it sends a byte: the
        // record's appearance marks the end of quantize + encrypt. Told by inotify (FileSystemWatcher), not by polling:
        // a 1 ms poll woke each participant ~500 times per round and its CPU counted in the secure round only.
        double encrypted = double.MaxValue;
        using (var watcher = new FileSystemWatcher(state, Path.GetFileName(progressFile)) { NotifyFilter = NotifyFilters.FileName })
        {
            void Seen(object? sender, FileSystemEventArgs e) => InterlockedMin(ref encrypted, Clock.Now());
            watcher.Created += Seen;
            watcher.Renamed += (sender, e) => Seen(sender, e);
            watcher.EnableRaisingEvents = true;
            submitted = await Retry(() => client.SubmitAsync(update, 1, round));
            uploaded = Clock.Now();
        }

        encrypted = Math.Min(encrypted, uploaded);
        RoundAnswer approval = await Retry(() => client.ApproveAsync(round));
        if (!approval.Done)
        {
            throw new InvalidDataException($"Round {round}: the participant did not approve: {approval.Detail}");
        }

        RoundAnswer decryption = await Retry(() => client.AnswerDecryptionAsync(round));
        double sharesSent = Clock.Now();
        // One request that waits for the publication and streams the model at once (not a status poll, then a download).
        GlobalModel model = await Retry(() => client.FetchRoundModelAsync(round));
        PublishedVersions[round] = model.ModelVersion;
        double fetched = Clock.Now();
        long peak = PeakMemory.ReadBytes();
        double cpu = ProcessCpu.Seconds();
        if (model.Values.Length != update.Length)
        {
            throw new InvalidDataException($"The published model has {model.Values.Length} values; the update had {update.Length}.");
        }

        return new ParticipantRound((int)round, go, encrypted, uploaded, sharesSent, fetched, 0, submitted.BytesSent, submitted.Chunks, peak, cpu,
            decryption.Done ? (long)decryption.Count * shareBytes : 0);
    }

    private static void InterlockedMin(ref double location, double value)
    {
        double seen = Volatile.Read(ref location);
        while (value < seen)
        {
            double found = Interlocked.CompareExchange(ref location, value, seen);
            if (found == seen)
            {
                return;
            }

            seen = found;
        }
    }

    /// <summary>
    /// The DDG quantization alone on the same update and round parameters ("quantize R", sent by the orchestrator once
    /// every participant has reported the round, one participant at a time): measured outside every round's timeline, so
    /// that it neither runs beside other participants' downloads nor counts in any round.
    /// </summary>
    private static async Task<double> QuantizeAloneAsync(Rounds.RoundsClient rpc, ProtocolPreset preset, float[] update, ulong round)
    {
        RoundConfig config = await rpc.GetRoundConfigAsync(new GetRoundConfigRequest { Round = round });
        var encoder = new DdgEncoder(preset.Ddg) { DegreeOfParallelism = -1 };
        // Through one chunk's piece buffer, as UpdateEncryptor quantizes: a whole-update destination here would be the
        // largest array this process ever held, and would count in the next round's peak memory.
        // Kept from one round to the next, as UpdateEncryptor keeps its pieces: a fresh array would time its first-touch
        // page faults (about 12 µs per 4 KiB page on the VMs measured), which the client's own quantization does not pay.
        int length = Math.Min(preset.Aggregation.ValuesPerChunk, preset.Ddg.PaddedDimension);
        uint[] piece = s_quantizePiece is { } kept && kept.Length == length ? kept : s_quantizePiece = new uint[length];
        double quantizeStart = Clock.Now();
        using (Prng random = Prng.CreateSecure())
        {
            encoder.Encode(update, 1.0, config.Quantization.RotationSeed.Span, random, piece, static (_, _) => { });
        }

        double quantize = Clock.Now() - quantizeStart;
        return quantize;
    }

    /// <summary>
    /// Retries a client call that failed to connect (UNAVAILABLE: on the loaded 2-core machine the server's TLS handshake
    /// timeout drops connections when N processes connect at once). Every call retried here is safe to repeat: the join
    /// and the upload resume from the participant's stored state, a repeated decryption request returns the stored share,
    /// and waiting for or downloading the model only reads.
    /// </summary>
    private static async Task<T> Retry<T>(Func<Task<T>> call)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.Internal && attempt < 5)
            {
                await Task.Delay(200 * attempt);
            }
        }
    }

    /// <summary>A deterministic benchmark update (not a secret): small values, norm well under the clip.</summary>
    public static float[] Update(int dimension, int index)
    {
        float[] u = new float[dimension];
        var rng = new Random(1000 + index);
        double scale = 1.0 / Math.Sqrt(dimension);
        for (int j = 0; j < u.Length; j++)
        {
            u[j] = (float)((rng.NextDouble() - 0.5) * scale);
        }

        return u;
    }
}
