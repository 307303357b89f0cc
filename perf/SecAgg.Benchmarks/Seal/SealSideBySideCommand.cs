using System.Globalization;
using SecAgg.Perf.Reporting;

namespace SecAgg.Benchmarks.Seal;

/// <summary>
/// The <c>seal-side-by-side</c> and <c>seal-report</c> verbs of SecAgg.Benchmarks (perf/run-benchmarks.sh calls them;
/// docs/benchmarks.md). <c>seal-side-by-side</c> alternates SEAL's benchmark (plain, then with HEXL when given) and our
/// matching BenchmarkDotNet benchmarks, pair after pair, and writes the run as JSON and its Markdown section;
/// <c>seal-report</c> renders a saved run again and puts its section into perf/RESULTS.md.
/// </summary>
internal static class SealSideBySideCommand
{
    /// <summary>File name of the saved run (its section is the same name with .md).</summary>
    public const string JsonName = "seal-side-by-side.json";

    private const string Usage = """
        seal-side-by-side --seal BIN [--seal-hexl BIN | --hexl-missing REASON] [--pairs 3] [--batches 9]
                          [--out perf/results] [--markdown perf/RESULTS.md] [--command TEXT]
            BIN: the binaries of ../shared/anchors/seal/build.sh (plain) and build.sh --hexl. Runs SEAL, SEAL+HEXL, ours,
            and again, --pairs times (at least 3), all in thread CPU time; writes OUT/seal-side-by-side.json and .md and,
            with --markdown, puts the section into that report.
        seal-report [--in perf/results/seal-side-by-side.json] [--markdown perf/RESULTS.md]
            Renders a saved run again (OUT/seal-side-by-side.md) and puts its section into the report.
        """;

    /// <summary>Runs <c>seal-side-by-side</c>.</summary>
    public static int Measure(string[] args)
    {
        if (!TryParse(args, ["seal", "seal-hexl", "hexl-missing", "pairs", "batches", "out", "markdown", "command"], out var o)
            || !o.TryGetValue("seal", out string? sealPath))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        int pairs = Count(o, "pairs", 3), batches = Count(o, "batches", 9);
        List<string> errors = [];
        if (pairs < 3)
        {
            errors.Add("--pairs must be a whole number of at least 3 (fewer gives no meaningful interleaved median).");
        }

        if (batches < 3)
        {
            errors.Add("--batches must be a whole number of at least 3.");
        }

        string? hexlPath = o.GetValueOrDefault("seal-hexl");
        foreach (string path in new[] { sealPath, hexlPath }.OfType<string>().Where(p => !File.Exists(p)))
        {
            errors.Add($"SEAL benchmark binary '{path}' does not exist; build it with ../shared/anchors/seal/build.sh (add --hexl for the HEXL one).");
        }

        if (errors.Count > 0)
        {
            errors.ForEach(Console.Error.WriteLine);
            return 2;
        }

        string outDir = o.GetValueOrDefault("out", Path.Combine("perf", "results"));
        string artifacts = Directory.CreateTempSubdirectory("secagg-seal-side-by-side-").FullName;
        try
        {
            SealSideBySideRun run = Alternate(new SealBinary(SideBySideSource.Seal, sealPath), hexlPath is null ? null : new SealBinary(SideBySideSource.SealHexl, hexlPath), pairs, batches, artifacts) with
            {
                Command = o.GetValueOrDefault("command", "SecAgg.Benchmarks seal-side-by-side " + string.Join(' ', args)),
                HexlMissing = hexlPath is null ? o.GetValueOrDefault("hexl-missing", "no --seal-hexl binary given") : "",
            };
            Directory.CreateDirectory(outDir);
            string json = Path.Combine(outDir, JsonName);
            File.WriteAllText(json, run.ToJson());
            Write(run, json, o.GetValueOrDefault("markdown"));
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException)
        {
            Console.Error.WriteLine($"SEAL side-by-side run failed: {e.Message}");
            return 1;
        }
        finally
        {
            Directory.Delete(artifacts, recursive: true);
        }
    }

