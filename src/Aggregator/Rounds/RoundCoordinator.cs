using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Aggregator.Logging;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Storage;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Aggregator.Rounds;

/// <summary>
/// Drives rounds through <see cref="RoundLifecycle"/> against the durable store, with time from an injected
/// <see cref="TimeProvider"/>, and keeps the privacy ledger: a published round records the epsilon its actual
/// summand count spent, and a round is not opened if it could take the consortium over its budget.
/// Every step is one store transaction, so after a crash the coordinator resumes from what the store holds.
/// </summary>
public sealed class RoundCoordinator
{
    private readonly IAggregatorStore _store;
    private readonly RoundLifecycle _lifecycle;
    private readonly IPrivacyCost _cost;
    private readonly PrivacyBudget _budget;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates a coordinator.</summary>
    public RoundCoordinator(IAggregatorStore store, RoundLifecycle lifecycle, IPrivacyCost cost, PrivacyBudget budget, TimeProvider time, ILogger<RoundCoordinator>? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _lifecycle = lifecycle ?? throw new ArgumentNullException(nameof(lifecycle));
        _cost = cost ?? throw new ArgumentNullException(nameof(cost));
        _budget = budget ?? throw new ArgumentNullException(nameof(budget));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Opens the next round, if the previous one finished and the budget allows it: the worst case counts the new
    /// round with only min-participants summands (the least noise it may publish with).
    /// </summary>
    /// <exception cref="RoundStateException">BadSequence, or PrivacyBudgetExceeded.</exception>
    public async Task<RoundState> OpenNextRoundAsync(ReadOnlyMemory<byte> parameterDigest, int chunkCount, CancellationToken cancellationToken = default)
    {
        var latest = await _store.GetLatestRoundAsync(cancellationToken).ConfigureAwait(false);
        var round = _lifecycle.Open(latest, _time.GetUtcNow(), parameterDigest.Span, chunkCount);
        var ledger = await _store.GetLedgerAsync(cancellationToken).ConfigureAwait(false);
        var worst = ledger.Select(e => e.Summands).Append(_lifecycle.Policy.MinParticipants).ToArray();
        double epsilon = _cost.ComposedEpsilon(worst, _budget.Delta);
        if (!(epsilon <= _budget.Epsilon))
        {
            throw new RoundStateException(RoundError.PrivacyBudgetExceeded,
                $"{RoundLifecycle.PrivacyBudgetPrefix} exhausted: opening round {round.Number} could bring the total epsilon to {epsilon:0.####} (if it published with only {_lifecycle.Policy.MinParticipants} summands), "
                + $"over the consortium's budget of {_budget.Epsilon:0.####} at delta {_budget.Delta:0.##e+0}; {ledger.Count} rounds were published");
        }

        await _store.InsertRoundAsync(round, cancellationToken).ConfigureAwait(false);
        Log.RoundOpened(_logger, round.Number, round.CollectDeadline, round.ChunkCount);
        return round;
    }

    /// <summary>Applies the deadlines to every unfinished round (aborting those past them); returns the rounds still unfinished.</summary>
    public async Task<IReadOnlyList<RoundState>> ApplyDeadlinesAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<RoundState>();
        foreach (var r in await _store.GetUnfinishedRoundsAsync(cancellationToken).ConfigureAwait(false))
        {
            // Most ticks no deadline has passed: decided on the state just read, without taking the write lock. When one
            // may have, the transition runs again under the round's lock on the stored state (a stage that moved on
            // meanwhile is then judged by its own deadline; one this read missed is caught at the next tick).
            if (ReferenceEquals(_lifecycle.ApplyDeadlines(r, _time.GetUtcNow()), r))
            {
                result.Add(r);
                continue;
            }

            var after = await _store.UpdateRoundAsync(r.Number, s => _lifecycle.ApplyDeadlines(s, _time.GetUtcNow()), null, cancellationToken).ConfigureAwait(false);
            if (after.Stage == RoundStage.Aborted)
            {
                Log.RoundAborted(_logger, after.Number, after.AbortReason!);
            }
            else
            {
                result.Add(after);
            }
        }

        return result;
    }

