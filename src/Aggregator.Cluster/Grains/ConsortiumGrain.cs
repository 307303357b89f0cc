using System.Globalization;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.State;
using SecAgg.Aggregator.Rounds;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// <see cref="IConsortiumGrain"/>: the round sequence and the privacy ledger in one persisted record. The budget check at
/// opening is the single-process RoundCoordinator's: ε(ledger's summands, then min-participants) ≤ budget ε at δ, so no
/// round that may publish can take the consortium over its budget. The spend is recorded before release, so a published
/// round is always in the ledger; a round that aborts after its spend was recorded stays counted (conservative).
/// </summary>
internal sealed partial class ConsortiumGrain(
    [PersistentState("consortium", ClusterHosting.StorageName)] IPersistentState<ConsortiumGrainState> state,
    ClusterConsortium consortium,
    ClusterPrivacy privacy,
    ILogger<ConsortiumGrain> logger) : Grain, IConsortiumGrain
{
    private ConsortiumGrainState S => state.State;

    public async Task<long> NextRoundAsync()
    {
        long latest = S.LatestRound;
        if (latest > 0)
        {
            RoundView view = await GrainFactory.GetGrain<IRoundGrain>(latest).GetAsync().ConfigureAwait(true);
            if (view.Stage == "none")
            {
                return latest; // recorded, never opened: open it again
            }

            if (view.Stage is not (RoundStages.Published or RoundStages.Aborted))
            {
                throw new RoundRefusedException(RoundError.BadSequence,
                    $"round {latest} is still {view.Stage}; round {latest + 1} opens once round {latest} is published or aborted");
            }
        }

        CheckBudget(latest + 1);
        return latest + 1;
    }

    public async Task<RoundView> OpenRoundAsync(long round, RoundOpening opening)
    {
        ArgumentNullException.ThrowIfNull(opening);
        if (round > 0 && round == S.LatestRound)
        {
            // Already recorded: the round grain's OpenAsync is idempotent (or refuses other parameters).
            return await GrainFactory.GetGrain<IRoundGrain>(round).OpenAsync(opening).ConfigureAwait(true);
        }

        long next = await NextRoundAsync().ConfigureAwait(true);
        if (round != next)
        {
            throw new RoundRefusedException(RoundError.BadSequence, $"the next round to open is {next}, not {round}");
        }

        S.LatestRound = round;
        try
        {
            await state.WriteStateAsync().ConfigureAwait(true);
        }
        catch
        {
            S.LatestRound = round - 1; // memory never runs ahead of the store
            throw;
        }

        RoundView view = await GrainFactory.GetGrain<IRoundGrain>(round).OpenAsync(opening).ConfigureAwait(true);
        Opened(logger, round, S.Ledger.Count);
        return view;
    }

    public async Task<SpentRound> RecordSpendAsync(long round, int summands)
    {
        if (S.Ledger.Find(e => e.Round == round) is { } recorded)
        {
            return recorded.Summands == summands
                ? recorded
                : throw new RoundRefusedException(RoundError.InvalidArgument,
                    $"round {round}'s spend is recorded with {recorded.Summands} summands; it cannot be recorded again with {summands}");
        }

        if (round != S.LatestRound)
        {
            throw new RoundRefusedException(RoundError.BadSequence, $"round {round} is not the consortium's current round ({S.LatestRound}); only the current round can spend");
        }

        if (summands < consortium.Policy.MinParticipants)
        {
            throw new RoundRefusedException(RoundError.TooFewParticipants,
                $"a round publishes with at least min-participants = {consortium.Policy.MinParticipants} uploads; {summands} is too few to record");
        }

        double delta = privacy.Budget.Delta;
        double epsilonRound = privacy.Cost.ComposedEpsilon([summands], delta);
        double epsilonTotal = privacy.Cost.ComposedEpsilon([.. S.Ledger.Select(e => e.Summands), summands], delta);
        var line = new SpentRound(round, summands, epsilonRound, epsilonTotal, delta, consortium.Clock.GetUtcNow());
        S.Ledger.Add(line);
        try
        {
            await state.WriteStateAsync().ConfigureAwait(true);
        }
        catch
        {
            S.Ledger.Remove(line); // memory never runs ahead of the store
            throw;
        }

        Spent(logger, round, summands, epsilonRound, epsilonTotal);
        return line;
    }

    public Task<long> GetLatestRoundAsync() => Task.FromResult(S.LatestRound);

    public Task<SpentRound[]> GetLedgerAsync() => Task.FromResult(S.Ledger.ToArray());

    private void CheckBudget(long round)
    {
        int[] worst = [.. S.Ledger.Select(e => e.Summands), consortium.Policy.MinParticipants];
        double epsilon = privacy.Cost.ComposedEpsilon(worst, privacy.Budget.Delta);
        if (!(epsilon <= privacy.Budget.Epsilon))
        {
            throw new RoundRefusedException(RoundError.PrivacyBudgetExceeded, string.Create(CultureInfo.InvariantCulture,
                $"{RoundLifecycle.PrivacyBudgetPrefix} exhausted: opening round {round} could bring the total epsilon to {epsilon:0.####} (if it published with only {consortium.Policy.MinParticipants} summands), "
                + $"over the consortium's budget of {privacy.Budget.Epsilon:0.####} at delta {privacy.Budget.Delta:0.##e+0}; {S.Ledger.Count} rounds spent"));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consortium: round {Round} opened ({Spent} rounds in the privacy ledger)")]
    private static partial void Opened(ILogger logger, long round, int spent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consortium: round {Round} spends epsilon {EpsilonRound:0.####} with {Summands} summands; total {EpsilonTotal:0.####}")]
    private static partial void Spent(ILogger logger, long round, int summands, double epsilonRound, double epsilonTotal);
}
