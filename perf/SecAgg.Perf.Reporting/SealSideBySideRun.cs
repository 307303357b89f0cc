using System.Text.Encodings.Web;
using System.Text.Json;

namespace SecAgg.Perf.Reporting;

/// <summary>Who produced a figure of a side-by-side run (values of <see cref="SideBySideSample.Source"/>).</summary>
public static class SideBySideSource
{
    /// <summary>SEAL 4.4.3 without Intel HEXL (its portable C++ kernels, -O3 -march=native).</summary>
    public const string Seal = "seal";

    /// <summary>SEAL 4.4.3 with Intel HEXL (AVX-512 NTT and element-wise kernels).</summary>
    public const string SealHexl = "seal-hexl";

    /// <summary>Our benchmark with <c>Simd=Vector512</c> (the AVX-512 path).</summary>
    public const string OursVector512 = "ours-vector512";

    /// <summary>Our benchmark with <c>Simd=Scalar</c> (the portable path).</summary>
    public const string OursScalar = "ours-scalar";
}

/// <summary>One figure: the median thread CPU time per operation of one source's run in one pair.</summary>
/// <param name="Pair">1-based pair number (SEAL, SEAL+HEXL and ours each ran once per pair, in that order).</param>
/// <param name="Source">One of <see cref="SideBySideSource"/>.</param>
/// <param name="Operation">SEAL's operation label, or our benchmark as "Type.Method".</param>
/// <param name="N">Ring degree.</param>
/// <param name="CpuMicroseconds">That run's median thread CPU time per operation, µs.</param>
public sealed record SideBySideSample(int Pair, string Source, string Operation, int N, double CpuMicroseconds);

/// <summary>A SEAL binary that took part in a side-by-side run.</summary>
public sealed record SealBuild
{
    /// <summary><see cref="SideBySideSource.Seal"/> or <see cref="SideBySideSource.SealHexl"/>.</summary>
    public required string Source { get; init; }

    /// <summary>The line the binary prints about itself, e.g. "SEAL 4.4.3 HEXL=off".</summary>
    public required string Version { get; init; }

    /// <summary>How it was built (compiler, flags, HEXL version), as the runner knows it.</summary>
    public string Build { get; init; } = "";

    /// <summary>Path of the binary.</summary>
    public string Binary { get; init; } = "";
}

/// <summary>
/// SEAL's benchmark and ours, run alternately in one session (pair 1: SEAL, SEAL+HEXL, ours; pair 2: the same; …), all
/// in thread CPU time. Ratios are taken between the medians over the pairs of this one run, never with figures of
/// another run.
/// </summary>
public sealed record SealSideBySideRun
{
    // The sweep's options, writing "+" and "`" as themselves (the JSON is read by people too).
    private static readonly JsonSerializerOptions JsonOptions = new(SweepResult.JsonOptions) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The command that produced it.</summary>
    public string Command { get; init; } = "";

    /// <summary>UTC start.</summary>
    public DateTime StartedUtc { get; init; }

    /// <summary>UTC end.</summary>
    public DateTime FinishedUtc { get; init; }

    /// <summary>The machine (CPU model as lscpu names it, load averages at start and end).</summary>
    public MachineInfo Machine { get; init; } = new();

    /// <summary>The instruction-set flags (as lscpu lists them) that the compared code can use.</summary>
    public string CpuFlags { get; init; } = "";

    /// <summary>The SEAL binaries that ran.</summary>
    public List<SealBuild> Builds { get; init; } = [];

    /// <summary>Why there are no SEAL+HEXL figures; empty when there are.</summary>
    public string HexlMissing { get; init; } = "";

    /// <summary>Pairs run.</summary>
    public int Pairs { get; init; }

    /// <summary>Batches per SEAL operation in each SEAL run (each SEAL figure is the median of these).</summary>
    public int SealBatches { get; init; }

    /// <summary>How our figures were measured (BenchmarkDotNet job and toolchain).</summary>
    public string OurJob { get; init; } = "";

    /// <summary>/proc/loadavg at the start of each pair.</summary>
    public List<string> PairLoadAverages { get; init; } = [];

    /// <summary>Every figure of every pair.</summary>
    public List<SideBySideSample> Samples { get; init; } = [];

    /// <summary>Median and spread over the pairs of one source's figure for one operation (Count 0 when never measured).</summary>
    public Spread Over(string source, string operation, int n) =>
        Spread.Of(Samples.Where(s => s.Source == source && s.Operation == operation && s.N == n).Select(s => s.CpuMicroseconds));

    /// <summary>
    /// The ratio SEAL's CPU time / ours (above 1: ours is faster) of the medians over the pairs, with the spread of the
    /// per-pair ratios as Min–Max (Count 0 when either side is missing).
    /// </summary>
    public Spread Ratio(SealMatch match, string sealSource, string ourSource)
    {
        ArgumentNullException.ThrowIfNull(match);
        Spread seal = Over(sealSource, match.Seal, match.N), ours = Over(ourSource, match.Ours, match.N);
        if (seal.Count == 0 || ours.Count == 0)
        {
            return new Spread(double.NaN, double.NaN, double.NaN, 0);
        }

        Spread perPair = Spread.Of(Samples.Where(s => s.Source == sealSource && s.Operation == match.Seal && s.N == match.N)
            .Join(Samples.Where(s => s.Source == ourSource && s.Operation == match.Ours && s.N == match.N), s => s.Pair, s => s.Pair, (s, o) => s.CpuMicroseconds / o.CpuMicroseconds));
        return new Spread(seal.Median / ours.Median, perPair.Min, perPair.Max, perPair.Count);
    }

    /// <summary>Serializes to indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses a run written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">The text is not a side-by-side run.</exception>
    public static SealSideBySideRun FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<SealSideBySideRun>(json, JsonOptions) ?? throw new InvalidDataException("The side-by-side JSON is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Not a SEAL side-by-side result: {e.Message}", e);
        }
    }
}
