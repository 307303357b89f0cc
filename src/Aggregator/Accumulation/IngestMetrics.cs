using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SecAgg.Aggregator.Accumulation;

/// <summary>
/// Where ingest time goes, per chunk (meter <c>SecAgg.Aggregator</c>, histograms in seconds):
/// <c>secagg.aggregator.ingest.validate</c> (parse and check the chunk), <c>secagg.aggregator.ingest.stage</c>
/// (durable staging, including the progress reads), <c>secagg.aggregator.ingest.count</c> (folding a complete upload
/// into the round's sum and recording it, per upload). The load test sums them to profile the upload path.
/// </summary>
internal static class IngestMetrics
{
    /// <summary>The process-wide meter of the ingest histograms (one per process, shared by every aggregator in it).</summary>
    internal static readonly Meter Meter = new("SecAgg.Aggregator", "1.0");

    public static readonly Histogram<double> Validate = Meter.CreateHistogram<double>("secagg.aggregator.ingest.validate", "s", "Time to parse and check one ciphertext chunk.");

    public static readonly Histogram<double> Stage = Meter.CreateHistogram<double>("secagg.aggregator.ingest.stage", "s", "Time to stage one chunk durably (with its progress reads).");

    public static readonly Histogram<double> Count = Meter.CreateHistogram<double>("secagg.aggregator.ingest.count", "s", "Time to fold one complete upload into the round's sum and record it.");

    public static void Record(Histogram<double> histogram, long startTimestamp)
    {
        if (histogram.Enabled)
        {
            histogram.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);
        }
    }
}
