using System.Globalization;
using System.Text;

namespace SecAgg.ClusterBench;

/// <summary>The benchmark's CSV: a header line of <see cref="Columns"/>, then one line per silo per configuration.</summary>
internal static class ClusterBenchCsv
{
    public static readonly string[] Columns =
    [
        "silos", "silo", "partitions", "uploads", "dimension", "chunks", "upload_bytes",
        "ingest_s", "ingest_mb_s", "fold_s", "fold_mb_s", "aggregate_s", "round_s", "sum_matches",
        "silo_peak_rss_mb", "silo_cpu_s",
        "pg_staged_bytes", "pg_state_bytes", "pg_wal_bytes", "pg_blks_read", "pg_blks_hit", "pg_tup_inserted", "pg_tup_updated", "pg_tup_fetched",
        "load_avg_1m",
    ];

    public static string Format(IEnumerable<ClusterBenchRow> rows)
    {
        var csv = new StringBuilder().AppendJoin(',', Columns).Append('\n');
        foreach (ClusterBenchRow r in rows)
        {
            csv.AppendJoin(',', (string[])[
                I(r.Silos), I(r.Silo), I(r.Partitions), I(r.Uploads), I(r.Dimension), I(r.Chunks), I(r.UploadBytes),
                F(r.IngestSeconds), F(r.IngestMegabytesPerSecond), F(r.FoldSeconds), F(r.FoldMegabytesPerSecond), F(r.AggregateSeconds), F(r.RoundSeconds),
                r.SumMatches ? "true" : "false",
                F(r.SiloPeakRssBytes / 1e6), F(r.SiloCpuSeconds),
                I(r.PgStagedBytes), I(r.PgStateBytes), I(r.Pg.WalBytes), I(r.Pg.BlocksRead), I(r.Pg.BlocksHit), I(r.Pg.TuplesInserted), I(r.Pg.TuplesUpdated), I(r.Pg.TuplesFetched),
                F(r.LoadAverage),
            ]).Append('\n');
        }

        return csv.ToString();
    }

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
