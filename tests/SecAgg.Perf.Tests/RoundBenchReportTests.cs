using System.Globalization;
using System.Xml.Linq;
using SecAgg.Perf.Reporting;

namespace SecAgg.Perf.Tests;

public sealed class RoundBenchReportTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>A fixed two-configuration sweep: secure rounds take 3 s (warm) against 1 s plaintext, so the ratio is 3.</summary>
    private static SweepResult Fixture()
    {
        static RoundRecord Round(int round, double scale, long bytes) => new()
        {
            Round = round,
            Stages = Stage.CriticalPath.ToDictionary(s => s, _ => scale / Stage.CriticalPath.Count)
                .Append(new KeyValuePair<string, double>(Stage.Round, scale)).ToDictionary(),
            BytesPerParticipant = bytes,
            AggregatorPeakBytes = 500_000_000,
            ParticipantPeakBytes = 200_000_000,
            AggregatorCpuSeconds = scale / 4,
            ParticipantCpuSeconds = scale,
        };

        ConfigResult Config(int n, int d) => new()
        {
            Participants = n,
            Dimension = d,
            Dp = true,
            Bits = 16,
            JoinSeconds = 12.5,
            Secure = [Round(1, 30, 5_000_000), Round(2, 3, 5_000_000), Round(3, 3.2, 5_000_000), Round(4, 2.8, 5_000_000)],
            Plaintext = [Round(1, 10, 4_000_000), Round(2, 1, 4_000_000), Round(3, 1, 4_000_000), Round(4, 1, 4_000_000)],
        };

        return new SweepResult
        {
            Command = "roundbench sweep --quick",
            StartedUtc = new DateTime(2026, 11, 23, 13, 0, 0, DateTimeKind.Utc),
            TotalSeconds = 600,
            RoundsRequested = 4,
            Machine = new MachineInfo { Cpu = "AMD EPYC", Cores = 2, MemoryGiB = 24, LoadAverageStart = "1.0 2.0 3.0", LoadAverageEnd = "4.0 5.0 6.0" },
            Configs = [Config(10, 1_000_000), Config(2, 1_000_000), new ConfigResult { Participants = 20, Dimension = 10_000_000, Dp = true, Bits = 16, Error = "timed out after 15 min" }],
            Micro = [new MicroResult("BfvBenchmarks.EncryptPublicKey", "N=4096, Simd=Vector512", 700_000, 683_500)],
        };
    }

    [Fact]
    public void SummariesUseTheMedianOfTheWarmRoundsOnly()
    {
        ConfigResult c = Fixture().Configs[0];
        Spread secure = Spread.OfStage(c.Secure, Stage.Round);
        Assert.Equal(3, secure.Count);
        Assert.Equal(3.0, secure.Median, 9);
        Assert.Equal(2.8, secure.Min, 9);
        Assert.Equal(3.2, secure.Max, 9);
    }

    [Fact]
    public void CpuSecondsAddTheServerAndEveryParticipantOverTheWarmRounds()
    {
        ConfigResult c = Fixture().Configs[0];
        Spread cpu = Spread.OfCpu(c.Secure);
        Assert.Equal(3, cpu.Count);
        Assert.Equal(3.0 * 1.25, cpu.Median, 9);
        Assert.Equal(2.8 * 1.25, cpu.Min, 9);
        Assert.Equal(3.2 * 1.25, cpu.Max, 9);
        Assert.Contains("| 3.8 | 1.3 |", new RoundBenchReport(Fixture()).Markdown("results/charts"), StringComparison.Ordinal);
    }

    [Fact]
    public void TheJsonRoundTripsEveryRound()
    {
        SweepResult sweep = Fixture();
        SweepResult back = SweepResult.FromJson(sweep.ToJson());
        Assert.Equal(sweep.Configs.Count, back.Configs.Count);
        Assert.Equal(4, back.Configs[0].Secure.Count);
        Assert.Equal(3.2, back.Configs[0].Secure[2].Stages[Stage.Round], 9);
        Assert.Equal(0.8, back.Configs[0].Secure[2].AggregatorCpuSeconds, 9);
        Assert.Equal("timed out after 15 min", back.Configs[2].Error);
    }

    [Fact]
    public void NotJsonIsRefusedWithAClearMessage()
    {
        var e = Assert.Throws<InvalidDataException>(() => SweepResult.FromJson("{ not json"));
        Assert.Contains("round-benchmark", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheHeadlineStatesTheRatioAgainstEachGoal()
    {
        string md = new RoundBenchReport(Fixture()).Markdown("results/charts");

        // Secure 3 s vs plaintext 1 s: 3.0x, above the 2x goal.
        Assert.Contains("**3.0x**", md, StringComparison.Ordinal);
        Assert.Contains("| **not met** |", md, StringComparison.Ordinal);

        // 5 MB of ciphertext vs d·b/8 = 2 MB: 2.50x, within 3x.
        Assert.Contains("**2.50x**", md, StringComparison.Ordinal);

        // Our encryption figure alone (683.5 µs = 5.99 M values/s): no SEAL figure of another run divides it; the SEAL
        // section sits between its markers, saying that this report did not measure SEAL.
        Assert.Contains("684 µs = 5.99 M values/s", md, StringComparison.Ordinal);
        Assert.DoesNotContain("SEAL's throughput", md, StringComparison.Ordinal);
        Assert.Contains($"{SealSideBySideReport.BeginMarker}\n{SealSideBySideReport.External}{SealSideBySideReport.EndMarker}", md.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("N=20 d=1e7 DP on: timed out after 15 min", md, StringComparison.Ordinal);
        Assert.Contains("1.0 2.0 3.0", md, StringComparison.Ordinal);
        Assert.Contains("![round-time-vs-d-dp-on.svg](results/charts/round-time-vs-d-dp-on.svg)", md, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryChartIsWellFormedSvgWithTheMeasuredPoints()
    {
        var charts = new RoundBenchReport(Fixture()).Charts().ToDictionary(c => c.Name, c => c.Svg);
        Assert.Equal(["bytes-vs-d.svg", "overhead-ratio-vs-n-dp-on.svg", "round-time-vs-d-dp-on.svg", "stage-breakdown-dp-on.svg"], charts.Keys.Order(StringComparer.Ordinal));
        foreach (string svg in charts.Values)
        {
            Assert.Equal("svg", XDocument.Parse(svg).Root!.Name.LocalName);
        }

        // Two N values x (secure, plaintext) lines of one point each: 4 markers and 4 legend entries (each with its marker).
        XDocument time = XDocument.Parse(charts["round-time-vs-d-dp-on.svg"]);
        Assert.Superset(new HashSet<string>(["secure N=2", "plaintext N=2", "secure N=10", "plaintext N=10", "parameters d", "whole round (s)"]), Texts(time));
        Assert.Equal(4 + 4, time.Descendants(Svg + "ellipse").Count());

        // The ratio chart: one line over N = 2 and 10 (two markers, one legend entry) under the 2x goal.
        XDocument ratio = XDocument.Parse(charts["overhead-ratio-vs-n-dp-on.svg"]);
        Assert.Superset(new HashSet<string>(["d=1e6", "participants N", "overhead ratio (x)", "goal 2x"]), Texts(ratio));
        Assert.Equal(2 + 1, ratio.Descendants(Svg + "ellipse").Count());

        // Four bars (secure and plaintext for two configurations), the critical-path stages as the legend.
        XDocument stages = XDocument.Parse(charts["stage-breakdown-dp-on.svg"]);
        Assert.Superset(new HashSet<string>([.. Stage.CriticalPath.Select(Stage.Label), "secure N=2 d=1e6", "plain N=2 d=1e6", "secure N=10 d=1e6", "plain N=10 d=1e6", "seconds"]), Texts(stages));

        XDocument bytes = XDocument.Parse(charts["bytes-vs-d.svg"]);
        Assert.Superset(new HashSet<string>(["ciphertext N=2", "ciphertext N=10", "3x quantized (goal)", "float32 d*4", "bytes per participant"]), Texts(bytes));
    }

    [Fact]
    public void TheCsvHasOneRowPerRoundAndPath()
    {
        string[] lines = RoundBenchCsv.Rounds(Fixture()).TrimEnd().Split('\n');
        Assert.Equal(1 + (2 * 2 * 4), lines.Length);
        Assert.StartsWith("10,1000000,on,secure,2,", lines[2], StringComparison.Ordinal);
        string summary = RoundBenchCsv.Summary(Fixture());
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"10,1000000,on,secure,round_s,3,2.8,3.2,3,"), summary, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchmarkDotNetJsonIsReadWithMedianAndParameters()
    {
        const string json = """{"Title":"x","Benchmarks":[{"Type":"BfvBenchmarks","Method":"EncryptPublicKey","Parameters":"N=4096&Simd=Scalar","Statistics":{"Mean":1500.5,"Median":1400.25}},{"Type":"Failed","Method":"M","Parameters":"","Statistics":null}]}""";
        MicroResult r = Assert.Single(BenchmarkJson.Parse(json));
        Assert.Equal("BfvBenchmarks.EncryptPublicKey", r.Benchmark);
        Assert.Equal("N=4096, Simd=Scalar", r.Parameters);
        Assert.Equal(1400.25, r.MedianNanoseconds);
    }

    private static HashSet<string> Texts(XDocument svg) => [.. svg.Descendants(Svg + "text").Select(t => t.Value)];
}