    /// <summary>Runs <c>seal-report</c>.</summary>
    public static int Report(string[] args)
    {
        if (!TryParse(args, ["in", "markdown"], out var o))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        string json = o.GetValueOrDefault("in", Path.Combine("perf", "results", JsonName));
        if (!File.Exists(json))
        {
            Console.Error.WriteLine($"--in '{json}' does not exist; run the side-by-side first (perf/run-benchmarks.sh --seal-only).");
            return 2;
        }

        try
        {
            Write(SealSideBySideRun.FromJson(File.ReadAllText(json)), json, o.GetValueOrDefault("markdown"));
            return 0;
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"{json}: {e.Message}");
            return 2;
        }
    }

    private static SealSideBySideRun Alternate(SealBinary seal, SealBinary? hexl, int pairs, int batches, string artifacts)
    {
        var ours = new OurMatchingBenchmarks(artifacts, Console.Out);
        string loadStart = MachineProbe.LoadAverage();
        DateTime started = DateTime.UtcNow;
        var samples = new List<SideBySideSample>();
        var loads = new List<string>();
        for (int pair = 1; pair <= pairs; pair++)
        {
            loads.Add(MachineProbe.LoadAverage());
            foreach (SealBinary binary in new[] { seal, hexl }.OfType<SealBinary>())
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"== pair {pair}/{pairs}: {binary.Source} ({binary.Path}), load average {MachineProbe.LoadAverage()}"));
                samples.AddRange(binary.Run(pair, batches));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"== pair {pair}/{pairs}: ours (BenchmarkDotNet), load average {MachineProbe.LoadAverage()}"));
            samples.AddRange(ours.Run(pair));
        }

        (string os, string runtime) = MachineProbe.Platform();
        string compiler = MachineProbe.Compiler();
        string flags = "-O3 -march=native (../shared/anchors/seal/build.sh; zstd, zlib and GSL off)" + (compiler.Length > 0 ? $", {compiler}" : "");
        return new SealSideBySideRun
        {
            StartedUtc = started,
            FinishedUtc = DateTime.UtcNow,
            Machine = new MachineInfo { Cpu = MachineProbe.CpuModel(), Cores = Environment.ProcessorCount, Os = os, Runtime = runtime, LoadAverageStart = loadStart, LoadAverageEnd = MachineProbe.LoadAverage() },
            CpuFlags = MachineProbe.CpuFlags(),
            Builds =
            [
                .. new[] { seal, hexl }.OfType<SealBinary>().Select(b => new SealBuild
                {
                    Source = b.Source,
                    Version = b.Version,
                    Binary = b.Path,
                    Build = b.Source == SideBySideSource.SealHexl ? flags + ", Intel HEXL 1.2.6 with google/cpu_features 32b49eb (kernels picked at run time" + HexlSwitches() + ")" : flags,
                }),
            ],
            Pairs = pairs,
            SealBatches = batches,
            OurJob = OurMatchingBenchmarks.Description,
            PairLoadAverages = loads,
            Samples = samples,
        };
    }

    private static string HexlSwitches()
    {
        string[] set = [.. new[] { "HEXL_DISABLE_AVX512IFMA", "HEXL_DISABLE_AVX512DQ" }.Where(v => Environment.GetEnvironmentVariable(v) is { Length: > 0 })];
        return set.Length == 0 ? "" : $"; {string.Join(", ", set)} set";
    }

    private static void Write(SealSideBySideRun run, string json, string? report)
    {
        string section = new SealSideBySideReport(run).Markdown();
        string md = Path.ChangeExtension(json, ".md");
        File.WriteAllText(md, section);
        Console.WriteLine($"Wrote {json} and {md}.");
        if (report is not null)
        {
            if (!File.Exists(report))
            {
                Console.Error.WriteLine($"--markdown '{report}' does not exist; the section is only in {md}.");
                return;
            }

            File.WriteAllText(report, SealSideBySideReport.Splice(File.ReadAllText(report), section));
            Console.WriteLine($"Put the SEAL side-by-side section into {report}.");
        }

        Console.Write(section);
    }

    private static int Count(Dictionary<string, string> o, string name, int fallback) =>
        !o.TryGetValue(name, out string? text) ? fallback : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : -1;

    /// <summary>Reads "--name value" pairs; false (with a message) on anything else or on an unknown name.</summary>
    private static bool TryParse(string[] args, string[] known, out Dictionary<string, string> options)
    {
        options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i += 2)
        {
            string name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : "";
            if (!known.Contains(name) || i + 1 >= args.Length)
            {
                Console.Error.WriteLine(name.Length == 0 || !known.Contains(name) ? $"Unknown argument '{args[i]}'." : $"--{name} needs a value.");
                return false;
            }

            options[name] = args[i + 1];
        }

        return true;
    }
}
