using System.Diagnostics.Metrics;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.State;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// The service's metrics (System.Diagnostics.Metrics, meter <see cref="MeterName"/>), exported by OpenTelemetry on the
/// operator port's <c>/metrics</c> (Prometheus) and, when configured, over OTLP. Instruments (OpenTelemetry name →
/// Prometheus name):
/// <list type="bullet">
/// <item><c>secagg.aggregator.uploads_counted</c> → <c>secagg_aggregator_uploads_counted_total</c>: complete uploads added to a round's sum.</item>
/// <item><c>secagg.aggregator.bytes_received</c> → <c>secagg_aggregator_bytes_received_bytes_total</c>: ciphertext, blob and share bytes received.</item>
/// <item><c>secagg.aggregator.decryption_shares</c> → <c>secagg_aggregator_decryption_shares_total</c>: decryption shares stored.</item>
/// <item><c>secagg.aggregator.refusals</c> → <c>secagg_aggregator_refusals_total</c>{rpc, status, reason}: refused calls.</item>
/// <item><c>secagg.aggregator.round.duration</c> → <c>secagg_aggregator_round_duration_seconds</c>{outcome}: opening to publication or abort.</item>
/// <item><c>secagg.aggregator.stage.duration</c> → <c>secagg_aggregator_stage_duration_seconds</c>{stage}: time spent in each stage a round left.</item>
/// <item><c>secagg.aggregator.decryption.duration</c> → <c>secagg_aggregator_decryption_duration_seconds</c>{shares}: last share in to the mean decoded, per round; shares = "added_on_arrival" when every chunk's shares were added up as they arrived, "read_back" otherwise.</item>
/// <item><c>secagg.aggregator.round.number</c> → <c>secagg_aggregator_round_number</c>: the current round (0 before the first).</item>
/// <item><c>secagg.aggregator.round.stage</c> → <c>secagg_aggregator_round_stage</c>{stage}: 1 for the current round's stage, 0 for the others.</item>
/// <item><c>secagg.aggregator.participants</c> → <c>secagg_aggregator_participants</c>{stage}: the current round's participants that submitted / answered decryption.</item>
/// <item><c>secagg.aggregator.epsilon.spent</c> → <c>secagg_aggregator_epsilon_spent</c>: epsilon spent over the published rounds.</item>
/// <item><c>secagg.aggregator.epsilon.budget</c> → <c>secagg_aggregator_epsilon_budget</c>: the consortium's epsilon budget.</item>
/// </list>
/// The per-chunk ingest histograms of <c>IngestMetrics</c> share the meter name.
/// </summary>
public sealed class AggregatorMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "SecAgg.Aggregator";

    private static readonly RoundStage[] Stages = Enum.GetValues<RoundStage>();

    private readonly Meter _meter;

    /// <summary>
    /// Creates the counters and histograms on <paramref name="meter"/> (named <see cref="MeterName"/>; this instance
    /// disposes it); the round and privacy gauges come with <see cref="ObserveRounds"/>, where the process holds rounds.
    /// </summary>
    internal AggregatorMetrics(Meter meter)
    {
        _meter = meter;
        UploadsCounted = _meter.CreateCounter<long>("secagg.aggregator.uploads_counted", "{upload}", "Complete uploads added to a round's sum.");
        BytesReceived = _meter.CreateCounter<long>("secagg.aggregator.bytes_received", "By", "Ciphertext, threshold-blob and decryption-share bytes received.");
        SharesReceived = _meter.CreateCounter<long>("secagg.aggregator.decryption_shares", "{share}", "Decryption shares stored (one per member and chunk).");
        Refusals = _meter.CreateCounter<long>("secagg.aggregator.refusals", "{call}", "Refused calls by rpc, gRPC status and reason.");
        RoundDuration = _meter.CreateHistogram<double>("secagg.aggregator.round.duration", "s", "Time from a round's opening to its publication or abort.");
        StageDuration = _meter.CreateHistogram<double>("secagg.aggregator.stage.duration", "s", "Time a round spent in a stage, recorded when it leaves the stage.");
        DecryptionDuration = _meter.CreateHistogram<double>("secagg.aggregator.decryption.duration", "s", "Time to combine a round's shares with its sum and decode the mean, once every share is in.");
    }

    /// <summary>Adds the gauges of the current round (number, stage, participants per stage) and of the privacy ledger.</summary>
    internal void ObserveRounds(RoundCatalog rounds, PrivacySpent privacy)
    {
        _meter.CreateObservableGauge("secagg.aggregator.round.number", () => rounds.Current?.Number ?? 0, "{round}", "The current round (0 before the first).");
        _meter.CreateObservableGauge("secagg.aggregator.round.stage", () => StageMeasurements(rounds.Current), null, "1 for the current round's stage, 0 for the other stages.");
        _meter.CreateObservableGauge("secagg.aggregator.participants", rounds.ParticipantsPerStage, "{participant}", "Participants per stage of the current round (submitted, decryption answered).");
        _meter.CreateObservableGauge("secagg.aggregator.epsilon.spent", () => privacy.Total, null, "Epsilon spent over the published rounds (the privacy ledger).");
        _meter.CreateObservableGauge("secagg.aggregator.epsilon.budget", () => privacy.Budget.Epsilon, null, "The consortium's epsilon budget.");
    }

    /// <summary>This instance's meter (several aggregators in one process each have their own).</summary>
    internal Meter Meter => _meter;

    internal Counter<long> UploadsCounted { get; }

    internal Counter<long> BytesReceived { get; }

    internal Counter<long> SharesReceived { get; }

    internal Counter<long> Refusals { get; }

    internal Histogram<double> RoundDuration { get; }

    internal Histogram<double> StageDuration { get; }

    internal Histogram<double> DecryptionDuration { get; }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private static IEnumerable<Measurement<int>> StageMeasurements(RoundState? current)
    {
        foreach (RoundStage stage in Stages)
        {
            yield return new Measurement<int>(current?.Stage == stage ? 1 : 0, new KeyValuePair<string, object?>("stage", RoundStages.Name(stage)));
        }
    }
}
