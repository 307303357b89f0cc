using SecAgg.Perf.Reporting;

namespace SecAgg.Perf.Tests;

public sealed class SealSideBySideReportTests
{
    private const string SameWork = "EncryptPublicKey(key: no special prime)";

    /// <summary>
    /// Three pairs. BFV pk-encrypt n = 4096 (same work): SEAL 600 / 660 / 540 µs, SEAL+HEXL 300 / 330 / 270, ours
    /// AVX-512 120 / 110 / 150, ours scalar 600 / 600 / 600. Medians: 600, 300, 120, 600, so 5.00x, 2.50x and 1.00x;
    /// per-pair ratios 600/120 = 5, 660/110 = 6, 540/150 = 3.6.
    /// </summary>
    private static SealSideBySideRun Fixture()
    {
        double[] seal = [600, 660, 540], hexl = [300, 330, 270], vector = [120, 110, 150];
        var samples = new List<SideBySideSample>();
        for (int i = 0; i < 3; i++)
        {
            samples.Add(new(i + 1, SideBySideSource.Seal, SameWork, 4096, seal[i]));
            samples.Add(new(i + 1, SideBySideSource.Seal, "EncryptPublicKey(std: keylevel+moddown)", 4096, 800));
            samples.Add(new(i + 1, SideBySideSource.SealHexl, SameWork, 4096, hexl[i]));
            samples.Add(new(i + 1, SideBySideSource.OursVector512, "BfvBenchmarks.EncryptPublicKey", 4096, vector[i]));
            samples.Add(new(i + 1, SideBySideSource.OursScalar, "BfvBenchmarks.EncryptPublicKey", 4096, 600));
            samples.Add(new(i + 1, SideBySideSource.Seal, "Add(into dest)", 8192, 70));
            samples.Add(new(i + 1, SideBySideSource.OursVector512, "BfvBenchmarks.Add", 8192, 14));
        }

        return new SealSideBySideRun
        {
            Command = "perf/run-benchmarks.sh --seal-only",
            StartedUtc = new DateTime(2026, 12, 6, 3, 0, 0, DateTimeKind.Utc),
            FinishedUtc = new DateTime(2026, 12, 6, 3, 40, 0, DateTimeKind.Utc),
            Machine = new MachineInfo { Cpu = "AMD EPYC", Cores = 2, LoadAverageStart = "7.1 8.2 9.3", LoadAverageEnd = "10.4 11.5 12.6" },
            CpuFlags = "avx2 avx512f avx512ifma aes",
            Builds =
            [
                new SealBuild { Source = SideBySideSource.Seal, Version = "SEAL 4.4.3 HEXL=off", Build = "-O3 -march=native" },
                new SealBuild { Source = SideBySideSource.SealHexl, Version = "SEAL 4.4.3 HEXL=on", Build = "-O3 -march=native, Intel HEXL 1.2.6" },
            ],
            Pairs = 3,
            SealBatches = 9,
            OurJob = "BenchmarkDotNet, thread CPU time",
            PairLoadAverages = ["7.1 8.2 9.3", "8 8 8", "9 9 9"],
            Samples = samples,
        };
    }

    private static SealMatch Match(string seal, int n) => SealMatch.All.Single(m => m.Seal == seal && m.N == n);

    [Fact]
    public void TheRatioIsOfTheInterleavedMediansWithThePerPairSpread()
    {
        Spread r = Fixture().Ratio(Match(SameWork, 4096), SideBySideSource.Seal, SideBySideSource.OursVector512);
        Assert.Equal(5.0, r.Median, 9);
        Assert.Equal(3.6, r.Min, 9);
        Assert.Equal(6.0, r.Max, 9);
        Assert.Equal(3, r.Count);
    }

