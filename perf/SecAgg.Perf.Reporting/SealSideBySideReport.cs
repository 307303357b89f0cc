using System.Globalization;
using System.Text;

namespace SecAgg.Perf.Reporting;

/// <summary>
/// Renders a <see cref="SealSideBySideRun"/> as the Markdown section "SEAL 4.4.3 side by side" (perf/RESULTS.md and
/// perf/results/seal-side-by-side.md): interleaved medians and the ratios SEAL / ours of that one run. Without a run,
/// <see cref="External"/> says so and cites the side-by-side figures of ../shared/design/crypto.md as external.
/// </summary>
public sealed class SealSideBySideReport(SealSideBySideRun run)
{
    /// <summary>Starts the section in perf/RESULTS.md (the benchmark runner puts a side-by-side run's section between the markers).</summary>
    public const string BeginMarker = "<!-- seal-side-by-side:begin -->";

    /// <summary>Ends the section in perf/RESULTS.md.</summary>
    public const string EndMarker = "<!-- seal-side-by-side:end -->";

    private const string Heading = "## SEAL 4.4.3 side by side";

    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    private readonly SealSideBySideRun _run = run ?? throw new ArgumentNullException(nameof(run));

    /// <summary>
    /// The section when no side-by-side run is cited: no ratio against SEAL is computed, and the one side-by-side
    /// measurement of ../shared/design/crypto.md is quoted with its date and method as external.
    /// </summary>
    public static string External { get; } = string.Join('\n',
        Heading,
        "",
        "**Not measured in this report.** The benchmark runner measures SEAL beside our benchmarks in one session when `../shared/anchors/seal/build.sh` exists (`perf/run-benchmarks.sh --seal-only`; see docs/benchmarks.md); here it did not, so this report divides none of its figures by a SEAL figure.",
        "",
        "External, for context only (../shared/design/crypto.md, \"Performance anchors\"; measured 2026-12-05, not by this report): SEAL 4.4.3 built -O3 -march=native without HEXL, four interleaved SEAL/C# runs in one session, thread CPU time, medians. BFV pk-encrypt n = 4096: SEAL 611 µs for the same work as ours (key level, 36+36, no special prime) and 801 µs on its default path (36+36+37, special prime divided out) against ours 128 µs (AVX-512: 4.7x) and 562 µs (scalar: 1.09x); n = 8192: SEAL 1990 / 2460 µs against ours 500 µs (4.3x for the same work); add 14.3 / 70 µs against 2.8 / 16.8 µs; decrypt 242 / 1024 µs against 67.5 / 292 µs (n = 4096 / 8192). No CKKS figure was measured side by side there.",
        "");

    /// <summary>The section (starting with its heading), for perf/RESULTS.md and perf/results/seal-side-by-side.md.</summary>
    public string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine(Heading);
        md.AppendLine();
        MachineInfo m = _run.Machine;
        string hexl = _run.Builds.FirstOrDefault(b => b.Source == SideBySideSource.SealHexl)?.Version ?? "";
        md.AppendLine(Ci, $"Measured {_run.StartedUtc:yyyy-MM-dd HH:mm}–{_run.FinishedUtc:HH:mm} UTC by `{_run.Command}`. SEAL's benchmark (`../shared/anchors/seal/bench.cpp`) and ours (BenchmarkDotNet `BfvBenchmarks` and `CkksBenchmarks`, the same parameters) ran **alternately in one session**, {_run.Pairs} pairs (each pair: SEAL{(hexl.Length > 0 ? ", SEAL+HEXL" : "")}, then ours), **all in thread CPU time** (CLOCK_THREAD_CPUTIME_ID: what the operation costs a core, not the wait for one). Each time is the median over the pairs of one run's median, µs per operation. **Ratio = SEAL's CPU time / ours** of those medians (above 1: ours is faster), with [min–max] of the per-pair ratios. Nothing here is divided by a figure of another run.");
        md.AppendLine();
        md.AppendLine(Ci, $"- Machine: {m.Cpu} (lscpu), {m.Cores} cores{(m.Os.Length > 0 ? $", {m.Os}" : "")}{(m.Runtime.Length > 0 ? $", {m.Runtime}" : "")}; CPU flags the compared code can use: {(_run.CpuFlags.Length > 0 ? _run.CpuFlags : "–")}.");
        md.AppendLine(Ci, $"- Load average (1/5/15 min) at start: {m.LoadAverageStart}; at end: {m.LoadAverageEnd}{(_run.PairLoadAverages.Count > 0 ? $"; at the start of each pair: {string.Join(" | ", _run.PairLoadAverages)}" : "")}. The machine is shared and noisy: absolute times move between pairs; alternating SEAL and ours is what makes the ratios meaningful.");
        foreach (SealBuild b in _run.Builds)
        {
            md.AppendLine(Ci, $"- {(b.Source == SideBySideSource.SealHexl ? "SEAL+HEXL" : "SEAL")}: `{b.Version}`{(b.Build.Length > 0 ? $", {b.Build}" : "")}; {_run.SealBatches} batches per operation per run.");
        }

