using System.Diagnostics;
using System.Globalization;
using SecAgg.Perf.Reporting;

namespace SecAgg.Benchmarks.Seal;

/// <summary>
/// SEAL's side of a side-by-side run: a benchmark binary built by <c>../shared/anchors/seal/build.sh</c> (plain or
/// <c>--hexl</c>), run as a child process (<c>BIN BATCHES all</c>: every BFV and CKKS operation, thread CPU time per op).
/// </summary>
/// <param name="source"><see cref="SideBySideSource.Seal"/> or <see cref="SideBySideSource.SealHexl"/>.</param>
/// <param name="path">The binary.</param>
internal sealed class SealBinary(string source, string path)
{
    /// <summary>Longest a single run may take before it is killed.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(20);

    /// <summary>Which build this is.</summary>
    public string Source { get; } = source;

    /// <summary>The binary.</summary>
    public string Path { get; } = path;

    /// <summary>The line the binary printed about itself on its last run ("SEAL 4.4.3 HEXL=off"), empty before.</summary>
    public string Version { get; private set; } = "";

    /// <summary>Runs it once and returns the median thread CPU time of every operation as samples of <paramref name="pair"/>.</summary>
    /// <exception cref="InvalidOperationException">It failed, timed out, or printed no figure for an operation the comparison needs.</exception>
    public IReadOnlyList<SideBySideSample> Run(int pair, int batches)
    {
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(batches.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("all");
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Path}.");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path} did not finish within {Timeout.TotalMinutes:0} minutes; it was stopped.");
        }

        string output = stdout.GetAwaiter().GetResult(), errors = stderr.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path} exited with code {process.ExitCode}: {(output + errors).Trim()}");
        }

        Version = errors.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("# SEAL", StringComparison.Ordinal))?[2..] ?? "SEAL (no version line)";
        IReadOnlyList<SealBenchLine> lines = SealBenchOutput.Parse(output);
        foreach (SealMatch match in SealMatch.All)
        {
            if (!lines.Any(l => l.Operation == match.Seal && l.N == match.N))
            {
                throw new InvalidOperationException($"{Path} printed no figure for '{match.Seal}' at n = {match.N}; is ../shared/anchors/seal/bench.cpp older than this runner?");
            }
        }

        return [.. lines.Select(l => new SideBySideSample(pair, Source, l.Operation, l.N, l.CpuMedianMicroseconds))];
    }
}
