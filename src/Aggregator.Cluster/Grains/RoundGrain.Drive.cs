using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Cluster.State;
using SecAgg.Aggregator.Rounds;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// The round drives itself, without any external caller and after a silo died: an Orleans reminder ("drive", every
/// <see cref="ClusterConsortium.DrivePeriod"/>, stored with the cluster's state, so a surviving silo's reminder service
/// fires it and reactivates the grain there) and a one-shot timer after each call that can move the round run
/// <see cref="StepAsync"/>, which does whatever the stored state calls for next. Admitted uploads whose folds were cut off
/// are also re-driven by a timer while the activation lives.
/// </summary>
internal sealed partial class RoundGrain
{
    private const string DriveReminder = "drive";
    private IGrainTimer? _stepSoon;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == DriveReminder)
        {
            await StepGuardedAsync().ConfigureAwait(true);
        }
    }

    /// <summary>
    /// One step: finish pending folds; apply the deadlines (abort a round whose uploads, approvals or shares did not come);
    /// close collection (everyone in, or the deadline with at least min-participants); fix D once every member of U
    /// approved; record members whose shares the store holds in full, then combine and publish once all of D are; delete
    /// a finished round's staged chunks and shares and drop its reminder.
    /// </summary>
    private async Task StepAsync()
    {
        if (S.Round is null)
        {
            return;
        }

        await DrivePendingAsync().ConfigureAwait(true);
        RoundState round = Current();
        DateTimeOffset now = Clock.GetUtcNow();
        if (!round.Stage.IsTerminal())
        {
            RoundState after = _lifecycle.ApplyDeadlines(round, now);
            if (!ReferenceEquals(after, round))
            {
                await SaveAsync(after).ConfigureAwait(true);
                Aborted(logger, after.Number, after.AbortReason ?? "");
                round = after;
            }
        }

        switch (round.Stage)
        {
            case RoundStage.Open or RoundStage.Collecting when _lifecycle.DecideCollection(round, now) == CollectionDecision.Close:
                await CloseAsync(round, now).ConfigureAwait(true);
                break;
            case RoundStage.Approving when round.AllApproved:
                RoundState decrypting = Transition(() => _lifecycle.BeginDecryption(round, ChooseDecryptionSet(round), now));
                await SaveAsync(decrypting).ConfigureAwait(true);
                DecryptionBegins(logger, round.Number, string.Join(", ", consortium.InPointOrder(decrypting.DecryptionSet)));
                break;
            case RoundStage.Decrypting:
                await RecountSharesAsync(round).ConfigureAwait(true);
                if (RoundLifecycle.AllSharesIn(Current()))
                {
                    await PublishAsync(Current()).ConfigureAwait(true);
                }

                break;
        }

        if (Current().Stage.IsTerminal())
        {
            await CleanUpAsync(Current()).ConfigureAwait(true);
        }
    }

    private async Task StepGuardedAsync()
    {
        try
        {
            await StepAsync().ConfigureAwait(true);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            StepFailed(logger, this.GetPrimaryKeyLong(), e.Message);
        }
    }

    /// <summary>Steps once, as soon as the current call is done (grain timers do not interleave with calls).</summary>
    private void StepSoon() =>
        _stepSoon ??= this.RegisterGrainTimer(async _ =>
        {
            _stepSoon?.Dispose();
            _stepSoon = null;
            await StepGuardedAsync().ConfigureAwait(true);
        }, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));

    private async Task DrivePendingAsync()
    {
        // Pending uploads exist only while collecting: closing finishes them, and an aborted round counts nothing more.
        if (S.Round is null || Current().Stage is not (RoundStage.Open or RoundStage.Collecting))
        {
            return;
        }

        foreach (AdmittedUpload upload in S.Uploads.Values.Where(u => !u.Counted).ToArray())
        {
            await DriveAsync(upload).ConfigureAwait(true);
        }
    }

    private void ArmRedrive()
    {
        if (_redrive is null && S.Uploads.Values.Any(u => !u.Counted))
        {
            _redrive = this.RegisterGrainTimer(RedriveAsync, new GrainTimerCreationOptions(RedrivePeriod, RedrivePeriod));
        }
    }

    private async Task RedriveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await DrivePendingAsync().ConfigureAwait(true);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            RedriveFailed(logger, Current().Number, e.Message);
            return;
        }

        _redrive?.Dispose();
        _redrive = null;
    }

    private async Task ArmDriveAsync() =>
        await this.RegisterOrUpdateReminder(DriveReminder, consortium.DrivePeriod, consortium.DrivePeriod).ConfigureAwait(true);

    private async Task DisarmDriveAsync()
    {
        if (await this.GetReminder(DriveReminder).ConfigureAwait(true) is { } reminder)
        {
            await this.UnregisterReminder(reminder).ConfigureAwait(true);
        }
    }

    [LoggerMessage(EventId = 1912, Level = LogLevel.Warning, Message = "Round {Round}: a step failed ({Reason}); the next reminder tick retries")]
    private static partial void StepFailed(ILogger logger, long round, string reason);
}