    [Fact]
    public void ARatioWithAMissingSideIsNotComputed()
    {
        // No SEAL+HEXL figure for BFV add at n = 8192 and no scalar one.
        SealSideBySideRun run = Fixture();
        SealMatch add = Match("Add(into dest)", 8192);
        Assert.Equal(0, run.Ratio(add, SideBySideSource.SealHexl, SideBySideSource.OursVector512).Count);
        Assert.Equal(0, run.Ratio(add, SideBySideSource.Seal, SideBySideSource.OursScalar).Count);
        Assert.Equal(5.0, run.Ratio(add, SideBySideSource.Seal, SideBySideSource.OursVector512).Median, 9);
    }

    [Fact]
    public void TheSectionStatesEachRatioWithTheRunItCameFrom()
    {
        string md = new SealSideBySideReport(Fixture()).Markdown();
        Assert.StartsWith("## SEAL 4.4.3 side by side", md, StringComparison.Ordinal);
        Assert.Contains("2026-12-06 03:00–03:40 UTC", md, StringComparison.Ordinal);
        Assert.Contains("`perf/run-benchmarks.sh --seal-only`", md, StringComparison.Ordinal);
        Assert.Contains("AMD EPYC (lscpu), 2 cores", md, StringComparison.Ordinal);
        Assert.Contains("avx2 avx512f avx512ifma aes", md, StringComparison.Ordinal);
        Assert.Contains("at start: 7.1 8.2 9.3; at end: 10.4 11.5 12.6", md, StringComparison.Ordinal);
        Assert.Contains("`SEAL 4.4.3 HEXL=on`", md, StringComparison.Ordinal);

        // Same work: SEAL 600, SEAL+HEXL 300, ours 120 (AVX-512) and 600 (scalar).
        Assert.Contains("| BFV pk-encrypt, same work (1) | 4096 | 600 | 300 | 120 | 600 | **5.00x** [3.60–6.00] | **2.50x** [1.80–3.00] | **1.00x** [0.90–1.10] |", md, StringComparison.Ordinal);
        Assert.Contains("ours (AVX-512) **5.00x** SEAL's throughput, **2.50x** SEAL+HEXL's; our scalar path 1.00x SEAL's", md, StringComparison.Ordinal);

        // SEAL's default path (800 µs) against the same 120 µs, with its note; missing sides are dashes.
        Assert.Contains("| BFV pk-encrypt, SEAL's default path (2) | 4096 | 800 | – | 120 | 600 | **6.67x**", md, StringComparison.Ordinal);
        Assert.Contains("(2) SEAL does more work", md, StringComparison.Ordinal);
        Assert.Contains("| BFV add | 8192 | 70.0 | – | 14.0 | – | **5.00x** [5.00–5.00] | – | – |", md, StringComparison.Ordinal);

        // Comparisons without figures are left out.
        Assert.DoesNotContain("CKKS", md, StringComparison.Ordinal);
    }

