using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Perf.Reporting;

namespace SecAgg.ClusterBench;

/// <summary>Runs every configuration of <see cref="ClusterBenchOptions"/> and writes cluster.csv and two SVG charts.</summary>
internal static class ClusterBenchmark
{
    public const string CsvName = "cluster.csv";
    public const string ThroughputChartName = "cluster-throughput.svg";
    public const string CpuChartName = "cluster-cpu.svg";

    public static async Task<IReadOnlyList<ClusterBenchRow>> RunAsync(ClusterBenchOptions options, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.OutputDirectory);
        DirectoryInfo files = Directory.CreateTempSubdirectory("secagg-cbench-");
        var rows = new List<ClusterBenchRow>();
        try
        {
            using BenchConsortium consortium = BenchConsortium.Create(options.Uploads, options.Dimension, files.FullName);
            log.WriteLine($"N = {options.Uploads}, d = {options.Dimension}: {consortium.Preset}");
            var run = new ClusterRun(options, consortium, typeof(ClusterNode).Assembly.Location, log);
            foreach (int silos in options.Silos)
            {
                rows.AddRange(await run.RunAsync(silos).ConfigureAwait(false));
                await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, CsvName), ClusterBenchCsv.Format(rows)).ConfigureAwait(false);
            }
        }
        finally
        {
            files.Delete(recursive: true);
        }

        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, ThroughputChartName), ThroughputChart(rows, options)).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, CpuChartName), CpuChart(rows, options)).ConfigureAwait(false);
        return rows;
    }

    /// <summary>Ingest and fold MB/s against S.</summary>
    public static string ThroughputChart(IReadOnlyList<ClusterBenchRow> rows, ClusterBenchOptions options)
    {
        ClusterBenchRow[] runs = [.. rows.Where(r => r.Silo == 1).OrderBy(r => r.Silos)];
        return new LineChart
        {
            Title = $"Cluster ingest and fold, N = {options.Uploads}, d = {options.Dimension:0.#e0}, P = {options.PartitionsPerSilo}·S",
            XLabel = "silos S",
            YLabel = "MB/s of uploads",
        }.Render([
            new ChartSeries("ingest (stage)", [.. runs.Select(r => ((double)r.Silos, r.IngestMegabytesPerSecond))]),
            new ChartSeries("fold (complete)", [.. runs.Select(r => ((double)r.Silos, r.FoldMegabytesPerSecond))]),
        ]);
    }

    /// <summary>Total silo CPU-seconds and the busiest silo's, against S (what the scaling would be with a core per silo).</summary>
    public static string CpuChart(IReadOnlyList<ClusterBenchRow> rows, ClusterBenchOptions options)
    {
        IGrouping<int, ClusterBenchRow>[] runs = [.. rows.GroupBy(r => r.Silos).OrderBy(g => g.Key)];
        return new LineChart
        {
            Title = $"Silo CPU per round, N = {options.Uploads}, d = {options.Dimension:0.#e0}",
            XLabel = "silos S",
            YLabel = "CPU-seconds (user + system)",
        }.Render([
            new ChartSeries("all silos", [.. runs.Select(g => ((double)g.Key, g.Sum(r => r.SiloCpuSeconds)))]),
            new ChartSeries("busiest silo", [.. runs.Select(g => ((double)g.Key, g.Max(r => r.SiloCpuSeconds)))]),
        ]);
    }
}
