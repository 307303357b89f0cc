using System.Globalization;
using SecAgg.Aggregator.Rounds;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// Why no round is open, or why a requested round will never open (RoundStatus.not_open_reason): beyond the planned
/// rounds, the privacy budget exhausted (with the numbers, from the driver), or the key epoch not ready (with whom it
/// waits for).
/// </summary>
internal sealed class OpeningReasons(KeyEpochState epoch, RoundCatalog rounds, AggregatorHostOptions options, ConsortiumRoster roster)
{
    /// <summary>Rounds this aggregator opens in total (the file's dp.rounds unless overridden).</summary>
    public int PlannedRounds => options.Rounds ?? roster.Config.Dp.Rounds;

    /// <summary>The reason for <paramref name="requested"/> (0 = the next round) given the newest round; null when it is or will be open.</summary>
    public string? Why(ulong requested, RoundState? latest)
    {
        long next = latest is null ? 1 : latest.Stage.IsTerminal() ? latest.Number + 1 : latest.Number;
        if (requested != 0 && latest is not null && (long)requested <= latest.Number)
        {
            return null;
        }

        if (requested > (ulong)PlannedRounds || (requested == 0 && next > PlannedRounds))
        {
            string which = requested == 0 ? string.Create(CultureInfo.InvariantCulture, $"round {next}") : string.Create(CultureInfo.InvariantCulture, $"round {requested}");
            return string.Create(CultureInfo.InvariantCulture,
                $"{which} is beyond the planned rounds: the consortium plans {PlannedRounds} rounds (dp.rounds), and the privacy budget is sized for them");
        }

        if (rounds.BudgetExhausted is { } budget)
        {
            return budget;
        }

        if (epoch.Stage != KeyEpochStage.Ready)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the key epoch {ConsortiumRoster.EpochId} is {StageName(epoch.Stage)}: waiting for {string.Join(", ", epoch.WaitingFor())}; rounds open once every participant acknowledged its key shares");
        }

        return requested > (ulong)next
            ? string.Create(CultureInfo.InvariantCulture, $"round {requested} has not opened yet; the next round is {next} (rounds open one after another)")
            : null;
    }

    private static string StageName(KeyEpochStage stage) => stage switch
    {
        KeyEpochStage.Committing => "collecting commits",
        KeyEpochStage.Revealing => "collecting reveals, dealings and acknowledgements",
        _ => stage.ToString(),
    };
}
