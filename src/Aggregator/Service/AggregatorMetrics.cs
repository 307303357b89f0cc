using System.Diagnostics.Metrics;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// OpenTelemetry-compatible metrics (System.Diagnostics.Metrics, meter <see cref="MeterName"/>): round
/// durations, ciphertext bytes received, uploads counted, decryption shares received, participants per stage.
/// Export with the OpenTelemetry SDK (<c>AddMeter("SecAgg.Aggregator")</c>).
/// </summary>
public sealed class AggregatorMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "SecAgg.Aggregator";

    private readonly Meter _meter = new(MeterName, "1.0");

    internal AggregatorMetrics(Func<IEnumerable<Measurement<int>>> participantsPerStage)
    {
        RoundDuration = _meter.CreateHistogram<double>("secagg.aggregator.round.duration", "s", "Time from a round's opening to its publication or abort.");
        BytesReceived = _meter.CreateCounter<long>("secagg.aggregator.bytes_received", "By", "Ciphertext and share bytes received.");
        UploadsCounted = _meter.CreateCounter<long>("secagg.aggregator.uploads_counted", "{upload}", "Complete uploads added to a round's sum.");
        SharesReceived = _meter.CreateCounter<long>("secagg.aggregator.decryption_shares", "{share}", "Decryption shares received (one per member and chunk).");
        _meter.CreateObservableGauge("secagg.aggregator.participants", participantsPerStage, "{participant}", "Participants per stage of the current round (submitted, decrypting members answered).");
    }

    /// <summary>This instance's meter (several aggregators in one process each have their own).</summary>
    internal Meter Meter => _meter;

    internal Histogram<double> RoundDuration { get; }

    internal Counter<long> BytesReceived { get; }

    internal Counter<long> UploadsCounted { get; }

    internal Counter<long> SharesReceived { get; }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
