using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.Api;
using SecAgg.Aggregator.Service.State;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;

namespace SecAgg.Aggregator.Service.Driver;

/// <summary>
/// The round driver: at every tick or wake-up it applies the deadlines, closes collection (with at least
/// min-participants uploads U goes to approval with the digest of its signed commitments, else abort), fixes the
/// decryption set once every member of U approved, combines the shares and publishes the next model version, and opens
/// the next round while the key epoch is ready, the planned rounds last and the privacy budget allows it. One step at a time.
/// </summary>
internal sealed class RoundDriver(
    RoundCatalog rounds,
    RoundCoordinator coordinator,
    RoundLifecycle lifecycle,
    KeyEpochState epoch,
    ModelStore models,
    UploadDocuments uploads,
    UploadAccumulator accumulator,
    DecryptionDesk decryption,
    ShareVault shares,
    ShareFold fold,
    OpeningReasons reasons,
    ProtocolPreset preset,
    ConsortiumRoster roster,
    LivenessTracker liveness,
    DriverSignal signal,
    AggregatorMetrics metrics,
    PrivacySpent privacy,
    AggregatorHostOptions options,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger("SecAgg.Aggregator.Service");
    private readonly SemaphoreSlim _step = new(1, 1);
    private readonly TimeProvider _time = options.Time;

    /// <summary>One step now (also called by tests).</summary>
    public async Task StepAsync(CancellationToken ct)
    {
        await _step.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var before = await rounds.Store.GetUnfinishedRoundsAsync(ct).ConfigureAwait(false);
            var unfinished = await coordinator.ApplyDeadlinesAsync(ct).ConfigureAwait(false);
            foreach (RoundState gone in before.Where(b => unfinished.All(u => u.Number != b.Number)))
            {
                if (await rounds.Store.GetRoundAsync(gone.Number, ct).ConfigureAwait(false) is { Stage: CoreStage.Aborted } r)
                {
                    Finished(r);
                }
            }

            if (unfinished.Count == 0)
            {
                await TryOpenNextAsync(ct).ConfigureAwait(false);
                return;
            }

            foreach (RoundState r in unfinished)
            {
                rounds.Current = r;
                if (r.Stage is CoreStage.Open or CoreStage.Collecting)
                {
                    CollectionDecision decision = lifecycle.DecideCollection(r, _time.GetUtcNow());
                    if (decision == CollectionDecision.Close)
                    {
                        await BeginApprovalAsync(r, ct).ConfigureAwait(false);
                    }
                    else if (decision == CollectionDecision.Abort)
                    {
                        await AbortAsync(r.Number, s => $"the deadline passed with {s.Summands} uploads, fewer than min-participants {roster.Config.MinParticipants}", ct).ConfigureAwait(false);
                    }
                }
                else if (r.Stage == CoreStage.Approving && r.AllApproved)
                {
                    await BeginDecryptionAsync(r, ct).ConfigureAwait(false);
                }
                else if (r.Stage == CoreStage.Decrypting && RoundLifecycle.AllSharesIn(r))
                {
                    await PublishAsync(r, ct).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _step.Release();
        }
    }

    /// <summary>Runs until the host stops: one step at every tick or wake-up.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await StepAsync(stoppingToken).ConfigureAwait(false);
                await signal.WaitAsync(options.TickInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                ServiceLog.DriverFailed(_logger, e);
                await signal.WaitAsync(options.TickInterval, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private void Finished(RoundState r)
    {
        rounds.Current = r;
        decryption.Forget(r.Number);
        shares.ForgetRound(r.Number);
        fold.Forget(r.Number);
        metrics.RoundDuration.Record(((r.ClosedAt ?? _time.GetUtcNow()) - r.OpenedAt).TotalSeconds, new KeyValuePair<string, object?>("outcome", RoundStages.Name(r.Stage)));
    }

    /// <summary>Aborts a round the driver decided to stop (deadline aborts are applied and logged by the coordinator).</summary>
    private async Task AbortAsync(long round, Func<RoundState, string> reason, CancellationToken ct)
    {
        RoundState aborted = await rounds.Store.UpdateRoundAsync(round, s => RoundLifecycle.Abort(s, reason(s), _time.GetUtcNow()), null, ct).ConfigureAwait(false);
        ServiceLog.Aborted(_logger, round, aborted.AbortReason ?? "");
        Finished(aborted);
    }

    private async Task TryOpenNextAsync(CancellationToken ct)
    {
        if (rounds.BudgetExhausted is not null || !epoch.IsReady)
        {
            return;
        }

        RoundState? latest = await rounds.Store.GetLatestRoundAsync(ct).ConfigureAwait(false);
        long next = (latest?.Number ?? 0) + 1;
        if (next > reasons.PlannedRounds)
        {
            return;
        }

        long baseVersion = await models.LatestVersionAsync(ct).ConfigureAwait(false);
        RoundParameters p = await rounds.CreateParametersAsync(next, baseVersion, ct).ConfigureAwait(false);
        try
        {
            rounds.Current = await coordinator.OpenNextRoundAsync(p.ParameterDigest, p.TotalChunks, ct).ConfigureAwait(false);
        }
        catch (RoundStateException e) when (e.Error == RoundError.PrivacyBudgetExceeded)
        {
            rounds.BudgetExhausted = e.Message;
            ServiceLog.NotOpening(_logger, e.Message);
        }
    }

    /// <summary>Closes collection: U is fixed with the UploadList digest of its signed commitments, which every member must approve.</summary>
    private async Task BeginApprovalAsync(RoundState r, CancellationToken ct)
    {
        List<SignedStatement> signed = await uploads.CommitmentsOfAsync(r, roster, ct).ConfigureAwait(false);
        byte[] digest = UploadList.Digest(roster.Descriptor, signed.Select(s => UploadCommitment.Parse(s.Statement.Span)));
        RoundState after = await coordinator.BeginApprovalAsync(r.Number, digest, ct).ConfigureAwait(false);
        rounds.Current = after;

        // No upload counts any more: the running sum becomes the round's durable sum (one write).
        await accumulator.SealAsync(r.Number, ct).ConfigureAwait(false);
        ServiceLog.ApprovalBegins(_logger, r.Number, after.Summands);
    }

    private async Task BeginDecryptionAsync(RoundState r, CancellationToken ct)
    {
        RoundState after = await coordinator.BeginDecryptionAsync(r.Number, ChooseDecryptionSet(r), ct).ConfigureAwait(false);
        rounds.Current = after;
        ServiceLog.DecryptionBegins(_logger, r.Number, string.Join(", ", roster.InPointOrder(after.DecryptionSet)), after.Summands);
    }

    /// <summary>
    /// The decryption set D, exactly t participants: those that reported presence first, then live ones, then the
    /// rest, never one that said it is leaving before the others; uploaders first and Shamir point order within each
    /// group. Fixed once per round; a member that then does not answer by the decrypt deadline aborts the round.
    /// </summary>
    private string[] ChooseDecryptionSet(RoundState r)
    {
        DateTimeOffset now = _time.GetUtcNow();
        return [.. roster.Ids
            .OrderBy(id => liveness.IsLeaving(id) ? 3 : liveness.IsPresent(id, now) ? 0 : liveness.IsLive(id, now) ? 1 : 2)
            .ThenBy(id => RoundState.Has(r.Contributors, id) ? 0 : 1)
            .ThenBy(roster.PointOf)
            .Take(roster.Descriptor.Threshold)];
    }

    private async Task PublishAsync(RoundState r, CancellationToken ct)
    {
        RoundParameters p = await rounds.ParametersAsync(r.Number, ct).ConfigureAwait(false);
        long started = _time.GetTimestamp();
        int readBack = 0; // chunks whose shares were read back from the vault instead of added up on arrival
        float[] mean;
        try
        {
            await accumulator.SealAsync(r.Number, ct).ConfigureAwait(false); // already sealed at close; a no-op unless a restart came between
            SetDecryptionSession session = await decryption.SessionOfAsync(r, ct).ConfigureAwait(false);
            int[] points = [.. r.DecryptionSet.Select(roster.PointOf)];
            using var decoder = new AggregateDecoder(p); // each chunk decrypts straight into its slice of the aggregate
            for (int i = 0; i < r.ChunkCount; i++)
            {
                var sum = await rounds.Store.ReadSumChunkAsync(r.Number, i, ct).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"round {r.Number} has no sum at chunk {i}");

                // D's shares as they were added up on arrival; else (a restart, a share that could not be added) read back
                // from the vault, one share in memory at a time whatever |D|.
                ShareCombiner? folded = fold.Take(r.Number, i, points);
                ShareCombiner combiner = folded ?? preset.Scheme.StartCombine(session, i);
                if (folded is null)
                {
                    readBack++;
                    foreach (string member in r.DecryptionSet)
                    {
                        await shares.ReadAsync(r.Number, member, i, share => combiner.Add(share.Span), ct).ConfigureAwait(false);
                    }
                }

                combiner.Finish(sum.Sum, decoder.ChunkValues(i));
            }

            // Unweighted rounds: the mean over the actual count. Weighted: the sum divided by Σw/max_weight.
            mean = p.MaxWeight == 1
                ? decoder.DecodeMean(r.Summands)
                : decoder.DecodeWeightedMean(await uploads.TotalWeightAsync(r, ct).ConfigureAwait(false));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or InvalidOperationException)
        {
            await AbortAsync(r.Number, _ => $"{RoundLifecycle.DecryptionFailedPrefix}: {PlainMessage.Of(e)}", ct).ConfigureAwait(false);
            return;
        }

        TimeSpan decrypting = _time.GetElapsedTime(started);
        ServiceLog.Decrypted(_logger, r.Number, r.ChunkCount, decrypting.TotalMilliseconds, r.ChunkCount - readBack, readBack);
        metrics.DecryptionDuration.Record(decrypting.TotalSeconds, new KeyValuePair<string, object?>("shares", readBack == 0 ? "added_on_arrival" : "read_back"));
        ModelBytes baseModel = (await models.GetBytesAsync((long)p.ModelVersion, ct).ConfigureAwait(false))
            ?? throw new InvalidOperationException($"round {r.Number}'s base model version {p.ModelVersion} is missing from the database");
        baseModel.AddTo(mean); // the new model, in the mean's array

        long version = (long)p.ModelVersion + 1;
        await models.PutAsync(version, r.Number, r.Summands, mean, ct).ConfigureAwait(false);
        RoundState published = await coordinator.PublishAsync(r.Number, version, ct).ConfigureAwait(false); // logs the epsilon spent

        // The service's view follows the store at once (stage-change log and metric, long polls): the status a caller
        // reads from the store already says published, and a stop during the refresh below must not lose the change.
        Finished(published);
        await privacy.RefreshAsync(ct).ConfigureAwait(false);
        signal.Wake();
    }
}
