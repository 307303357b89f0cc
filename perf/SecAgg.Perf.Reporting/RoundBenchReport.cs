using System.Globalization;
using System.Text;

namespace SecAgg.Perf.Reporting;

/// <summary>
/// Renders a sweep as the Markdown report (perf/RESULTS.md) and its SVG charts. Every figure is the median over the warm
/// rounds (round ≥ 2) with the spread as [min–max]; the goals of issue 8 are checked against N = 10, d = 10^6, DP on.
/// </summary>
public sealed class RoundBenchReport(SweepResult sweep)
{
    /// <summary>The round-time goal: secure within this factor of plaintext FedAvg.</summary>
    public const double TimeGoal = 2.0;

    /// <summary>The wire-size goal: ciphertext within this factor of the quantized payload d·b/8.</summary>
    public const double BytesGoal = 3.0;

    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    private readonly SweepResult _sweep = sweep ?? throw new ArgumentNullException(nameof(sweep));

    private IEnumerable<ConfigResult> Done => _sweep.Configs.Where(c => c.Error is null && c.Secure.Count > 0 && c.Plaintext.Count > 0);

    /// <summary>The charts as (file name, SVG); charts without data are left out.</summary>
    public IReadOnlyList<(string Name, string Svg)> Charts()
    {
        var charts = new List<(string, string)>();
        foreach (bool dp in new[] { true, false })
        {
            var configs = Done.Where(c => c.Dp == dp).ToList();
            if (configs.Count == 0)
            {
                continue;
            }

            string suffix = dp ? "dp-on" : "dp-off";
            var timeSeries = new List<ChartSeries>();
            foreach (var byN in configs.GroupBy(c => c.Participants).OrderBy(g => g.Key))
            {
                timeSeries.Add(Series($"secure N={byN.Key}", byN, c => c.Secure));
                timeSeries.Add(Series($"plaintext N={byN.Key}", byN, c => c.Plaintext));
            }

            charts.Add(($"round-time-vs-d-{suffix}.svg", new LineChart
            {
                Title = $"Round time vs d (DP {(dp ? "on" : "off")}), median of warm rounds",
                XLabel = "parameters d",
                YLabel = "whole round (s)",
                XScale = AxisScale.Log10,
                YScale = AxisScale.Log10,
            }.Render(timeSeries)));

            var ratioSeries = configs.GroupBy(c => c.Dimension).OrderBy(g => g.Key)
                .Select(g => new ChartSeries($"d={ConfigResult.Exp(g.Key)}", [.. g.OrderBy(c => c.Participants).Select(c => ((double)c.Participants, Ratio(c, Stage.Round)))]))
                .ToList();
            charts.Add(($"overhead-ratio-vs-n-{suffix}.svg", new LineChart
            {
                Title = $"Secure / plaintext round time vs N (DP {(dp ? "on" : "off")})",
                XLabel = "participants N",
                YLabel = "overhead ratio (x)",
                References = [(TimeGoal, "goal 2x")],
            }.Render(ratioSeries)));

            var bars = configs.OrderBy(c => c.Participants).ThenBy(c => c.Dimension)
                .SelectMany(c => new[]
                {
                    new StackedBar($"secure N={c.Participants} d={ConfigResult.Exp(c.Dimension)}", [.. Stage.CriticalPath.Select(s => Spread.OfStage(c.Secure, s).Median)]),
                    new StackedBar($"plain N={c.Participants} d={ConfigResult.Exp(c.Dimension)}", [.. Stage.CriticalPath.Select(s => Spread.OfStage(c.Plaintext, s).Median)]),
                })
                .Select(b => b with { Values = [.. b.Values.Select(v => double.IsFinite(v) ? v : 0)] })
                .ToList();
            charts.Add(($"stage-breakdown-{suffix}.svg", new StackedBarChart
            {
                Title = $"Where a round's time goes (DP {(dp ? "on" : "off")}, critical path, medians)",
                XLabel = "seconds",
                Segments = [.. Stage.CriticalPath.Select(Stage.Label)],
            }.Render(bars)));
        }

        var all = Done.ToList();
        if (all.Count > 0)
        {
            var bytes = all.GroupBy(c => c.Participants).OrderBy(g => g.Key)
                .Select(g => new ChartSeries($"ciphertext N={g.Key}", [.. g.GroupBy(c => c.Dimension).OrderBy(x => x.Key).Select(x => ((double)x.Key, Spread.Of(x.SelectMany(c => Spread.Warm(c.Secure)).Select(r => (double)r.BytesPerParticipant)).Median))]))
                .ToList();
            int[] dims = [.. all.Select(c => c.Dimension).Distinct().Order()];
            int bits = all[0].Bits;
            bytes.Add(new ChartSeries("3x quantized (goal)", [.. dims.Select(d => ((double)d, BytesGoal * d * bits / 8.0))]));
            bytes.Add(new ChartSeries($"quantized d*{bits}/8", [.. dims.Select(d => ((double)d, d * bits / 8.0))]));
            bytes.Add(new ChartSeries("float32 d*4", [.. dims.Select(d => ((double)d, d * 4.0))]));
            charts.Add(("bytes-vs-d.svg", new LineChart
            {
                Title = "Bytes on the wire per participant vs d",
                XLabel = "parameters d",
                YLabel = "bytes per participant",
                XScale = AxisScale.Log10,
                YScale = AxisScale.Log10,
            }.Render(bytes)));
        }

        return charts;
    }

