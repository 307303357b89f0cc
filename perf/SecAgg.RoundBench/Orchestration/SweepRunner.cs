using System.Diagnostics;
using System.Globalization;
using SecAgg.Perf.Reporting;
using SecAgg.Protocol;
using SecAgg.RoundBench.Wan;
using Spectre.Console;

namespace SecAgg.RoundBench.Orchestration;

/// <summary>What to sweep.</summary>
internal sealed record SweepOptions
{
    public required IReadOnlyList<int> Participants { get; init; }

    public required IReadOnlyList<int> Dimensions { get; init; }

    public required IReadOnlyList<bool> Dp { get; init; }

    /// <summary>When set, "DP off" runs only at this d (the full grid: noise sampling is a small part of a round, so one d shows it).</summary>
    public int? DpOffOnlyAt { get; init; }

    /// <summary>Keep the other configurations already in the output folder's roundbench.json.</summary>
    public bool Append { get; init; }

    /// <summary>Rounds per configuration (round 1 is cold and left out of summaries).</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Rounds for configurations with d ≥ <see cref="LargeDimension"/> (bounded to keep the full grid affordable).</summary>
    public int LargeRounds { get; init; } = 2;

    public int LargeDimension { get; init; } = 10_000_000;

    public int Bits { get; init; } = 16;

    public double TargetEpsilon { get; init; } = 8;

    public TimeSpan ConfigTimeout { get; init; } = TimeSpan.FromMinutes(15);

    public required string OutputDirectory { get; init; }

    public required string Command { get; init; }

    public string Sdk { get; init; } = "";

    /// <summary>The WAN profile (namespaces, shaped links, delay proxy); null: every process on this namespace's loopback.</summary>
    public WanProfile? Wan { get; init; }
}

