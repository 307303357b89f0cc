// End-to-end round benchmark (issue 8): see perf/RESULTS.md and perf/run-benchmarks.sh.
//   sweep  [--quick | --full] [--participants 2,10] [--dimensions 100000,1000000] [--dp on,off] [--rounds 3]
//          [--large-rounds 2] [--config-timeout-min 15] [--out perf/results] [--sdk VERSION]
//          [--network wan --rate 1gbit --rtt-ms 20]   (WAN profile, issue 17: perf/wan/)
//   report --in perf/results/roundbench.json [--micro DIR] [--markdown perf/RESULTS.md] [--charts perf/results/charts]
//   wan-check --rate 1gbit --rtt-ms 20   (measures the WAN profile's link: RTT and rate)
// Hidden roles (started by sweep): role-aggregator, role-participant, role-plain-server, role-plain-participant,
// role-delay-proxy; by wan-check: role-tcp-echo, role-wan-probe.
using System.Globalization;
using SecAgg.Perf.Reporting;
using SecAgg.RoundBench.Orchestration;
using SecAgg.RoundBench.Roles;
using SecAgg.RoundBench.Wan;
using Spectre.Console;

if (args.Length == 0 || args.Any(a => a is "-h" or "--help"))
{
    Console.WriteLine("""
        SecAgg round benchmark.
          sweep  [--quick | --full] [--participants 2,10] [--dimensions 100000,1000000] [--dp on,off] [--rounds 3]
                 [--large-rounds 2] [--config-timeout-min 15] [--out perf/results] [--sdk VERSION] [--append]
                 [--network loopback | --network wan --rate 1gbit --rtt-ms 20]
                 --append keeps the other configurations already in the output folder.
                 --network wan (root): the aggregator, the plaintext server and each participant site in their own
                   network namespace, each site on its own veth link shaped to --rate both ways (perf/wan/wan-net.sh),
                   a delay proxy adding --rtt-ms/2 each way in front of both servers; torn down at the end.
                 --quick: N in {2,10}, d in {1e5,1e6}, DP on and off (default).
                 --full: N in {2,5,10,20}, d in {1e5,1e6,1e7}, DP on; DP off at d = 1e6 only (unless --dp is given).
          report --in perf/results/roundbench.json [--micro DIR] [--markdown perf/RESULTS.md] [--charts perf/results/charts]
          wan-check --rate 1gbit --rtt-ms 20 [--pings 50] [--bulk-mb 50] [--out FILE]
                 (root) one WAN site: ping RTT and bulk rate each way, on the shaped link and through the delay proxy.
        """);
    return args.Length == 0 ? 2 : 0;
}

