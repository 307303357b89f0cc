using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.State;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;

namespace SecAgg.Aggregator.Service.Driver;

/// <summary>
/// The round driver: at every tick or wake-up it applies the deadlines, closes collection (decrypt with at least
/// min-participants uploads, else abort), fixes the decryption set, combines the shares and publishes the next model
/// version, and opens the next round while the privacy budget allows it. One step at a time.
/// </summary>
internal sealed class RoundDriver(
    RoundCatalog rounds,
    RoundCoordinator coordinator,
    RoundLifecycle lifecycle,
    KeyEpochState epoch,
    ModelStore models,
    ServiceStateStore docs,
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
    private readonly int _roundsToRun = options.Rounds ?? roster.Config.Dp.Rounds;
    private volatile bool _budgetExhausted;

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
                    if (decision == CollectionDecision.Decrypt)
                    {
                        await BeginDecryptionAsync(r, ct).ConfigureAwait(false);
                    }
                    else if (decision == CollectionDecision.Abort)
                    {
                        await AbortAsync(r.Number, s => $"the deadline passed with {s.Summands} uploads, fewer than min-participants {roster.Config.MinParticipants}", ct).ConfigureAwait(false);
                    }
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
        rounds.ForgetAggregate(r.Number);
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
        if (_budgetExhausted || !await epoch.IsKeyReadyAsync(ct).ConfigureAwait(false))
        {
            return;
        }

        RoundState? latest = await rounds.Store.GetLatestRoundAsync(ct).ConfigureAwait(false);
        long next = (latest?.Number ?? 0) + 1;
        if (next > _roundsToRun)
        {
            return;
        }

        long baseVersion = await models.LatestVersionAsync(ct).ConfigureAwait(false);
        RoundParameters p = await rounds.CreateParametersAsync(next, baseVersion, (ulong)roster.Config.MaxWeight, ct).ConfigureAwait(false);
        try
        {
            rounds.Current = await coordinator.OpenNextRoundAsync(p.ParameterDigest, p.TotalChunks, ct).ConfigureAwait(false);
        }
        catch (RoundStateException e) when (e.Error == RoundError.PrivacyBudgetExceeded)
        {
            _budgetExhausted = true;
            ServiceLog.NotOpening(_logger, e.Message);
        }
    }

    private static byte[] AggregateDigest(AggregateChunk[] aggregate)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (AggregateChunk c in aggregate)
        {
            hash.AppendData(c.Digest);
        }

        return hash.GetHashAndReset();
    }

    private async Task BeginDecryptionAsync(RoundState r, CancellationToken ct)
    {
        rounds.ForgetAggregate(r.Number);
        byte[] digest = AggregateDigest(await rounds.AggregateAsync(r, ct).ConfigureAwait(false));
        RoundState after = await coordinator.BeginDecryptionAsync(r.Number, ChooseDecryptionSet(r), digest, ct).ConfigureAwait(false);
        rounds.Current = after;

        // Collection is closed now: re-read the sums; they must be what the digest recorded (no fold can commit after
        // the deadline or once everyone is in, so this only guards against a broken invariant).
        rounds.ForgetAggregate(r.Number);
        if (!AggregateDigest(await rounds.AggregateAsync(after, ct).ConfigureAwait(false)).AsSpan().SequenceEqual(digest))
        {
            await AbortAsync(r.Number, _ => "decryption failed: the aggregate changed while collection closed", ct).ConfigureAwait(false);
            return;
        }

        ServiceLog.DecryptionBegins(_logger, r.Number, string.Join(", ", roster.SetInPointOrder(after)), after.Summands);
    }

    /// <summary>
    /// The decryption set: all N when t = N; otherwise t members ranked live uploaders, live non-uploaders, then the
    /// rest (uploaders first), Shamir point order within each group. Fixed once per round; a member that then does not
    /// answer by the decrypt deadline still aborts the round.
    /// </summary>
    private string[] ChooseDecryptionSet(RoundState r)
    {
        if (roster.Config.Threshold == roster.Count)
        {
            return [.. roster.Ids];
        }

        DateTimeOffset now = _time.GetUtcNow();
        return [.. roster.Ids
            .OrderBy(id => liveness.IsLive(id, now) ? 0 : 1)
            .ThenBy(id => RoundState.Has(r.Contributors, id) ? 0 : 1)
            .ThenBy(roster.PointOf)
            .Take(roster.Config.Threshold)];
    }

    private async Task PublishAsync(RoundState r, CancellationToken ct)
    {
        RoundParameters p = await rounds.ParametersAsync(r.Number, ct).ConfigureAwait(false);
        AggregateChunk[] aggregate = await rounds.AggregateAsync(r, ct).ConfigureAwait(false);
        float[] mean;
        try
        {
            var decrypted = new List<uint[]>(aggregate.Length);
            for (int i = 0; i < aggregate.Length; i++)
            {
                var shares = new List<ReadOnlyMemory<byte>>();
                foreach (string member in r.DecryptionSet)
                {
                    byte[] share = await docs.GetAsync(DocumentKeys.Share(r.Number, member, i), ct).ConfigureAwait(false)
                        ?? throw new InvalidDataException($"member '{member}' has no share for chunk {i}");
                    shares.Add(share);
                }

                decrypted.Add(aggregate[i].Combine(shares));
            }

            // Unweighted rounds: the mean over the actual count. Weighted: the sum divided by Σw/max_weight.
            mean = p.MaxWeight == 1
                ? new AggregateDecoder(p).DecodeMean(decrypted, r.Summands)
                : new AggregateDecoder(p).DecodeWeightedMean(decrypted, await UploadDocuments.TotalWeightAsync(docs, r, ct).ConfigureAwait(false));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or InvalidOperationException)
        {
            await AbortAsync(r.Number, _ => $"decryption failed: {e.Message}", ct).ConfigureAwait(false);
            return;
        }

        PublishedModel baseModel = (await models.GetAsync((long)p.ModelVersion, ct).ConfigureAwait(false))
            ?? throw new InvalidOperationException($"round {r.Number}'s base model version {p.ModelVersion} is missing from the database");
        float[] model = baseModel.Values;
        for (int i = 0; i < model.Length; i++)
        {
            model[i] += mean[i];
        }

        long version = (long)p.ModelVersion + 1;
        await models.PutAsync(version, r.Number, r.Summands, model, ct).ConfigureAwait(false);
        RoundState published = await coordinator.PublishAsync(r.Number, version, ct).ConfigureAwait(false); // logs the epsilon spent
        await privacy.RefreshAsync(ct).ConfigureAwait(false);
        Finished(published);
        signal.Wake();
    }
}