    /// <summary>The Markdown report; charts are linked under <paramref name="chartsPath"/> (relative to the report).</summary>
    public string Markdown(string chartsPath)
    {
        var md = new StringBuilder();
        MachineInfo m = _sweep.Machine;
        md.AppendLine("# SecAgg round benchmark (issue 8)");
        md.AppendLine();
        md.AppendLine("Generated by `perf/run-benchmarks.sh` (sweep: `perf/SecAgg.RoundBench`, microbenchmarks: `perf/SecAgg.Benchmarks`). Do not edit by hand: rerun the script.");
        md.AppendLine();
        md.AppendLine(Ci, $"- Sweep command (the last run; `--append` keeps the configurations of earlier runs in the same folder): `{_sweep.Command}`; first run started {_sweep.StartedUtc:yyyy-MM-dd HH:mm} UTC; the last run took {_sweep.TotalSeconds / 60:0.0} min.");
        md.AppendLine(Ci, $"- Machine: {m.Cpu}, {m.Cores} cores, {m.MemoryGiB:0.#} GiB, {m.Os}, {m.Runtime}{(m.Sdk.Length > 0 ? $", SDK {m.Sdk}" : "")}.");
        md.AppendLine(Ci, $"- Load average (1/5/15 min) at start: {m.LoadAverageStart}; at end: {m.LoadAverageEnd}. **The machine is shared and noisy** (other builds and tests run beside the benchmark), so absolute times move from run to run; the secure and plaintext rounds of a configuration alternate so a noisy phase hits both, which keeps the ratios steadier than the times.");
        md.AppendLine(Ci, $"- Rounds per configuration: {_sweep.RoundsRequested} (fewer where the table says so); every figure is the **median over the warm rounds (round 2 onward)** with the spread as [min–max]. Round 1 (cold: JIT, first allocations) is in the raw data only.");
        md.AppendLine();

        AppendHeadline(md);
        AppendMethod(md);
        AppendConfigTable(md);
        AppendStageTables(md);
        AppendCharts(md, chartsPath);
        AppendMicro(md);
        md.AppendLine(SealSideBySideReport.BeginMarker);
        md.AppendLine(SealSideBySideReport.External.TrimEnd('\n'));
        md.AppendLine(SealSideBySideReport.EndMarker);
        md.AppendLine();

        var failed = _sweep.Configs.Where(c => c.Error is not null).ToList();
        if (failed.Count > 0)
        {
            md.AppendLine("## Configurations that did not complete");
            md.AppendLine();
            foreach (ConfigResult c in failed)
            {
                md.AppendLine(Ci, $"- {c.Key}: {c.Error!.ReplaceLineEndings(" ")}");
            }

            md.AppendLine();
        }

        md.AppendLine("## Files");
        md.AppendLine();
        md.AppendLine("- `perf/results/roundbench.json`: everything (machine, every round of every configuration, microbenchmarks).");
        md.AppendLine("- `perf/results/roundbench-rounds.csv`: one row per configuration, path and round (raw, round 1 included).");
        md.AppendLine("- `perf/results/roundbench-summary.csv`: median, min, max per configuration, path and figure (warm rounds).");
        md.AppendLine("- `perf/results/micro/`: BenchmarkDotNet's JSON reports of the cited microbenchmarks.");
        md.AppendLine("- `perf/results/seal-side-by-side.json` and `.md` (when the SEAL anchor was present): every figure of the last SEAL side-by-side run.");
        return md.ToString();
    }

