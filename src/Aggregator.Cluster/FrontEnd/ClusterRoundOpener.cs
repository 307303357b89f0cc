using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>
/// Opens the consortium's rounds, on every silo: every <see cref="ClusterRoundsSettings.OpenPeriod"/> it holds the
/// initial model (version 0: the configured values, zeros of the layout unless given) if no silo did yet, and, once the
/// key epoch is READY (<see cref="IKeyEpochReadiness"/>), the consortium grain names the next round
/// (<see cref="IConsortiumGrain.NextRoundAsync"/>: the previous one published or aborted, the privacy budget allowing it)
/// and it is within the planned rounds, builds that round's <see cref="RoundParameters"/> (base version = the newest
/// published model version) and opens it (<see cref="IConsortiumGrain.OpenRoundAsync"/>). Several silos race to do this
/// harmlessly: the consortium grain serializes them, every silo builds the same opening (the same inputs), and opening the
/// latest round again with the same opening is a no-op; a refusal (another silo opened it and it moved on, the budget is
/// exhausted) is an answer, logged once, not an error.
/// </summary>
internal sealed partial class ClusterRoundOpener(
    ClusterRoundBook book, IGrainFactory grains, ClusterConsortium consortium, TensorLayout layout, IKeyEpochReadiness readiness, OpeningNotes notes,
    ClusterRoundsSettings settings, ILogger<ClusterRoundOpener> logger) : BackgroundService
{
    private bool _initialHeld;
    private string? _waitingFor;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await TryOpenAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Waiting($"the cluster to answer ({PlainMessage.Of(e)})");
            }

            try
            {
                await Task.Delay(settings.OpenPeriod, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One attempt: the round this silo opened (or found opened with the same opening), or null when none may open now (the reason is logged once).</summary>
    public async Task<long?> TryOpenAsync(CancellationToken ct)
    {
        await HoldInitialModelAsync().ConfigureAwait(false);
        byte[]? seed = await readiness.ReadySeedAsync(ct).ConfigureAwait(false);
        if (seed is null)
        {
            Waiting("the key epoch: rounds open once every participant committed, revealed and acknowledged its key shares");
            return null;
        }

        long next;
        try
        {
            next = await book.Consortium.NextRoundAsync().ConfigureAwait(false);
            notes.BudgetExhausted = null;
        }
        catch (RoundRefusedException e) when (e.Error == RoundError.PrivacyBudgetExceeded)
        {
            notes.BudgetExhausted = e.Message;
            Waiting($"nothing: privacy budget exhausted, no more rounds ({e.Message})");
            return null;
        }
        catch (RoundRefusedException e) when (e.Error == RoundError.BadSequence)
        {
            Waiting($"the current round to finish ({e.Message})");
            return null;
        }

        int planned = consortium.Roster.Descriptor.Rounds;
        if (next > planned)
        {
            Waiting($"nothing: the consortium's {planned} planned rounds (dp.rounds) have all been opened");
            return null;
        }

        long baseVersion = await book.PublishedVersionAsync(next - 1).ConfigureAwait(false);
        RoundParameters parameters = RoundParameters.Create(consortium.Preset, (ulong)next, (ulong)baseVersion, consortium.EpochId, seed, layout);
        try
        {
            RoundView opened = await book.Consortium.OpenRoundAsync(next, RoundOpening.For(parameters)).ConfigureAwait(false);
            _waitingFor = null;
            Opened(logger, opened.Number, baseVersion, opened.ChunkCount, opened.Stage);
            return opened.Number;
        }
        catch (RoundRefusedException e) when (e.Error is RoundError.BadSequence or RoundError.PrivacyBudgetExceeded)
        {
            Waiting($"round {next} (another silo opened it first and it moved on: {e.Message})");
            return null;
        }
    }

    /// <summary>Holds model version 0 (the configured initial model, else zeros of the layout) unless it is held; a different one held by another silo is kept.</summary>
    private async Task HoldInitialModelAsync()
    {
        if (_initialHeld)
        {
            return;
        }

        IModelGrain initial = grains.GetGrain<IModelGrain>(0);
        if (!await initial.IsHeldAsync().ConfigureAwait(false))
        {
            try
            {
                await initial.PutInitialAsync(settings.InitialModel ?? new float[layout.TotalLength]).ConfigureAwait(false);
                InitialModelHeld(logger, layout.TotalLength);
            }
            catch (InvalidOperationException e)
            {
                InitialModelKept(logger, e.Message);
            }
        }

        _initialHeld = true;
    }

    /// <summary>Logs what the opener waits for, once per change.</summary>
    private void Waiting(string what)
    {
        if (what != _waitingFor)
        {
            _waitingFor = what;
            WaitingFor(logger, what);
        }
    }

    [LoggerMessage(EventId = 1940, Level = LogLevel.Information, Message = "Round {Round} is open (base model version {BaseVersion}, {Chunks} chunks; stage {Stage})")]
    private static partial void Opened(ILogger logger, long round, long baseVersion, int chunks, string stage);

    [LoggerMessage(EventId = 1941, Level = LogLevel.Information, Message = "Round opener: waiting for {What}")]
    private static partial void WaitingFor(ILogger logger, string what);

    [LoggerMessage(EventId = 1942, Level = LogLevel.Information, Message = "Initial model (version 0, {Values} values) held")]
    private static partial void InitialModelHeld(ILogger logger, int values);

    [LoggerMessage(EventId = 1943, Level = LogLevel.Warning, Message = "Initial model: another silo holds a different version 0; it is kept ({Reason})")]
    private static partial void InitialModelKept(ILogger logger, string reason);
}
