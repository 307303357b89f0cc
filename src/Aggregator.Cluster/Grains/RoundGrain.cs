using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Cluster.State;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Statements;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// <see cref="IRoundGrain"/>. Counting is two steps, each persisted: <b>admit</b> (commitment verified, chunks staged and
/// matching, before the deadline; written with the commitment) then <b>count</b> (every partition acknowledged the fold;
/// the acknowledgements and the new <see cref="RoundState"/> written together). An admitted upload whose folds were
/// interrupted (a silo died) is re-driven on the next call that needs it, by a timer while the activation lives, and
/// before collection closes; partitions answer "already folded" for what they hold, so nothing is folded twice. What
/// follows collection (approvals, D, shares, publication, clean-up) is in RoundGrain.Decryption.cs; how the round steps
/// itself in RoundGrain.Drive.cs.
/// </summary>
internal sealed partial class RoundGrain(
    [PersistentState("round", ClusterHosting.StorageName)] IPersistentState<RoundGrainState> state,
    ClusterConsortium consortium,
    IStagedChunks staged,
    IStoredShares shares,
    ILogger<RoundGrain> logger) : Grain, IRoundGrain, IRemindable
{
    private static readonly TimeSpan RedrivePeriod = TimeSpan.FromSeconds(2);
    private readonly RoundLifecycle _lifecycle = new(consortium.Policy);
    private IGrainTimer? _redrive;

    private RoundGrainState S => state.State;

    private TimeProvider Clock => consortium.Clock;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ArmRedrive();
        if (S.Round is not null && (!Current().Stage.IsTerminal() || !S.Cleaned))
        {
            StepSoon(); // reactivated (after a silo died, by a reminder or a call): catch up at once
        }

        return Task.CompletedTask;
    }

    public async Task<RoundView> OpenAsync(RoundOpening opening)
    {
        ArgumentNullException.ThrowIfNull(opening);
        if (S.Round is { } held)
        {
            if (!held.ParameterDigest.AsSpan().SequenceEqual(opening.ParameterDigest) || held.ChunkCount != opening.ChunkCount)
            {
                throw new RoundRefusedException(RoundError.BadSequence, $"round {held.Number} is already open with other parameters");
            }

            await ArmDriveAsync().ConfigureAwait(true);
            return View();
        }

        long number = this.GetPrimaryKeyLong();
        if (opening.Configuration.Length > 0 || opening.EpochSeed.Length > 0)
        {
            _ = RoundConfiguration.Rebuild(consortium, number, opening.Configuration, opening.EpochSeed, opening.ParameterDigest, opening.ChunkCount);
        }

        RoundState opened = Transition(() => _lifecycle.Open(null, Clock.GetUtcNow(), opening.ParameterDigest, opening.ChunkCount)) with { Number = number };
        S.Round = RoundRecord.From(opened);
        S.Partitions = ChunkRange.Split(opening.ChunkCount, consortium.Partitions).Length;
        S.Configuration = opening.Configuration;
        S.EpochSeed = opening.EpochSeed;
        await state.WriteStateAsync().ConfigureAwait(true);
        await ArmDriveAsync().ConfigureAwait(true);
        Opened(logger, opened.Number, opened.ChunkCount, S.Partitions);
        return View();
    }

    public Task<RoundView> GetAsync() => Task.FromResult(View());

    public Task<RoundOpening> GetOpeningAsync()
    {
        RoundRecord round = S.Round ?? throw new RoundRefusedException(RoundError.WrongStage, $"round {this.GetPrimaryKeyLong()} has not been opened");
        return Task.FromResult(new RoundOpening(round.ParameterDigest, round.ChunkCount) { Configuration = S.Configuration, EpochSeed = S.EpochSeed });
    }

    public async Task<UploadOutcome> CompleteUploadAsync(byte[] signedCommitment)
    {
        RoundState round = Current();
        UploadCommitment commitment;
        try
        {
            commitment = consortium.Verifier.Verify<UploadCommitment>(SignedStatement.Deserialize(signedCommitment));
        }
        catch (Exception e) when (e is StatementRejectedException or InvalidDataException or ArgumentException)
        {
            return UploadOutcome.Refuse(UploadRefusal.NotEnrolled, PlainMessage.Of(e));
        }

        string who = commitment.ParticipantId;
        if (commitment.Round != (ulong)round.Number || commitment.TotalChunks != round.ChunkCount)
        {
            return UploadOutcome.Refuse(UploadRefusal.WrongParameters,
                $"the commitment is for round {commitment.Round} with {commitment.TotalChunks} chunks; round {round.Number} has {round.ChunkCount}");
        }

        if (S.Uploads.TryGetValue(who, out AdmittedUpload? admitted))
        {
            if (admitted.UploadId != commitment.UploadId)
            {
                return UploadOutcome.Refuse(UploadRefusal.Duplicate, $"'{who}' already has upload {admitted.UploadId} in round {round.Number}; one upload per round");
            }

            await DriveAsync(admitted).ConfigureAwait(true);
            return UploadOutcome.Accept(repeated: true);
        }

        if (!RoundLifecycle.IsAcceptingUploads(round, Clock.GetUtcNow()))
        {
            return UploadOutcome.Refuse(UploadRefusal.Late, $"round {round.Number} is {RoundStages.Name(round.Stage)} and no longer counts uploads (collect deadline {round.CollectDeadline:O})");
        }

        IReadOnlyList<StagedDigest> digests = await staged.DigestsAsync(round.Number, commitment.UploadId).ConfigureAwait(true);
        int next = digests.TakeWhile((d, i) => d.Index == i).Count();
        if (next < round.ChunkCount)
        {
            return UploadOutcome.Refuse(UploadRefusal.OutOfOrder, $"upload {commitment.UploadId} has chunks 0..{next - 1} staged; send chunk {next} and the rest, then complete it");
        }

        if (digests.Any(d => d.Participant != who) || !commitment.Matches([.. digests.Select(d => (ReadOnlyMemory<byte>)d.Sha256)]))
        {
            return UploadOutcome.Refuse(UploadRefusal.Malformed, $"the staged chunks of upload {commitment.UploadId} are not the ones '{who}' committed to");
        }

        admitted = new AdmittedUpload
        {
            Participant = who,
            UploadId = commitment.UploadId,
            SignedCommitment = signedCommitment,
            ChunkDigests = [.. digests.Select(d => d.Sha256)],
            AdmittedAt = Clock.GetUtcNow(),
        };
        S.Uploads[who] = admitted;
        await state.WriteStateAsync().ConfigureAwait(true);
        ArmRedrive();
        await DriveAsync(admitted).ConfigureAwait(true);
        return UploadOutcome.Accept();
    }

    public Task<UploadView?> GetUploadAsync(string participant) =>
        Task.FromResult(S.Uploads.TryGetValue(participant, out AdmittedUpload? u) ? new UploadView(u.UploadId, u.Counted) : null);

    public async Task<RoundView> CloseCollectionAsync()
    {
        await DrivePendingAsync().ConfigureAwait(true);
        RoundState round = Current();
        if (round.Stage is not (RoundStage.Open or RoundStage.Collecting))
        {
            return View();
        }

        DateTimeOffset now = Clock.GetUtcNow();
        switch (_lifecycle.DecideCollection(round, now))
        {
            case CollectionDecision.Close:
                await CloseAsync(round, now).ConfigureAwait(true);
                break;
            case CollectionDecision.Abort:
                await SaveAsync(_lifecycle.ApplyDeadlines(round, now)).ConfigureAwait(true);
                StepSoon(); // the clean-up
                break;
            default:
                throw new RoundRefusedException(RoundError.WrongStage,
                    $"round {round.Number} keeps collecting: {round.Summands} of {consortium.Policy.Enrolled.Length} uploads are in and the deadline {round.CollectDeadline:O} has not passed");
        }

        return View();
    }

    public Task<byte[][]> GetCommitmentsAsync() => Task.FromResult<byte[][]>([.. Counted().Select(u => u.SignedCommitment)]);

    public Task<byte[][]> GetApprovalsAsync() =>
        Task.FromResult<byte[][]>([.. S.Approvals.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Value)]);

    public async Task ReportPresenceAsync(string participant, bool leaving)
    {
        ArgumentException.ThrowIfNullOrEmpty(participant);
        RoundState round = Current();
        bool here = !leaving;
        if (round.Stage is RoundStage.Open or RoundStage.Collecting or RoundStage.Approving
            && consortium.Policy.IsEnrolled(participant)
            && !(S.Presence.TryGetValue(participant, out bool held) && held == here))
        {
            S.Presence[participant] = here;
            await WriteAsync().ConfigureAwait(true);
        }
    }

    public async Task<RoundView> SubmitApprovalAsync(byte[] signedApproval)
    {
        RoundState round = Current();
        RoundApproval approval;
        try
        {
            approval = consortium.Verifier.Verify<RoundApproval>(SignedStatement.Deserialize(signedApproval));
        }
        catch (Exception e) when (e is StatementRejectedException or InvalidDataException or ArgumentException)
        {
            throw new RoundRefusedException(RoundError.InvalidArgument, PlainMessage.Of(e));
        }

        if (approval.Round != (ulong)round.Number || !approval.ListDigest.Span.SequenceEqual(round.ListDigest.AsSpan()))
        {
            throw new RoundRefusedException(RoundError.InvalidArgument, $"the approval is not of round {round.Number}'s upload list U; approve the list you were sent");
        }

        RoundState next = Transition(() => RoundLifecycle.RecordApproval(round, approval.ParticipantId, Clock.GetUtcNow()));
        S.Approvals.TryAdd(approval.ParticipantId, signedApproval);
        await SaveAsync(next).ConfigureAwait(true);
        if (next.AllApproved)
        {
            StepSoon(); // fixes D
        }

        return View();
    }

    public async Task<RoundView> AbortAsync(string reason)
    {
        RoundState round = Current();
        await SaveAsync(Transition(() => RoundLifecycle.Abort(round, reason, Clock.GetUtcNow()))).ConfigureAwait(true);
        StepSoon(); // the clean-up
        return View();
    }

    public async Task<byte[][]> GetAggregateAsync()
    {
        RoundState round = Current();
        return round.Stage is RoundStage.Approving or RoundStage.Decrypting or RoundStage.Published
            ? await GatherAsync(round).ConfigureAwait(true)
            : throw new RoundRefusedException(RoundError.WrongStage, $"round {round.Number} is {RoundStages.Name(round.Stage)}; its aggregate exists once collection closed and until it aborts");
    }

    /// <summary>The C sums from the partitions, each partition holding exactly U's uploads and each sum exactly |U| summands.</summary>
    private async Task<byte[][]> GatherAsync(RoundState round)
    {
        HashSet<Guid> u = [.. Counted().Select(a => a.UploadId)];
        PartitionSnapshot[] parts = await Task.WhenAll(Ranges().Select(r => Partition(r).GetAsync())).ConfigureAwait(true);
        var sums = new byte[round.ChunkCount][];
        foreach (PartitionSnapshot part in parts)
        {
            if (!u.SetEquals(part.Folded) || part.Sums.Length != part.Range.Count)
            {
                throw new InvalidOperationException($"partition {part.Range.Start}-{part.Range.End} of round {round.Number} holds {part.Folded.Length} uploads, not exactly U's {u.Count}; the round must not be decrypted");
            }

            for (int i = 0; i < part.Sums.Length; i++)
            {
                int summands = MaskedUpload.Deserialize(consortium.Scheme.Parameters, part.Sums[i]).SummandCount;
                sums[part.Range.Start + i] = summands == u.Count
                    ? part.Sums[i]
                    : throw new InvalidOperationException($"the sum of chunk {part.Range.Start + i} of round {round.Number} has {summands} summands, not |U| = {u.Count}");
            }
        }

        return sums;
    }

    private async Task DriveAsync(AdmittedUpload upload)
    {
        if (upload.Counted)
        {
            return;
        }

        ChunkRange[] ranges = Ranges();
        int[] missing = [.. Enumerable.Range(0, ranges.Length).Where(p => !upload.FoldedBy.Contains(p))];
        Task<FoldOutcome>[] folds = [.. missing.Select(p => Partition(ranges[p]).FoldAsync(upload.UploadId, upload.ChunkDigests[ranges[p].Start..ranges[p].End]))];
        Task all = Task.WhenAll(folds);
        await all.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Current).ConfigureAwait(true);
        int before = upload.FoldedBy.Count;
        for (int i = 0; i < missing.Length; i++)
        {
            if (folds[i].IsCompletedSuccessfully)
            {
                upload.FoldedBy.Add(missing[i]);
            }
        }

        if (upload.FoldedBy.Count == ranges.Length)
        {
            RoundState counted = Transition(() => _lifecycle.CountUpload(Current(), upload.Participant, upload.AdmittedAt));
            upload.Counted = true;
            await SaveAsync(counted).ConfigureAwait(true);
            UploadCounted(logger, counted.Number, upload.Participant, counted.Summands);
            if (counted.Summands == consortium.Policy.Enrolled.Length)
            {
                StepSoon(); // everyone is in: close collection
            }

            return;
        }

        // Keep the acknowledgements that came back; the missing folds are re-driven, and the caller hears why they failed.
        if (upload.FoldedBy.Count > before)
        {
            await state.WriteStateAsync().ConfigureAwait(true);
        }

        await all.ConfigureAwait(true);
    }

    private async Task SaveAsync(RoundState next)
    {
        S.Round = RoundRecord.From(next);
        await WriteAsync().ConfigureAwait(true);
    }

    /// <summary>Writes the state; after a failed write the activation ends, so the next one reads whatever the store holds.</summary>
    private async Task WriteAsync()
    {
        try
        {
            await state.WriteStateAsync().ConfigureAwait(true);
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    private RoundState Current() => S.Round?.ToState() ?? throw new RoundRefusedException(RoundError.WrongStage, $"round {this.GetPrimaryKeyLong()} has not been opened");

    private IEnumerable<AdmittedUpload> Counted() => S.Uploads.Values.Where(u => u.Counted).OrderBy(u => u.Participant, StringComparer.Ordinal);

    private ChunkRange[] Ranges() => ChunkRange.Split(S.Round!.ChunkCount, S.Partitions);

    private ISumPartitionGrain Partition(ChunkRange range) => GrainFactory.GetGrain<ISumPartitionGrain>(range.Key(S.Round!.Number));

    private RoundView View()
    {
        RoundRecord? r = S.Round;
        return r is null
            ? new RoundView { Number = this.GetPrimaryKeyLong() }
            : new RoundView
            {
                Number = r.Number,
                Stage = r.Stage,
                ChunkCount = r.ChunkCount,
                Partitions = S.Partitions,
                Contributors = r.Contributors,
                PendingFolds = S.Uploads.Values.Count(u => !u.Counted),
                ListDigest = r.ListDigest,
                Approvals = r.Approvals,
                DecryptionSet = r.DecryptionSet,
                SharesReceived = r.SharesReceived,
                AbortReason = r.AbortReason,
                ModelVersion = r.ModelVersion,
                CollectDeadline = r.CollectDeadline,
                ApproveDeadline = r.ApproveDeadline,
                DecryptDeadline = r.DecryptDeadline,
            };
    }

    private static RoundState Transition(Func<RoundState> transition)
    {
        try
        {
            return transition();
        }
        catch (RoundStateException e)
        {
            throw new RoundRefusedException(e.Error, e.Message);
        }
        catch (ArgumentException e)
        {
            throw new RoundRefusedException(RoundError.InvalidArgument, PlainMessage.Of(e));
        }
    }

    [LoggerMessage(EventId = 1902, Level = LogLevel.Information, Message = "Round {Round} opened: {Chunks} chunks over {Partitions} sum partitions")]
    private static partial void Opened(ILogger logger, long round, int chunks, int partitions);

    [LoggerMessage(EventId = 1903, Level = LogLevel.Information, Message = "Round {Round}: {Participant}'s upload folded by every partition and counted ({Summands} summands)")]
    private static partial void UploadCounted(ILogger logger, long round, string participant, int summands);

    [LoggerMessage(EventId = 1904, Level = LogLevel.Warning, Message = "Round {Round}: re-driving the pending folds failed ({Reason}); retrying")]
    private static partial void RedriveFailed(ILogger logger, long round, string reason);
}