    private void AppendHeadline(StringBuilder md)
    {
        md.AppendLine("## Headline (goals of issue 8)");
        md.AppendLine();
        ConfigResult? h = Done.FirstOrDefault(c => c.Participants == 10 && c.Dimension == 1_000_000 && c.Dp)
            ?? Done.FirstOrDefault(c => c.Participants == 10 && c.Dimension == 1_000_000);
        if (h is null)
        {
            md.AppendLine("N = 10, d = 10^6 was not measured in this sweep (run the quick or full sweep).");
        }
        else
        {
            Spread s = Spread.OfStage(h.Secure, Stage.Round), p = Spread.OfStage(h.Plaintext, Stage.Round);
            double ratio = Ratio(h, Stage.Round);
            md.AppendLine(Ci, $"| goal | measured ({h.Key}) | verdict |");
            md.AppendLine("|---|---|---|");
            md.AppendLine(Ci, $"| secure round within {TimeGoal:0}x of plaintext FedAvg | secure {S(s)} s vs plaintext {S(p)} s: **{ratio:0.0}x** (range of per-round ratios {RatioRange(h)}) | {(ratio <= TimeGoal ? "met" : "**not met**")} |");
            double bytes = Spread.Of(Spread.Warm(h.Secure).Select(r => (double)r.BytesPerParticipant)).Median;
            double bytesRatio = bytes / h.QuantizedBytes;
            md.AppendLine(Ci, $"| bytes on the wire within {BytesGoal:0}x of the quantized payload d·b/8 | {bytes / 1e6:0.00} MB ciphertext vs {h.QuantizedBytes / 1e6:0.00} MB quantized ({h.Bits} bits): **{bytesRatio:0.00}x** ({bytes / h.Float32Bytes:0.00}x the float32 size) | {(bytesRatio <= BytesGoal ? "met" : "**not met**")} |");
            md.AppendLine(Ci, $"| BFV encryption throughput | {EncryptThroughput()} | against SEAL 4.4.3: same-run ratios under *SEAL 4.4.3 side by side* below |");
        }

        md.AppendLine();
    }

    private string EncryptThroughput()
    {
        MicroResult? ours = _sweep.Micro.FirstOrDefault(r => r.Benchmark == "BfvBenchmarks.EncryptPublicKey" && r.Parameters.Contains("N=4096", StringComparison.Ordinal) && r.Parameters.Contains("Vector512", StringComparison.Ordinal))
            ?? _sweep.Micro.FirstOrDefault(r => r.Benchmark == "BfvBenchmarks.EncryptPublicKey" && r.Parameters.Contains("N=4096", StringComparison.Ordinal));
        if (ours is null)
        {
            return "not measured in this run (BfvBenchmarks missing from perf/results/micro)";
        }

        double us = Time(ours) / 1e3;
        string text = string.Create(Ci, $"pk-encrypt n = 4096 ({ours.Parameters}; thread CPU time where BenchmarkDotNet ran the CPU-time job, so the busy machine's waiting is left out): {us:0} µs = {4096 / us:0.00} M values/s");
        MicroResult? product = _sweep.Micro.FirstOrDefault(r => r.Benchmark == "UpdateEncryptorBenchmarks.AllCores");
        if (product is not null && double.TryParse(product.Parameters.Replace("Dimension=", "", StringComparison.Ordinal), NumberStyles.Float, Ci, out double d))
        {
            text += string.Create(Ci, $"; the product's whole participant path (DDG encode + encryption, planned preset, N = 10, d = {d:0}, all cores): {d / (Time(product) / 1e9) / 1e6:0.00} M values/s");
        }

        return text;
    }