    [Fact]
    public void TheJsonRoundTripsEverySample()
    {
        SealSideBySideRun run = Fixture();
        SealSideBySideRun back = SealSideBySideRun.FromJson(run.ToJson());
        Assert.Equal(run.Samples, back.Samples);
        Assert.Equal(run.Builds, back.Builds);
        Assert.Equal(run.PairLoadAverages, back.PairLoadAverages);
        Assert.Equal(run.StartedUtc, back.StartedUtc);
        var e = Assert.Throws<InvalidDataException>(() => SealSideBySideRun.FromJson("[1, 2"));
        Assert.Contains("SEAL side-by-side", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SplicingReplacesOnlyWhatLiesBetweenTheMarkers()
    {
        string doc = $"# Report\n\nbefore\n{SealSideBySideReport.BeginMarker}\nold section\n{SealSideBySideReport.EndMarker}\n\nafter\n";
        string once = SealSideBySideReport.Splice(doc, "## new section\n\ntable\n");
        Assert.Equal($"# Report\n\nbefore\n{SealSideBySideReport.BeginMarker}\n## new section\n\ntable\n{SealSideBySideReport.EndMarker}\n\nafter\n", once);

        // Splicing again gives the same document; a document without markers gets the section appended.
        Assert.Equal(once, SealSideBySideReport.Splice(once, "## new section\n\ntable\n"));
        Assert.Equal($"# Other\n\n{SealSideBySideReport.BeginMarker}\nx\n{SealSideBySideReport.EndMarker}\n", SealSideBySideReport.Splice("# Other\n", "x"));
    }

    [Fact]
    public void SealOutputIsReadWithTheCpuMedian()
    {
        const string stdout = "SEAL,EncryptPublicKey(key: no special prime),4096,wall_us,2038.63,1969.43,2297.37,cpu_us,673.67,662.74,682.41\r\n" +
            "unrelated line\n" +
            "SEAL,CkksAddInplace(key: 3 limbs; add_poly_coeffmod),8192,wall_us,201.90,196.99,202.87,cpu_us,43.20,43.14,43.28\n";
        IReadOnlyList<SealBenchLine> lines = SealBenchOutput.Parse(stdout);
        Assert.Equal(2, lines.Count);
        Assert.Equal(new SealBenchLine(SameWork, 4096, 2038.63, 673.67, 662.74, 682.41), lines[0]);
        Assert.Equal("CkksAddInplace(key: 3 limbs; add_poly_coeffmod)", lines[1].Operation);
    }

    [Theory]
    [InlineData("SEAL,Add,4096,wall_us,1,1,1,cpu_us,1,1")]
    [InlineData("SEAL,Add,4096,wall_us,1,1,1,cpu,1,1,1")]
    [InlineData("SEAL,Add,n,wall_us,1,1,1,cpu_us,1,1,1")]
    [InlineData("SEAL,Add,4096,wall_us,1,1,1,cpu_us,-1,1,1")]
    [InlineData("SEAL,Add,4096,wall_us,1,1,1,cpu_us,NaN,1,1")]
    public void AMalformedSealLineIsRefusedWithTheLine(string line)
    {
        var e = Assert.Throws<InvalidDataException>(() => SealBenchOutput.Parse(line));
        Assert.Contains(line, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EverySealOperationComparedIsOneTheAnchorBenchmarkPrints()
    {
        // The labels of ../shared/anchors/seal/bench.cpp (SEAL 4.4.3 side-by-side benchmark).
        string[] printed =
        [
            "EncryptPublicKey(std: keylevel+moddown)", "EncryptSymmetric(std)", "Add(into dest)", "AddInplace", "Decrypt",
            "EncryptPublicKey(key: no special prime)", "EncryptZeroOnly(key)", "CkksEncode(std: 2 limbs)",
            "CkksEncryptPublicKey(std: keylevel+moddown)", "CkksEncodeEncrypt(std: 2 limbs)", "CkksDecrypt(std: 2 limbs)",
            "CkksDecryptDecode(std: 2 limbs)", "CkksDecryptDecode(1 limb: 60-bit prime)", "CkksAdd(into dest)", "CkksAddInplace",
            "CkksEncodeEncrypt(key: 3 limbs; no special prime)", "CkksAddInplace(key: 3 limbs; add_poly_coeffmod)",
        ];
        Assert.All(SealMatch.All, m => Assert.Contains(m.Seal, printed));
        Assert.All(SealMatch.All, m => Assert.True(m.N is 4096 or 8192));
        Assert.Equal(2, SealMatch.All.Count(m => m.Headline && m.OurType == "BfvBenchmarks"));
    }

    [Fact]
    public void WithoutARunTheSectionDividesByNothingAndCitesTheExternalMeasurementWithItsDate()
    {
        string external = SealSideBySideReport.External;
        Assert.Contains("**Not measured in this report.**", external, StringComparison.Ordinal);
        Assert.Contains("2026-12-05", external, StringComparison.Ordinal);
        Assert.Contains("interleaved", external, StringComparison.Ordinal);
        Assert.Contains("thread CPU time", external, StringComparison.Ordinal);
    }
}
