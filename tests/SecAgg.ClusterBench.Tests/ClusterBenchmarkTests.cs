using System.Globalization;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;

namespace SecAgg.ClusterBench.Tests;

/// <summary>
/// The cluster benchmark at a tiny size (d = 10^4, N = 3, S = 1 and 2 real silo processes over PostgreSQL): the CSV has its
/// columns and one line per silo, each round's aggregate is the driver's own fold, and the charts are written. No timing
/// is asserted.
/// </summary>
public sealed class ClusterBenchmarkTests
{
    [PostgresFact]
    public async Task ATinyRunWritesOneCsvLinePerSiloWithTheRightSumAndTheCharts()
    {
        DirectoryInfo output = Directory.CreateTempSubdirectory("secagg-cbench-test-");
        try
        {
            var options = new ClusterBenchOptions
            {
                Silos = [1, 2],
                Uploads = 3,
                Dimension = 10_000,
                Postgres = PostgresFactAttribute.ConnectionString!,
                OutputDirectory = output.FullName,
            };
            IReadOnlyList<ClusterBenchRow> rows = await ClusterBenchmark.RunAsync(options, TextWriter.Null);

            string[] lines = File.ReadAllLines(Path.Combine(output.FullName, ClusterBenchmark.CsvName));
            Assert.Equal(string.Join(',', ClusterBenchCsv.Columns), lines[0]);
            Assert.Equal(
                "silos,silo,partitions,uploads,dimension,chunks,upload_bytes,ingest_s,ingest_mb_s,fold_s,fold_mb_s,aggregate_s,round_s,sum_matches," +
                "silo_peak_rss_mb,silo_cpu_s,pg_staged_bytes,pg_state_bytes,pg_wal_bytes,pg_blks_read,pg_blks_hit,pg_tup_inserted,pg_tup_updated,pg_tup_fetched,load_avg_1m",
                lines[0]);
            Assert.Equal(1 + 1 + 2, lines.Length);
            string[][] cells = [.. lines.Skip(1).Select(l => l.Split(','))];
            Assert.All(cells, c => Assert.Equal(ClusterBenchCsv.Columns.Length, c.Length));
            Assert.Equal(["1,1", "2,1", "2,2"], cells.Select(c => c[0] + "," + c[1]));
            Assert.Equal(["2", "4", "4"], cells.Select(c => c[Column("partitions")]));
            Assert.All(cells, c => Assert.Equal("true", c[Column("sum_matches")]));

            // Every staged byte is there: N uploads of C chunks of the preset's upload size.
            long upload = long.Parse(cells[0][Column("upload_bytes")], CultureInfo.InvariantCulture);
            Assert.All(cells, c => Assert.Equal(3 * upload, long.Parse(c[Column("pg_staged_bytes")], CultureInfo.InvariantCulture)));
            Assert.All(cells, c => Assert.True(double.Parse(c[Column("silo_peak_rss_mb")], CultureInfo.InvariantCulture) > 10, "a silo's peak RSS was not read"));
            Assert.All(rows, r => Assert.True(r.SiloCpuSeconds > 0, "a silo's CPU time was not read"));
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(output.FullName, ClusterBenchmark.ThroughputChartName)), StringComparison.Ordinal);
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(output.FullName, ClusterBenchmark.CpuChartName)), StringComparison.Ordinal);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public void SyntheticChunksAreValidUploadsWhoseFoldIsTheResidueSumModEachPrime()
    {
        AggregationParameters parameters = AggregationParameters.CreateInsecureForTests(parties: 3, threshold: 2);
        var scheme = new CiphertextScheme(parameters);
        var synthetic = new SyntheticUpload(parameters);
        byte[][] a = synthetic.Chunks(2, seed: 1);
        byte[][] b = synthetic.Chunks(2, seed: 2);
        Assert.NotEqual(a[0], a[1]);
        Assert.NotEqual(a[0], b[0]);
        Assert.All(a.Concat(b), c => Assert.True(scheme.TryValidateUpload(c, out string? problem), problem));

        // The fold against an independent reference: unpack both with the wire's bit widths and add mod each prime.
        MaskedUpload sum = scheme.CreateEmptySum();
        scheme.Fold(sum, a[0]);
        scheme.Fold(sum, b[0]);
        byte[] folded = sum.Serialize();
        ulong[] x = Unpack(parameters, a[0]);
        ulong[] y = Unpack(parameters, b[0]);
        ulong[] s = Unpack(parameters, folded);
        int n = parameters.RingDegree;
        for (int i = 0; i < x.Length; i++)
        {
            ulong q = parameters.Primes[i / n];
            Assert.True(x[i] < q && y[i] < q, $"residue {i} is not below its prime");
            Assert.Equal((ulong)(((UInt128)x[i] + y[i]) % q), s[i]);
        }

        Assert.Equal(2, BitConverter.ToInt32(folded, MaskedUpload.HeaderBytes - 4));
    }

    private static int Column(string name) => Array.IndexOf(ClusterBenchCsv.Columns, name);

    /// <summary>The residues of a serialized masked upload: limb by limb, each residue in its prime's bit length, LSB first.</summary>
    private static ulong[] Unpack(AggregationParameters parameters, byte[] upload)
    {
        var values = new ulong[parameters.RingDegree * parameters.Primes.Count];
        long bit = (long)MaskedUpload.HeaderBytes * 8;
        for (int i = 0; i < values.Length; i++)
        {
            int width = 64 - System.Numerics.BitOperations.LeadingZeroCount(parameters.Primes[i / parameters.RingDegree]);
            ulong v = 0;
            for (int j = 0; j < width; j++, bit++)
            {
                v |= (ulong)((upload[bit >> 3] >> (int)(bit & 7)) & 1) << j;
            }

            values[i] = v;
        }

        return values;
    }
}