    private static void AppendMethod(StringBuilder md)
    {
        md.AppendLine("## What is measured");
        md.AppendLine();
        md.AppendLine("Per configuration (N participants, d float32 parameters, DP on/off) a fresh consortium is made with `secagg consortium init --demo-keys` (protocol v2; threshold t = N, min-participants N, 16-bit quantization, clip 1.0). Then, each as its **own OS process** of `perf/SecAgg.RoundBench` (hidden role verbs): the aggregator (`AggregatorHost`, embedded SQLite, mutual TLS on loopback, 20 ms driver tick) and N participants (`ParticipantClient`, 20 ms poll interval, exactly what `secagg participant submit` does: masked upload with its signed commitment, approval of the upload list, decryption shares). Next to them, the **plaintext FedAvg baseline over the same transport**: a server and N participant processes speaking gRPC through the same grpc-dotnet stack (Grpc.AspNetCore on Kestrel, HTTP/2; the participant's channel) with mutual TLS and the same certificates; participants stream the same float32 update in 1 MiB messages, the server adds each complete upload to the sum (as the secure aggregator counts an upload on its last chunk) and publishes the mean, participants download it (1 MiB messages). No encryption, no durable state, no DP on that path. Secure and plaintext rounds alternate.");
        md.AppendLine();
        md.AppendLine("One-time costs are **not** in the round: process start, JIT warm-up and the key-epoch join (reported separately as *join*). All processes share the 2 cores, so N participants encrypting at once take about N/2 times one participant's time: that is the machine, not the protocol.");
        md.AppendLine();
        md.AppendLine("Stages are consecutive intervals on one clock (CLOCK_MONOTONIC, shared by all processes), so they add up to the whole round:");
        md.AppendLine();
        md.AppendLine("| stage | from → to |");
        md.AppendLine("|---|---|");
        md.AppendLine("| quantize | the DDG encode (clip, rotation, scaling, randomized rounding, discrete Gaussian noise, mod 2^b), timed alone in each participant after the round on the same update and round parameters; median over participants |");
        md.AppendLine("| encrypt + store | go → the last participant has its ciphertexts durably stored (the client stores them before sending), minus *quantize*; plaintext: float32 → bytes |");
        md.AppendLine("| upload | → last upload counted by the aggregator (its own log event) |");
        md.AppendLine("| aggregate | → collection closed and decryption set fixed (the homomorphic sum is done while uploads arrive); plaintext: → mean computed |");
        md.AppendLine("| approvals | → every uploader's signed approval of the upload list is in and decryption begins (secure only) |");
        md.AppendLine("| decryption shares | → last member's decryption shares complete at the aggregator (secure only) |");
        md.AppendLine("| combine + decode + publish | → model published (secure only) |");
        md.AppendLine("| download | → last participant has downloaded the model |");
        md.AppendLine();
        md.AppendLine("Bytes on the wire are the payload bytes a participant sends (secure: serialized ciphertexts as the client counts them; plaintext: d·4), without gRPC/TLS framing. Peak memory is VmHWM from /proc/<pid>/status, reset at each round's start (clear_refs), so it is the round's peak: the aggregator's, and the largest participant's. CPU is user + system seconds of every process of a path from the round's reset to its end (server + all participants; the quantization timed apart is not in it).");
        md.AppendLine();
        md.AppendLine("**DP off** cannot be switched off in the product (the DDG mechanism requires σ_int ≥ 1/2): it is run with the noise multiplier that gives σ_int ≈ 1 (the least noise the aggregator accepts; the sampler still runs) and an unbounded budget. **DP on** is calibrated to ε = 8 over the configuration's rounds (δ = 1e-5).");
        md.AppendLine();
    }

