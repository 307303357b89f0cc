using System.Globalization;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.State;

namespace SecAgg.Aggregator.Service.Driver;

/// <summary>
/// Watches the current round (<see cref="RoundCatalog.Advanced"/>): logs each stage change with the time the round
/// spent in the stage it left, records that time in <c>secagg.aggregator.stage.duration</c>, and says which round it
/// resumes after a restart. A stage entered before the service started has no known start, so its duration is not
/// recorded (the open stage always has one: the round's opening time).
/// </summary>
internal sealed class RoundObserver
{
    private readonly AggregatorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private DateTimeOffset? _stageSince;

    public RoundObserver(RoundCatalog rounds, AggregatorMetrics metrics, AggregatorHostOptions options, ILoggerFactory loggers)
    {
        _metrics = metrics;
        _time = options.Time;
        _logger = loggers.CreateLogger("SecAgg.Aggregator.Service");
        rounds.Advanced += OnAdvanced; // raised under the catalog's lock, so calls arrive one at a time and in order
    }

    /// <summary>At start-up, after the current round was read from the store: says which unfinished round resumes.</summary>
    public void Resume(RoundState? latest)
    {
        if (latest is not null && !latest.Stage.IsTerminal())
        {
            ServiceLog.RoundResumed(_logger, latest.Number, RoundStages.Name(latest.Stage), latest.Summands);
            _stageSince = latest.Stage == RoundStage.Open ? latest.OpenedAt : null; // a later stage began before this start
        }
    }

    private void OnAdvanced(RoundState? before, RoundState after)
    {
        if (before is null || before.Number != after.Number)
        {
            _stageSince = after.OpenedAt; // a new round (the coordinator logs its opening), or the state read at start-up
            return;
        }

        DateTimeOffset now = _time.GetUtcNow();
        string spent = $"(time in {RoundStages.Name(before.Stage)} not measured: it began before this start)";
        if (_stageSince is { } since)
        {
            double seconds = Math.Max(0, (now - since).TotalSeconds);
            _metrics.StageDuration.Record(seconds, new KeyValuePair<string, object?>("stage", RoundStages.Name(before.Stage)));
            spent = string.Create(CultureInfo.InvariantCulture, $"after {seconds:0.###} s");
        }

        ServiceLog.StageChanged(_logger, after.Number, RoundStages.Name(before.Stage), RoundStages.Name(after.Stage), spent);
        _stageSince = now;
    }
}
