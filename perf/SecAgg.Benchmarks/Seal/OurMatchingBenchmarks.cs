using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using SecAgg.Benchmarks.Crypto;
using SecAgg.Perf.Reporting;

namespace SecAgg.Benchmarks.Seal;

/// <summary>
/// Our side of a SEAL side-by-side run: the <see cref="BfvBenchmarks"/> and <see cref="CkksBenchmarks"/> cases that
/// <see cref="SealMatch.All"/> compares (both <c>Simd</c> values), run by BenchmarkDotNet in this process with one
/// job clocked by the benchmark thread's CPU time (<see cref="ThreadCpuClock"/>), as SEAL's benchmark is.
/// </summary>
internal sealed class OurMatchingBenchmarks
{
    /// <summary>The job's id.</summary>
    public const string JobId = "SideBySide-ThreadCpuTime";

    private static readonly Type[] Types = [typeof(BfvBenchmarks), typeof(CkksBenchmarks)];

    private readonly BenchmarkRunInfo[] _runs;

    /// <summary>Selects the cases; BenchmarkDotNet's artifacts go under <paramref name="artifactsPath"/>.</summary>
    /// <exception cref="InvalidOperationException">The thread CPU clock is not available (Linux only).</exception>
    public OurMatchingBenchmarks(string artifactsPath, TextWriter progress)
    {
        if (!ThreadCpuClock.Instance.IsAvailable)
        {
            throw new InvalidOperationException("The thread CPU-time clock (clock_gettime(CLOCK_THREAD_CPUTIME_ID)) is not available here; the side-by-side run needs it (Linux).");
        }

        Job job = new Job(JobId, Job.ShortRun)
            .WithIterationCount(5)
            .WithIterationTime(TimeInterval.FromMilliseconds(100))
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithClock(ThreadCpuClock.Instance);
        IConfig config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(new ProgressLogger(progress))
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddExporter(MarkdownExporter.GitHub)
            .WithArtifactsPath(artifactsPath)
            .WithOptions(ConfigOptions.DisableLogFile);
        _runs = [.. Types.Select(t => Select(BenchmarkConverter.TypeToBenchmarks(t, config)))];
    }

    /// <summary>How the figures are measured, for the report.</summary>
    public static string Description =>
        "BenchmarkDotNet 0.14 in-process (InProcessEmitToolchain), one job clocked by the benchmark thread's CPU time (`ThreadCpuClock`, perf/SecAgg.Benchmarks/Crypto/CpuTimeConfig.cs): 3 warm-up and 5 measured iterations of ~100 ms CPU each per case, median per operation";

    /// <summary>Runs every selected case once and returns its median (thread CPU time, µs) as samples of <paramref name="pair"/>.</summary>
    /// <exception cref="InvalidOperationException">A case produced no measurement.</exception>
    public IReadOnlyList<SideBySideSample> Run(int pair)
    {
        var samples = new List<SideBySideSample>();
        foreach (Summary summary in BenchmarkRunner.Run(_runs))
        {
            foreach (BenchmarkReport report in summary.Reports)
            {
                BenchmarkCase c = report.BenchmarkCase;
                if (report.ResultStatistics is null)
                {
                    throw new InvalidOperationException($"{c.DisplayInfo} produced no measurement (BenchmarkDotNet's output above says why).");
                }

                SealMatch match = MatchOf(c) ?? throw new InvalidOperationException($"{c.DisplayInfo} is not one of the compared benchmarks.");
                string source = (string)c.Parameters["Simd"] == "Vector512" ? SideBySideSource.OursVector512 : SideBySideSource.OursScalar;
                samples.Add(new SideBySideSample(pair, source, match.Ours, match.N, report.ResultStatistics.Median / 1e3));
            }
        }

        return samples;
    }

    private static BenchmarkRunInfo Select(BenchmarkRunInfo all)
    {
        BenchmarkCase[] cases = [.. all.BenchmarksCases.Where(c => c.Job.Id == JobId && MatchOf(c) is not null && (string)c.Parameters["Simd"] is "Vector512" or "Scalar")];
        if (cases.Length == 0)
        {
            throw new InvalidOperationException($"No case of {all.Type.Name} matches a SEAL comparison (renamed benchmarks or parameters?).");
        }

        return new BenchmarkRunInfo(cases, all.Type, all.Config);
    }

    private static SealMatch? MatchOf(BenchmarkCase c)
    {
        string ours = $"{c.Descriptor.Type.Name}.{c.Descriptor.WorkloadMethod.Name}";
        int? n = c.Parameters.Items.FirstOrDefault(p => p.Name == "N")?.Value as int?;
        return SealMatch.All.FirstOrDefault(m => m.Ours == ours && (n is null || n == m.N));
    }

    /// <summary>Passes on BenchmarkDotNet's one line per case ("// Benchmark: …") and its errors; drops the rest.</summary>
    private sealed class ProgressLogger(TextWriter output) : ILogger
    {
        public string Id => nameof(ProgressLogger);

        public int Priority => 0;

        public void Write(LogKind logKind, string text)
        {
            if (logKind == LogKind.Error)
            {
                output.Write(text);
            }
        }

        public void WriteLine()
        {
        }

        public void WriteLine(LogKind logKind, string text)
        {
            if (logKind == LogKind.Error || text.StartsWith("// Benchmark: ", StringComparison.Ordinal))
            {
                output.WriteLine(text);
            }
        }

        public void Flush() => output.Flush();
    }
}