    private void AppendConfigTable(StringBuilder md)
    {
        md.AppendLine("## All configurations");
        md.AppendLine();
        md.AppendLine("| N | d | DP | warm rounds | secure round (s) | plaintext round (s) | ratio | join (s) | ciphertext / participant | × d·b/8 | × float32 | aggregator peak | participant peak | plaintext server peak | CPU secure (s) | CPU plaintext (s) |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (ConfigResult c in Done.OrderBy(c => c.Dp ? 0 : 1).ThenBy(c => c.Participants).ThenBy(c => c.Dimension))
        {
            Spread s = Spread.OfStage(c.Secure, Stage.Round), p = Spread.OfStage(c.Plaintext, Stage.Round);
            double bytes = Spread.Of(Spread.Warm(c.Secure).Select(r => (double)r.BytesPerParticipant)).Median;
            md.AppendLine(Ci, $"| {c.Participants} | {ConfigResult.Exp(c.Dimension)} | {(c.Dp ? "on" : "off")} | {s.Count} | {S(s)} | {S(p)} | {Ratio(c, Stage.Round):0.0}x | {c.JoinSeconds:0.0} | {bytes / 1e6:0.00} MB | {bytes / c.QuantizedBytes:0.00} | {bytes / c.Float32Bytes:0.00} | {Mb(c.Secure, r => r.AggregatorPeakBytes)} | {Mb(c.Secure, r => r.ParticipantPeakBytes)} | {Mb(c.Plaintext, r => r.AggregatorPeakBytes)} | {Spread.OfCpu(c.Secure).Median:0.0} | {Spread.OfCpu(c.Plaintext).Median:0.0} |");
        }

        md.AppendLine();
    }

    private void AppendStageTables(StringBuilder md)
    {
        md.AppendLine("## Per stage (seconds, median [min–max] of the warm rounds)");
        md.AppendLine();
        md.AppendLine("| configuration | path | " + string.Join(" | ", Stage.All.Select(Stage.Label)) + " |");
        md.AppendLine("|---|---|" + string.Concat(Enumerable.Repeat("---|", Stage.All.Count)));
        foreach (ConfigResult c in Done.OrderBy(c => c.Dp ? 0 : 1).ThenBy(c => c.Participants).ThenBy(c => c.Dimension))
        {
            md.AppendLine($"| {c.Key} | secure | " + string.Join(" | ", Stage.All.Select(s => S(Spread.OfStage(c.Secure, s)))) + " |");
            md.AppendLine($"| {c.Key} | plaintext | " + string.Join(" | ", Stage.All.Select(s => Stage.CriticalPath.Contains(s) || s == Stage.Round || s == Stage.ParticipantUpload ? S(Spread.OfStage(c.Plaintext, s)) : "–")) + " |");
        }

        md.AppendLine();
    }

    private void AppendCharts(StringBuilder md, string chartsPath)
    {
        var charts = Charts();
        if (charts.Count == 0)
        {
            return;
        }

        md.AppendLine("## Charts");
        md.AppendLine();
        foreach (var (name, _) in charts)
        {
            md.AppendLine(Ci, $"![{name}]({chartsPath}/{name})");
            md.AppendLine();
        }
    }

    private void AppendMicro(StringBuilder md)
    {
        md.AppendLine("## Microbenchmarks cited (BenchmarkDotNet, short jobs)");
        md.AppendLine();
        if (_sweep.Micro.Count == 0)
        {
            md.AppendLine("None in perf/results/micro (perf/run-benchmarks.sh runs them unless --no-micro; --micro-only runs just them).");
            md.AppendLine();
            return;
        }

        md.AppendLine("| benchmark | parameters | median | mean |");
        md.AppendLine("|---|---|---|---|");
        foreach (MicroResult r in _sweep.Micro)
        {
            md.AppendLine(Ci, $"| {r.Benchmark} | {r.Parameters} | {Ns(r.MedianNanoseconds)} | {Ns(r.MeanNanoseconds)} |");
        }

        md.AppendLine();
    }

    private static ChartSeries Series(string name, IEnumerable<ConfigResult> configs, Func<ConfigResult, IReadOnlyList<RoundRecord>> rounds)
    {
        var ordered = configs.OrderBy(c => c.Dimension).Select(c => (c.Dimension, Spread.OfStage(rounds(c), Stage.Round))).Where(x => x.Item2.Median > 0).ToList();
        return new ChartSeries(name, [.. ordered.Select(x => ((double)x.Dimension, x.Item2.Median))], [.. ordered.Select(x => (x.Item2.Min, x.Item2.Max))]);
    }

    private static double Ratio(ConfigResult c, string stage) => Spread.OfStage(c.Secure, stage).Median / Spread.OfStage(c.Plaintext, stage).Median;

    private static string RatioRange(ConfigResult c)
    {
        var ratios = Spread.Warm(c.Secure).Join(Spread.Warm(c.Plaintext), r => r.Round, r => r.Round, (s, p) => s.Stages[Stage.Round] / p.Stages[Stage.Round]).ToList();
        return ratios.Count == 0 ? "–" : string.Create(Ci, $"{ratios.Min():0.0}–{ratios.Max():0.0}x");
    }

    private static string S(Spread s) => s.Count == 0 ? "–" : s.Count == 1 || s.Min == s.Max ? string.Create(Ci, $"{s.Median:0.###}") : string.Create(Ci, $"{s.Median:0.###} [{s.Min:0.###}–{s.Max:0.###}]");

    private static string Mb(IReadOnlyList<RoundRecord> rounds, Func<RoundRecord, long> figure)
    {
        Spread s = Spread.Of(Spread.Warm(rounds).Select(r => (double)figure(r)));
        return s.Count == 0 || s.Median <= 0 ? "–" : string.Create(Ci, $"{s.Median / 1e6:0} MB");
    }

    private static double Time(MicroResult r) => double.IsFinite(r.MedianNanoseconds) ? r.MedianNanoseconds : r.MeanNanoseconds;

    private static string Ns(double ns) => !double.IsFinite(ns) ? "–" : ns switch
    {
        >= 1e9 => string.Create(Ci, $"{ns / 1e9:0.00} s"),
        >= 1e6 => string.Create(Ci, $"{ns / 1e6:0.00} ms"),
        >= 1e3 => string.Create(Ci, $"{ns / 1e3:0.0} µs"),
        _ => string.Create(Ci, $"{ns:0.0} ns"),
    };
}