/// <summary>
/// Runs the sweep: per (N, d, DP) a fresh consortium (<c>secagg consortium init</c>), the aggregator and N participants
/// as processes of this executable (roles), the plaintext FedAvg server and N plaintext participants next to them, then
/// R rounds alternating secure and plaintext (so a noisy phase of the shared machine hits both). Every process is killed
/// when a configuration fails or times out; the failure is recorded and the sweep goes on.
/// </summary>
internal sealed class SweepRunner(SweepOptions options)
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    public async Task<SweepResult> RunAsync(CancellationToken token)
    {
        var started = DateTime.UtcNow;
        var wall = Stopwatch.StartNew();
        string loadStart = LoadAverage();
        var configs = (from n in options.Participants from d in options.Dimensions from dp in options.Dp where dp || options.DpOffOnlyAt is null || options.DpOffOnlyAt == d select (n, d, dp)).ToList();
        // --append: keep the configurations of an earlier sweep in the same folder that this one does not re-run.
        var results = new List<ConfigResult>();
        string existing = Path.Combine(options.OutputDirectory, "roundbench.json");
        if (options.Append && File.Exists(existing))
        {
            SweepResult earlier = SweepResult.FromJson(File.ReadAllText(existing));
            results.AddRange(earlier.Configs.Where(c => !configs.Contains((c.Participants, c.Dimension, c.Dp))));
            started = earlier.StartedUtc;
        }

        Directory.CreateDirectory(options.OutputDirectory);
        if (options.Wan is { } wan)
        {
            await wan.UpAsync(options.Participants.Max(), token);
        }

        try
        {
            await RunConfigsAsync(configs, results, started, wall, loadStart, token);
        }
        finally
        {
            if (options.Wan is not null)
            {
                await WanProfile.DownAsync();
            }
        }

        var sweep = new SweepResult { Command = options.Command, StartedUtc = started, TotalSeconds = wall.Elapsed.TotalSeconds, RoundsRequested = options.Rounds, Machine = Machine(loadStart, LoadAverage()), Configs = results };
        Save(sweep);
        return sweep;
    }

    private async Task RunConfigsAsync(List<(int N, int D, bool Dp)> configs, List<ConfigResult> results, DateTime started, Stopwatch wall, string loadStart, CancellationToken token)
    {
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                ProgressTask overall = ctx.AddTask("sweep", maxValue: configs.Count);
                foreach (var (n, d, dp) in configs)
                {
                    token.ThrowIfCancellationRequested();
                    string key = $"N={n} d={ConfigResult.Exp(d)} DP {(dp ? "on" : "off")}";
                    overall.Description = Markup.Escape(key);
                    ConfigResult result = await RunConfigAsync(n, d, dp, status => overall.Description = Markup.Escape($"{key}: {status}"), token);
                    results.Add(result);
                    Report(result);
                    overall.Increment(1);

                    // Write what we have after every configuration, so an interrupted sweep still leaves its data.
                    Save(new SweepResult { Command = options.Command, StartedUtc = started, TotalSeconds = wall.Elapsed.TotalSeconds, RoundsRequested = options.Rounds, Machine = Machine(loadStart, LoadAverage()), Configs = results });
                }

                overall.Description = "sweep done";
            });
    }

    private void Save(SweepResult sweep)
    {
        File.WriteAllText(Path.Combine(options.OutputDirectory, "roundbench.json"), sweep.ToJson());
        File.WriteAllText(Path.Combine(options.OutputDirectory, "roundbench-rounds.csv"), RoundBenchCsv.Rounds(sweep));
        File.WriteAllText(Path.Combine(options.OutputDirectory, "roundbench-summary.csv"), RoundBenchCsv.Summary(sweep));
        if (options.Wan is not null)
        {
            File.WriteAllLines(Path.Combine(options.OutputDirectory, "wan-links.csv"), ["participants,dimension,dp,path,round,site_to_aggregator_bytes,aggregator_to_site_bytes", .. _linkRows]);
        }
    }

    private static void Report(ConfigResult r)
    {
        if (r.Error is not null)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(r.Key)} failed:[/] {Markup.Escape(r.Error)}");
            return;
        }

        Spread secure = Spread.OfStage(r.Secure, Stage.Round), plain = Spread.OfStage(r.Plaintext, Stage.Round);
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"[green]{Markup.Escape(r.Key)}[/]: join {r.JoinSeconds:0.0} s; secure round {secure.Median:0.000} s ({secure.Min:0.000}-{secure.Max:0.000}), plaintext {plain.Median:0.000} s, ratio {secure.Median / plain.Median:0.0}x; {r.Secure.LastOrDefault()?.BytesPerParticipant / 1e6:0.00} MB/participant; CPU {Spread.OfCpu(r.Secure).Median:0.0} s secure, {Spread.OfCpu(r.Plaintext).Median:0.0} s plaintext"));
    }

    private async Task<ConfigResult> RunConfigAsync(int n, int d, bool dp, Action<string> status, CancellationToken outer)
    {
        int rounds = d >= options.LargeDimension ? options.LargeRounds : options.Rounds;
        string root = Path.Combine(Path.GetTempPath(), $"secagg-roundbench-{Guid.NewGuid():N}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(outer);
        timeout.CancelAfter(options.ConfigTimeout);
        CancellationToken token = timeout.Token;
        var children = new List<ChildProcess>();
        double z = dp ? double.NaN : MinimalNoiseMultiplier(n, d, options.Bits);
        var result = new ConfigResult { Participants = n, Dimension = d, Dp = dp, Bits = options.Bits, NoiseMultiplier = double.IsNaN(z) ? 0 : z };
        try
        {
            status("consortium init");
            string consortium = Path.Combine(root, "consortium");
            string[] ids = [.. Enumerable.Range(1, n).Select(i => $"hospital-{i}")];
            await InitConsortiumAsync(consortium, ids, d, dp, z, rounds, token);

            status("starting processes, joining the key epoch");
            double setupStart = Clock.Now();
            string? serverSide = options.Wan is null ? null : WanProfile.AggregatorNamespace;
            var aggregator = Start(children, serverSide, "aggregator", ["role-aggregator", "--consortium", Path.Combine(consortium, "consortium.yaml"), "--cert", Path.Combine(consortium, "aggregator", "aggregator.pem"), "--key", Path.Combine(consortium, "aggregator", "aggregator.key"), "--dimension", Num(d), "--rounds", Num(rounds)]);
            var plainServer = Start(children, serverSide, "plaintext server", ["role-plain-server", "--consortium", consortium, "--participants", Num(n), "--dimension", Num(d)]);
            string aggregatorUrl = await aggregator.ReadAsync("listening", token);
            string plainUrl = await plainServer.ReadAsync("listening", token);
            ChildProcess? proxy = null;
            if (options.Wan is { } wan)
            {
                // Both servers listen on the aggregator namespace's loopback; the sites reach them through the proxy.
                proxy = Start(children, serverSide, "delay proxy", ["role-delay-proxy", "--listen", WanProfile.AggregatorAddress, "--to", $"127.0.0.1:{new Uri(aggregatorUrl).Port},127.0.0.1:{new Uri(plainUrl).Port}", "--delay-ms", wan.OneWayMs.ToString("R", CultureInfo.InvariantCulture)]);
                string[] ports = (await proxy.ReadAsync("listening", token)).Split(',');
                aggregatorUrl = $"https://{WanProfile.AggregatorAddress}:{ports[0]}";
                plainUrl = $"https://{WanProfile.AggregatorAddress}:{ports[1]}";
            }

            ChildProcess[] participants = [.. ids.Select((id, i) => Start(children, Site(i), $"participant {id}", ["role-participant", "--consortium", consortium, "--id", id, "--index", Num(i), "--aggregator", aggregatorUrl, "--dimension", Num(d), "--state", Path.Combine(root, "state", id)]))];
            Task<double>[] joining = [.. participants.Select(async p => double.Parse(await p.ReadAsync("joined", token), CultureInfo.InvariantCulture))];
            await AllOrFirstFailureAsync(joining);
            double[] joins = [.. joining.Select(t => t.Result)];

            // The plaintext participants start once the secure ones have joined (not all 2N processes at once: on two
            // shared cores the start-up storm made TLS connections time out).
            ChildProcess[] plain = [.. ids.Select((id, i) => Start(children, Site(i), $"plaintext participant {id}", ["role-plain-participant", "--consortium", consortium, "--id", id, "--index", Num(i), "--server", plainUrl, "--dimension", Num(d)]))];
            await AllOrFirstFailureAsync(plain.Select(p => p.ReadAsync("joined", token)));
            result = result with { JoinSeconds = joins.Max(), SetupSeconds = Clock.Now() - setupStart };

            for (int r = 1; r <= rounds; r++)
            {
                status($"round {r}/{rounds} secure");
                result.Secure.Add(await WithLinkBytesAsync(n, d, dp, r, "secure", () => RoundAsync(aggregator, participants, r, secure: true, token), token));
                status($"round {r}/{rounds} plaintext");
                result.Plaintext.Add(await WithLinkBytesAsync(n, d, dp, r, "plaintext", () => RoundAsync(plainServer, plain, r, secure: false, token), token));
            }

            // The secure rounds' published means against the sites' own updates (ParticipantRole.CheckModelsAsync).
            status("checking the published models");
            await participants[0].SendAsync("check");
            string[] check = (await participants[0].ReadAsync("check", token)).Split(' ');
            if (check[0] != "ok")
            {
                throw new InvalidDataException($"round {check[3]} published a wrong mean: max error {check[1]} over the DDG bound {check[2]}");
            }

            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"published means checked (rounds 2-{rounds}): max error {double.Parse(check[1], CultureInfo.InvariantCulture):G3}, DDG bound {double.Parse(check[2], CultureInfo.InvariantCulture):G3}"));
            result = result with { Chunks = _lastChunks };
            if (proxy is not null)
            {
                await proxy.SendAsync("stats");
                string[] stats = (await proxy.ReadAsync("stats", token)).Split(' ');
                AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"delay proxy: {double.Parse(stats[0], CultureInfo.InvariantCulture):0.0} CPU-s over the configuration (join and {rounds} + {rounds} rounds), {stats[1]} connections"));
            }

            status("stopping");
            await Task.WhenAll(children.Select(c => c.StopAsync(Grace)));
            return result;
        }
        catch (Exception e) when (e is BenchmarkFailedException or InvalidDataException or IOException or FormatException || (e is OperationCanceledException && !outer.IsCancellationRequested))
        {
            string message = e is OperationCanceledException ? $"timed out after {options.ConfigTimeout.TotalMinutes:0} min" : e.Message;
            return result with { Error = message };
        }
        finally
        {
            await Task.WhenAll(children.Select(async c => await c.DisposeAsync()));
            try
            {
                Directory.Delete(root, true);
            }
            catch (IOException)
            {
            }
        }
    }

    private int _lastChunks;

    /// <summary>WAN profile: per round and path, the bytes on the site links (wan-links.csv).</summary>
    private readonly List<string> _linkRows = [];

    /// <summary>Runs one round; in the WAN profile, also the bytes the site links carried from before its reset to after its end.</summary>
    private async Task<RoundRecord> WithLinkBytesAsync(int n, int d, bool dp, int round, string path, Func<Task<RoundRecord>> run, CancellationToken token)
    {
        if (options.Wan is null)
        {
            return await run();
        }

        var before = await WanProfile.LinkBytesAsync(n, token);
        RoundRecord record = await run();
        var after = await WanProfile.LinkBytesAsync(n, token);
        _linkRows.Add(string.Create(CultureInfo.InvariantCulture, $"{n},{d},{(dp ? "on" : "off")},{path},{round},{after.Up - before.Up},{after.Down - before.Down}"));
        return record;
    }

    private async Task<RoundRecord> RoundAsync(ChildProcess server, ChildProcess[] participants, int round, bool secure, CancellationToken token)
    {
        await server.SendAsync("reset");
        await server.ReadAsync("reset-ok", token);
        await AllOrFirstFailureAsync(participants.Select(async p =>
        {
            await p.SendAsync("reset");
            await p.ReadAsync("reset-ok", token);
        }));

        // Start the clock only once the round is open (the aggregator checks the privacy budget before opening it);
        // how long that took after the previous publication (or the key) is kept apart as "round_open".
        double openWait = 0;
        if (secure)
        {
            await participants[0].SendAsync($"await-open {round}");
            openWait = double.Parse(await participants[0].ReadAsync("open", token), CultureInfo.InvariantCulture);
        }
        else
        {
            await Task.Delay(50, token);
        }
        var events = new List<ServerEvent>();
        Task<List<ServerEvent>> serverSide = Task.Run(async () =>
        {
            while (true)
            {
                ServerEvent e = RoleIo.Parse<ServerEvent>(await server.ReadAsync("event", token));
                if (e.Round != round)
                {
                    continue;
                }

                events.Add(e);
                if (e.Kind == "published")
                {
                    return events;
                }
            }
        }, token);
        double t0 = Clock.Now();
        await Task.WhenAll(participants.Select(p => p.SendAsync($"go {round}")));
        Task<ParticipantRound>[] rounds = [.. participants.Select(async p => RoleIo.Parse<ParticipantRound>(await p.ReadAsync("round", token)))];
        await AllOrFirstFailureAsync([.. rounds, serverSide]);
        ParticipantRound[] reports = [.. rounds.Select(t => t.Result)];
        List<ServerEvent> seen = serverSide.Result;
        await server.SendAsync("stats");
        ServerStats stats = RoleIo.Parse<ServerStats>(await server.ReadAsync("stats", token));
        if (secure)
        {
            _lastChunks = reports[0].Chunks;
            // The quantization alone, after the round (not beside its downloads) and one participant at a time.
            for (int i = 0; i < participants.Length; i++)
            {
                await participants[i].SendAsync($"quantize {round}");
                double alone = double.Parse(await participants[i].ReadAsync("quantize", token), CultureInfo.InvariantCulture);
                reports[i] = reports[i] with { QuantizeSeconds = alone };
            }
        }

        return new RoundRecord
        {
            Round = round,
            Stages = new Dictionary<string, double>(Stages(t0, reports, seen, secure)) { [Stage.RoundOpen] = openWait },
            BytesPerParticipant = (long)Median(reports.Select(r => (double)r.Bytes)),
            AggregatorPeakBytes = stats.PeakBytes,
            ParticipantPeakBytes = reports.Max(r => r.PeakBytes),
            AggregatorCpuSeconds = stats.CpuSeconds,
            ParticipantCpuSeconds = reports.Sum(r => r.CpuSeconds),
            DecryptionShareBytes = reports.Sum(r => r.ShareBytes),
        };
    }

    /// <summary>Consecutive critical-path intervals (they add up to the round) plus per-participant medians.</summary>
    internal static Dictionary<string, double> Stages(double t0, IReadOnlyList<ParticipantRound> reports, IReadOnlyList<ServerEvent> events, bool secure)
    {
        double encrypted = reports.Max(r => r.Encrypted);
        double counted = events.Where(e => e.Kind == "counted").Select(e => e.Time).DefaultIfEmpty(reports.Max(r => r.Uploaded)).Max();
        double published = events.Single(e => e.Kind == "published").Time;
        double closed = secure ? events.Where(e => e.Kind == "closed").Select(e => e.Time).DefaultIfEmpty(published).First() : published;

        // The "counted" log line can be written just after the driver, woken by that commit, closed collection.
        counted = Math.Max(Math.Min(counted, closed), encrypted);
        double decrypting = secure ? Math.Max(closed, events.Where(e => e.Kind == "decrypting").Select(e => e.Time).DefaultIfEmpty(closed).First()) : published;
        double shares = secure ? events.Where(e => e.Kind == "shares").Select(e => e.Time).DefaultIfEmpty(decrypting).Max() : published;
        double decrypted = secure ? Math.Min(published, Math.Max(shares, events.Where(e => e.Kind == "decrypted").Select(e => e.Time).DefaultIfEmpty(published).First())) : published;
        double fetched = reports.Max(r => r.Fetched);
        double quantize = Math.Min(Median(reports.Select(r => r.QuantizeSeconds)), encrypted - t0);
        return new Dictionary<string, double>
        {
            [Stage.Quantize] = quantize,
            [Stage.Encrypt] = encrypted - t0 - quantize,
            [Stage.Upload] = counted - encrypted,
            [Stage.Aggregate] = closed - counted,
            [Stage.Approve] = decrypting - closed,
            [Stage.DecryptionShares] = shares - decrypting,
            [Stage.CombinePublish] = published - shares,
            [Stage.Download] = fetched - published,
            [Stage.Round] = fetched - t0,
            [Stage.ParticipantEncrypt] = Median(reports.Select(r => r.Encrypted - r.Go)),
            [Stage.ParticipantUpload] = Median(reports.Select(r => r.Uploaded - r.Encrypted)),
            [Stage.Decrypt] = decrypted - shares,
        };
    }

    /// <summary>Waits for every task, but surfaces the first failure at once (the others would wait for the failed process forever).</summary>
    private static async Task AllOrFirstFailureAsync(IEnumerable<Task> tasks)
    {
        var pending = tasks.ToList();
        while (pending.Count > 0)
        {
            Task done = await Task.WhenAny(pending);
            await done;
            pending.Remove(done);
        }
    }

    private static double Median(IEnumerable<double> values) => Spread.Of(values).Median;

    private string? Site(int index) => options.Wan is null ? null : WanProfile.SiteNamespace(index);

    private static ChildProcess Start(List<ChildProcess> children, string? networkNamespace, string name, string[] arguments)
    {
        ChildProcess child = ChildProcess.Start(name, [.. arguments, "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)], networkNamespace);
        children.Add(child);
        return child;
    }

    private async Task InitConsortiumAsync(string directory, string[] ids, int d, bool dp, double z, int rounds, CancellationToken token)
    {
        string secagg = Path.Combine(AppContext.BaseDirectory, "secagg");
        List<string> args = ["consortium", "init", "--demo-keys", "--out", directory, "--model-dimension", Num(d), "--name", "roundbench", "--participants", string.Join(',', ids), "--aggregator-host", "localhost", .. (options.Wan is null ? (string[])[] : [WanProfile.AggregatorAddress]), "--bits", Num(options.Bits), "--rounds", Num(rounds)];
        if (dp)
        {
            args.AddRange(["--target-epsilon", options.TargetEpsilon.ToString("R", CultureInfo.InvariantCulture), "--budget-epsilon", options.TargetEpsilon.ToString("R", CultureInfo.InvariantCulture)]);
        }
        else
        {
            args.AddRange(["--noise-multiplier", z.ToString("R", CultureInfo.InvariantCulture), "--budget-epsilon", "1e300"]);
        }

        await ToolProcess.RunAsync("secagg consortium init", secagg, args, token);
    }

    /// <summary>
    /// "DP off": the mechanism has no off switch (σ_int ≥ 1/2 is required), so use the noise multiplier that gives
    /// σ_int ≈ 1 — the least noise the product accepts; the sampler still runs. Derived with the aggregator's own
    /// preset and parameter checks.
    /// </summary>
    internal static double MinimalNoiseMultiplier(int n, int d, int bits = 16)
    {
        var settings = new DdgSettings(bits, 1.0, 1.0);
        const double probe = 1e-3;
        double sigmaAtProbe = (settings with { NoiseMultiplier = probe }).Create(n, d).SigmaInt;
        double z = probe / sigmaAtProbe;
        for (int i = 0; i < 20; i++)
        {
            try
            {
                if ((settings with { NoiseMultiplier = z }).Create(n, d).SigmaInt >= 1)
                {
                    return z;
                }
            }
            catch (ArgumentException)
            {
            }

            z *= 1.25;
        }

        return probe;
    }

    private MachineInfo Machine(string loadStart, string loadEnd) => new()
    {
        Cpu = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "" : "",
        Cores = Environment.ProcessorCount,
        MemoryGiB = File.Exists("/proc/meminfo") ? double.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / (1024 * 1024) : 0,
        Os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        Runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        Sdk = options.Sdk,
        LoadAverageStart = loadStart,
        LoadAverageEnd = loadEnd,
    };

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "";

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
