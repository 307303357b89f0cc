using System.Globalization;
using System.Text;

namespace SecAgg.Perf.Reporting;

/// <summary>CSV views of a sweep: every round (raw), and median/min/max per configuration, path and stage.</summary>
public static class RoundBenchCsv
{
    /// <summary>One row per (configuration, path, round): every stage in seconds, bytes, peak memory and CPU seconds.</summary>
    public static string Rounds(SweepResult sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var sb = new StringBuilder();
        sb.AppendLine("participants,dimension,dp,path,round," + string.Join(',', Stage.All) + ",bytes_per_participant,aggregator_peak_bytes,participant_peak_bytes,aggregator_cpu_s,participant_cpu_s,decryption_share_bytes");
        foreach (ConfigResult c in sweep.Configs)
        {
            foreach (var (path, rounds) in Paths(c))
            {
                foreach (RoundRecord r in rounds)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{c.Participants},{c.Dimension},{(c.Dp ? "on" : "off")},{path},{r.Round}");
                    foreach (string s in Stage.All)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $",{(r.Stages.TryGetValue(s, out double v) ? v.ToString("0.######", CultureInfo.InvariantCulture) : "")}");
                    }

                    sb.AppendLine(CultureInfo.InvariantCulture, $",{r.BytesPerParticipant},{r.AggregatorPeakBytes},{r.ParticipantPeakBytes},{F(r.AggregatorCpuSeconds)},{F(r.ParticipantCpuSeconds)},{r.DecryptionShareBytes}");
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>One row per (configuration, path, figure): median, min, max over the warm rounds, and how many.</summary>
    public static string Summary(SweepResult sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var sb = new StringBuilder();
        sb.AppendLine("participants,dimension,dp,path,figure,median,min,max,warm_rounds,error");
        foreach (ConfigResult c in sweep.Configs)
        {
            if (c.Error is not null)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"{c.Participants},{c.Dimension},{(c.Dp ? "on" : "off")},,,,,,0,\"{c.Error.Replace("\"", "'", StringComparison.Ordinal).ReplaceLineEndings(" ")}\"");
            }

            foreach (var (path, rounds) in Paths(c))
            {
                IEnumerable<(string Figure, Spread Value)> figures = Stage.All.Select(s => (s + "_s", Spread.OfStage(rounds, s)))
                    .Append(("bytes_per_participant", Spread.Of(Spread.Warm(rounds).Select(r => (double)r.BytesPerParticipant))))
                    .Append(("aggregator_peak_bytes", Spread.Of(Spread.Warm(rounds).Select(r => (double)r.AggregatorPeakBytes))))
                    .Append(("participant_peak_bytes", Spread.Of(Spread.Warm(rounds).Select(r => (double)r.ParticipantPeakBytes))))
                    .Append(("aggregator_cpu_s", Spread.Of(Spread.Warm(rounds).Select(r => r.AggregatorCpuSeconds))))
                    .Append(("participant_cpu_s", Spread.Of(Spread.Warm(rounds).Select(r => r.ParticipantCpuSeconds))))
                    .Append(("decryption_share_bytes", Spread.Of(Spread.Warm(rounds).Select(r => (double)r.DecryptionShareBytes))));
                foreach (var (figure, v) in figures)
                {
                    sb.AppendLine(CultureInfo.InvariantCulture, $"{c.Participants},{c.Dimension},{(c.Dp ? "on" : "off")},{path},{figure},{F(v.Median)},{F(v.Min)},{F(v.Max)},{v.Count},");
                }
            }

            if (c.Error is null)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"{c.Participants},{c.Dimension},{(c.Dp ? "on" : "off")},secure,join_s,{F(c.JoinSeconds)},{F(c.JoinSeconds)},{F(c.JoinSeconds)},1,");
            }
        }

        return sb.ToString();
    }

    private static IEnumerable<(string Path, IReadOnlyList<RoundRecord> Rounds)> Paths(ConfigResult c) => [("secure", c.Secure), ("plaintext", c.Plaintext)];

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.######", CultureInfo.InvariantCulture) : "";
}