string verb = args[0];
Dictionary<string, string> options;
try
{
    options = ParseOptions(args[1..]);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (verb.StartsWith("role-", StringComparison.Ordinal) && options.TryGetValue("parent-pid", out string? parent))
{
    ParentWatchdog.Start(int.Parse(parent, CultureInfo.InvariantCulture));
}

try
{
    switch (verb)
    {
        case "role-aggregator":
            return await AggregatorRole.RunAsync(options);
        case "role-participant":
            return await ParticipantRole.RunAsync(options);
        case "role-plain-server":
            return await PlainFedAvg.RunServerAsync(options);
        case "role-plain-participant":
            return await PlainFedAvg.RunParticipantAsync(options);
        case "role-delay-proxy":
            return await DelayProxy.RunAsync(options);
        case "role-tcp-echo":
            return await TcpProbe.RunServerAsync(options);
        case "role-wan-probe":
            return await TcpProbe.RunClientAsync(options);
        case "wan-check":
            return await WanCheck.RunAsync(options);
        case "sweep":
            return await SweepAsync(options, args);
        case "report":
            return Report(options);
        default:
            Console.Error.WriteLine($"Unknown verb '{verb}'; use sweep or report (--help lists the options).");
            return 2;
    }
}
catch (Exception e) when (verb.StartsWith("role-", StringComparison.Ordinal))
{
    // A role reports its failure to the coordinator on the protocol channel, then exits non-zero.
    RoleIo.Send("error", $"{e.GetType().Name}: {e.Message}".ReplaceLineEndings(" "));
    return 1;
}

static async Task<int> SweepAsync(Dictionary<string, string> o, string[] all)
{
    bool full = o.ContainsKey("full");
    List<string> errors = [];
    string[] known = ["quick", "full", "participants", "dimensions", "dp", "rounds", "large-rounds", "config-timeout-min", "out", "sdk", "append", "network", "rate", "rtt-ms"];
    errors.AddRange(o.Keys.Where(k => !known.Contains(k)).Select(k => $"sweep: unknown option --{k} (--help lists the options)."));
    IReadOnlyList<int> participants = Ints(o, "participants", full ? [2, 5, 10, 20] : [2, 10], errors);
    IReadOnlyList<int> dimensions = Ints(o, "dimensions", full ? [100_000, 1_000_000, 10_000_000] : [100_000, 1_000_000], errors);
    IReadOnlyList<bool> dp = o.TryGetValue("dp", out string? dpText)
        ? [.. dpText.Split(',').Select(s => s.Trim() switch { "on" => true, "off" => false, _ => Bad(errors, $"--dp '{s}': use on, off or on,off") })]
        : [true, false];
    int rounds = Ints(o, "rounds", [3], errors)[0];
    int largeRounds = Ints(o, "large-rounds", [2], errors)[0];
    int timeout = Ints(o, "config-timeout-min", [15], errors)[0];
    WanProfile? wan = WanProfile.FromOptions(o, errors);
    if (participants.Any(n => n < 2))
    {
        errors.Add("--participants: every N must be at least 2.");
    }

    if (dimensions.Any(d => d < 1))
    {
        errors.Add("--dimensions: every d must be at least 1.");
    }

    if (rounds < 1 || largeRounds < 1)
    {
        errors.Add("--rounds and --large-rounds must be at least 1 (use 2 or more: round 1 is cold and left out of the summaries).");
    }

    if (errors.Count > 0)
    {
        errors.ForEach(Console.Error.WriteLine);
        return 2;
    }

    using var cancel = new CancellationTokenSource();

    // Ctrl+C, SIGINT or SIGTERM: stop the sweep; every child process is killed on the way out (and each role also exits
    // by itself when this process is gone, ParentWatchdog).
    using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
    using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
    var runner = new SweepRunner(new SweepOptions
    {
        Participants = participants,
        Dimensions = dimensions,
        Dp = dp,
        DpOffOnlyAt = full && !o.ContainsKey("dp") && !o.ContainsKey("dimensions") ? 1_000_000 : null,
        Rounds = rounds,
        Append = o.ContainsKey("append"),
        LargeRounds = largeRounds,
        ConfigTimeout = TimeSpan.FromMinutes(timeout),
        OutputDirectory = o.GetValueOrDefault("out", Path.Combine("perf", "results")),
        Command = "roundbench " + string.Join(' ', all),
        Sdk = o.GetValueOrDefault("sdk", ""),
        Wan = wan,
    });
    try
    {
        SweepResult result = await runner.RunAsync(cancel.Token);
        int failed = result.Configs.Count(c => c.Error is not null);
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"Sweep took {result.TotalSeconds / 60:0.0} min; {result.Configs.Count - failed} of {result.Configs.Count} configurations measured."));
        return failed == 0 ? 0 : 1;
    }
    catch (OperationCanceledException)
    {
        Console.Error.WriteLine("Interrupted; every child process was stopped. The configurations finished so far are in the output folder.");
        return 1;
    }
}

static int Report(Dictionary<string, string> o)
{
    string input = o.GetValueOrDefault("in", Path.Combine("perf", "results", "roundbench.json"));
    if (!File.Exists(input))
    {
        Console.Error.WriteLine($"--in '{input}' does not exist; run the sweep first (perf/run-benchmarks.sh).");
        return 2;
    }

    SweepResult sweep = SweepResult.FromJson(File.ReadAllText(input));
    if (o.TryGetValue("micro", out string? micro))
    {
        sweep = sweep with { Micro = BenchmarkJson.ReadDirectory(micro) };
    }

    string markdown = o.GetValueOrDefault("markdown", Path.Combine("perf", "RESULTS.md"));
    string charts = o.GetValueOrDefault("charts", Path.Combine("perf", "results", "charts"));
    Directory.CreateDirectory(charts);
    var report = new RoundBenchReport(sweep);
    foreach (var (name, svg) in report.Charts())
    {
        File.WriteAllText(Path.Combine(charts, name), svg);
    }

    string chartsRelative = Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(markdown))!, Path.GetFullPath(charts)).Replace('\\', '/');
    File.WriteAllText(markdown, report.Markdown(chartsRelative));
    File.WriteAllText(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(input))!, "roundbench-summary.csv"), RoundBenchCsv.Summary(sweep));
    Console.WriteLine($"Wrote {markdown} and {report.Charts().Count} charts in {charts}.");
    return 0;
}

static Dictionary<string, string> ParseOptions(string[] args)
{
    var result = new Dictionary<string, string>(StringComparer.Ordinal);
    for (int i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Unexpected argument '{args[i]}'; options look like --name value.", nameof(args));
        }

        string name = args[i][2..];
        if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            result[name] = args[++i];
        }
        else
        {
            result[name] = "";
        }
    }

    return result;
}

static IReadOnlyList<int> Ints(Dictionary<string, string> o, string name, IReadOnlyList<int> fallback, List<string> errors)
{
    if (!o.TryGetValue(name, out string? text))
    {
        return fallback;
    }

    var values = new List<int>();
    foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
    {
        if (double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v == Math.Floor(v) && v is >= 0 and <= int.MaxValue)
        {
            values.Add((int)v);
        }
        else
        {
            errors.Add($"--{name} '{part}' is not a whole number (1e6 and 1000000 both work).");
        }
    }

    return values.Count > 0 ? values : fallback;
}

static bool Bad(List<string> errors, string message)
{
    errors.Add(message);
    return false;
}