    /// <summary>What to do with a collecting round now.</summary>
    public async Task<CollectionDecision> DecideCollectionAsync(long round, CancellationToken cancellationToken = default)
    {
        var r = await _store.GetRoundAsync(round, cancellationToken).ConfigureAwait(false)
            ?? throw new RoundStateException(RoundError.InvalidArgument, $"round {round} does not exist");
        return _lifecycle.DecideCollection(r, _time.GetUtcNow());
    }

    /// <summary>Closes collection and fixes U with its list digest (see <see cref="RoundLifecycle.BeginApproval"/>).</summary>
    public Task<RoundState> BeginApprovalAsync(long round, ReadOnlyMemory<byte> listDigest, CancellationToken cancellationToken = default) =>
        _store.UpdateRoundAsync(round, r => _lifecycle.BeginApproval(r, listDigest.Span, _time.GetUtcNow()), null, cancellationToken);

    /// <summary>Records a member of U's verified approval (see <see cref="RoundLifecycle.RecordApproval"/>).</summary>
    public Task<RoundState> RecordApprovalAsync(long round, string member, CancellationToken cancellationToken = default) =>
        _store.UpdateRoundAsync(round, r => RoundLifecycle.RecordApproval(r, member, _time.GetUtcNow()), null, cancellationToken);

    /// <summary>Fixes the decryption set once every member of U approved (see <see cref="RoundLifecycle.BeginDecryption"/>).</summary>
    public Task<RoundState> BeginDecryptionAsync(long round, IEnumerable<string> decryptionSet, CancellationToken cancellationToken = default)
    {
        var set = decryptionSet.ToArray();
        return _store.UpdateRoundAsync(round, r => _lifecycle.BeginDecryption(r, set, _time.GetUtcNow()), null, cancellationToken);
    }

    /// <summary>Records that a member's shares are complete.</summary>
    public Task<RoundState> ReceiveShareAsync(long round, string member, CancellationToken cancellationToken = default) =>
        _store.UpdateRoundAsync(round, r => _lifecycle.ReceiveShare(r, member, _time.GetUtcNow()), null, cancellationToken);

    /// <summary>A decryption-set member dropped out: the round aborts.</summary>
    public async Task<RoundState> DropOutAsync(long round, string member, CancellationToken cancellationToken = default)
    {
        var after = await _store.UpdateRoundAsync(round, r => _lifecycle.DropOutDuringDecryption(r, member, _time.GetUtcNow()), null, cancellationToken).ConfigureAwait(false);
        Log.RoundAborted(_logger, round, after.AbortReason!);
        return after;
    }

    /// <summary>
    /// Publishes a round whose shares are all in, as model version <paramref name="modelVersion"/>, and records in the
    /// same transaction the epsilon spent with the round's actual summand count.
    /// </summary>
    public async Task<RoundState> PublishAsync(long round, long modelVersion, CancellationToken cancellationToken = default)
    {
        var current = await _store.GetRoundAsync(round, cancellationToken).ConfigureAwait(false)
            ?? throw new RoundStateException(RoundError.InvalidArgument, $"round {round} does not exist");
        var ledger = await _store.GetLedgerAsync(cancellationToken).ConfigureAwait(false);
        int summands = current.Summands;
        double epsRound = _cost.ComposedEpsilon([summands], _budget.Delta);
        double epsTotal = _cost.ComposedEpsilon([.. ledger.Select(e => e.Summands), summands], _budget.Delta);
        var now = _time.GetUtcNow();
        var entry = new LedgerEntry(round, summands, epsRound, epsTotal, _budget.Delta, now);
        var after = await _store.UpdateRoundAsync(round, r =>
        {
            if (r.Summands != summands)
            {
                throw new RoundStateException(RoundError.WrongStage, $"round {round}'s summand count changed while publishing");
            }

            return RoundLifecycle.Publish(r, modelVersion, now);
        }, entry, cancellationToken).ConfigureAwait(false);
        Log.RoundPublished(_logger, round, modelVersion, summands, epsRound, epsTotal);
        return after;
    }
}