        if (_run.HexlMissing.Length > 0)
        {
            md.AppendLine(Ci, $"- SEAL+HEXL: not measured ({_run.HexlMissing}).");
        }

        md.AppendLine(Ci, $"- Ours: {_run.OurJob}. AVX-512 = `Simd=Vector512`, scalar = `Simd=Scalar` (the portable path).");
        md.AppendLine();

        AppendHeadline(md);
        AppendTable(md);
        return md.ToString();
    }

    /// <summary>
    /// Replaces what lies between <see cref="BeginMarker"/> and <see cref="EndMarker"/> in <paramref name="document"/> with
    /// <paramref name="section"/>; a document without the markers gets them and the section appended.
    /// </summary>
    public static string Splice(string document, string section)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(section);
        string block = $"{BeginMarker}\n{section.TrimEnd('\n')}\n{EndMarker}";
        int begin = document.IndexOf(BeginMarker, StringComparison.Ordinal);
        int end = begin < 0 ? -1 : document.IndexOf(EndMarker, begin, StringComparison.Ordinal);
        if (begin < 0 || end < 0)
        {
            return $"{document.TrimEnd('\n')}\n\n{block}\n";
        }

        return string.Concat(document.AsSpan(0, begin), block, document.AsSpan(end + EndMarker.Length));
    }

    private void AppendHeadline(StringBuilder md)
    {
        var lines = new List<string>();
        foreach (SealMatch match in SealMatch.All.Where(x => x.Headline))
        {
            Spread vector = _run.Ratio(match, SideBySideSource.Seal, SideBySideSource.OursVector512);
            if (vector.Count == 0)
            {
                continue;
            }

            Spread hexl = _run.Ratio(match, SideBySideSource.SealHexl, SideBySideSource.OursVector512);
            Spread scalar = _run.Ratio(match, SideBySideSource.Seal, SideBySideSource.OursScalar);
            lines.Add(string.Create(Ci, $"- {match.Label}, n = {match.N}: ours (AVX-512) **{X(vector)}** SEAL's throughput{(hexl.Count > 0 ? $", **{X(hexl)}** SEAL+HEXL's" : "")}; our scalar path {X(scalar)} SEAL's."));
        }

        if (lines.Count > 0)
        {
            md.AppendLine("Headline (same work on both sides):");
            md.AppendLine();
            lines.ForEach(l => md.AppendLine(l));
            md.AppendLine();
        }
    }

    private void AppendTable(StringBuilder md)
    {
        md.AppendLine("| comparison | n | SEAL | SEAL+HEXL | ours AVX-512 | ours scalar | ours AVX-512 vs SEAL | ours AVX-512 vs SEAL+HEXL | ours scalar vs SEAL |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var notes = new List<string>();
        foreach (SealMatch match in SealMatch.All)
        {
            Spread seal = _run.Over(SideBySideSource.Seal, match.Seal, match.N);
            Spread hexl = _run.Over(SideBySideSource.SealHexl, match.Seal, match.N);
            Spread vector = _run.Over(SideBySideSource.OursVector512, match.Ours, match.N);
            Spread scalar = _run.Over(SideBySideSource.OursScalar, match.Ours, match.N);
            if (seal.Count + hexl.Count == 0 || vector.Count + scalar.Count == 0)
            {
                continue;
            }

            string label = match.Label;
            if (match.Note.Length > 0)
            {
                int index = notes.IndexOf(match.Note);
                if (index < 0)
                {
                    notes.Add(match.Note);
                    index = notes.Count - 1;
                }

                label += string.Create(Ci, $" ({index + 1})");
            }

            md.AppendLine(Ci, $"| {label} | {match.N} | {Us(seal)} | {Us(hexl)} | {Us(vector)} | {Us(scalar)} | {RatioCell(match, SideBySideSource.Seal, SideBySideSource.OursVector512)} | {RatioCell(match, SideBySideSource.SealHexl, SideBySideSource.OursVector512)} | {RatioCell(match, SideBySideSource.Seal, SideBySideSource.OursScalar)} |");
        }

        md.AppendLine();
        for (int i = 0; i < notes.Count; i++)
        {
            md.AppendLine(Ci, $"({i + 1}) {notes[i]}.");
            md.AppendLine();
        }

        md.AppendLine("Our operations: `Type.Method` of perf/SecAgg.Benchmarks/Crypto; SEAL's: the labels of bench.cpp. Every figure of every pair is in perf/results/seal-side-by-side.json.");
    }

    private string RatioCell(SealMatch match, string sealSource, string ourSource)
    {
        Spread r = _run.Ratio(match, sealSource, ourSource);
        return r.Count == 0 ? "–" : string.Create(Ci, $"**{X(r)}** [{r.Min:0.00}–{r.Max:0.00}]");
    }

    private static string X(Spread ratio) => ratio.Count == 0 ? "–" : string.Create(Ci, $"{ratio.Median:0.00}x");

    private static string Us(Spread s) => s.Count == 0 ? "–" : s.Median switch
    {
        >= 100 => string.Create(Ci, $"{s.Median:0}"),
        >= 10 => string.Create(Ci, $"{s.Median:0.0}"),
        _ => string.Create(Ci, $"{s.Median:0.00}"),
    };
}
