using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Cluster.State;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// After collection: U closed with its list digest, D fixed once every member of U approved, each member of D recorded
/// once the shared store holds its share of every chunk, then the combine and the publication, then the clean-up. Each
/// transition is one persisted write; each is re-run from the store when a silo died between two of them.
/// </summary>
internal sealed partial class RoundGrain
{
    public async Task<RoundView> RecordSharesAsync(string member)
    {
        ArgumentException.ThrowIfNullOrEmpty(member);
        RoundState round = Current();
        if (RoundState.Has(round.SharesReceived, member))
        {
            return View();
        }

        if (round.Stage == RoundStage.Decrypting && RoundState.Has(round.DecryptionSet, member))
        {
            int held = await shares.CountAsync(round.Number, member).ConfigureAwait(true);
            if (held < round.ChunkCount)
            {
                throw new RoundRefusedException(RoundError.InvalidArgument, $"'{member}' has shares of {held} of round {round.Number}'s {round.ChunkCount} chunks held; send the rest");
            }
        }

        RoundState next = Transition(() => _lifecycle.ReceiveShare(round, member, Clock.GetUtcNow()));
        await SaveAsync(next).ConfigureAwait(true);
        SharesComplete(logger, next.Number, member, next.SharesReceived.Length, next.DecryptionSet.Length);
        if (RoundLifecycle.AllSharesIn(next))
        {
            StepSoon(); // combine and publish
        }

        return View();
    }

    /// <summary>Closes collection: U is fixed with the UploadList digest of its signed commitments, which every member must approve.</summary>
    private async Task CloseAsync(RoundState round, DateTimeOffset now)
    {
        byte[] digest = UploadList.Digest(consortium.Roster.Descriptor, Counted().Select(u => Commitment(u)));
        await SaveAsync(Transition(() => _lifecycle.BeginApproval(round, digest, now))).ConfigureAwait(true);
        ApprovalBegins(logger, round.Number, round.Summands);
    }

    /// <summary>
    /// The decryption set D, exactly t enrolled participants: those that reported presence first, those that said nothing
    /// next, those that said they are leaving last; members of U first, then Shamir point order, within each group (the
    /// single-process round driver's order without its liveness window, which the cluster does not keep).
    /// </summary>
    private string[] ChooseDecryptionSet(RoundState round) =>
        [.. consortium.Policy.Enrolled
            .OrderBy(id => S.Presence.TryGetValue(id, out bool here) ? here ? 0 : 2 : 1)
            .ThenBy(id => RoundState.Has(round.Contributors, id) ? 0 : 1)
            .ThenBy(consortium.PointOf)
            .Take(consortium.Policy.Threshold)];

    /// <summary>Records every member of D whose shares the store holds in full but the round does not yet (a silo died in between).</summary>
    private async Task RecountSharesAsync(RoundState round)
    {
        RoundState next = round;
        foreach (string member in round.DecryptionSet.Where(m => !RoundState.Has(round.SharesReceived, m)))
        {
            if (await shares.CountAsync(round.Number, member).ConfigureAwait(true) == round.ChunkCount)
            {
                next = _lifecycle.ReceiveShare(next, member, Clock.GetUtcNow());
            }
        }

        if (!ReferenceEquals(next, round))
        {
            await SaveAsync(next).ConfigureAwait(true);
        }
    }

    /// <summary>
    /// Combines the aggregate with D's shares, decodes the mean, adds it to the base model, records the round's spend in the
    /// consortium's privacy ledger (<see cref="IConsortiumGrain.RecordSpendAsync"/>: a round not opened through the consortium
    /// is refused there and aborts unreleased), stores model version base + 1
    /// (<see cref="IModelGrain.PublishAsync"/>: once per version), then persists Published. A crash anywhere before that last
    /// write re-runs all of it: the combine reads only stored data and the model grain keeps the version it holds. A round
    /// that cannot be decrypted (a share or a sum that does not fit) is aborted, saying why.
    /// </summary>
    private async Task PublishAsync(RoundState round)
    {
        float[] mean;
        RoundParameters parameters;
        PublishedModel? baseModel;
        try
        {
            parameters = RoundConfiguration.Rebuild(consortium, round.Number, S.Configuration, S.EpochSeed, [.. round.ParameterDigest], round.ChunkCount);
            baseModel = await Model((long)parameters.ModelVersion).GetAsync().ConfigureAwait(true);
            if (baseModel is null)
            {
                BaseModelMissing(logger, round.Number, (long)parameters.ModelVersion);
                return; // it stays decrypting: holding the base model lets it publish, else the decrypt deadline aborts it
            }

            byte[][] sums = await GatherAsync(round).ConfigureAwait(true);
            ulong weight = Counted().Aggregate(0UL, (w, u) => w + Commitment(u).Weight);
            mean = await AggregateDecryption.MeanAsync(consortium, shares, parameters, round, sums, weight).ConfigureAwait(true);
            if (mean.Length != baseModel.Values.Length)
            {
                throw new InvalidOperationException($"the base model version {baseModel.Version} has {baseModel.Values.Length} values; the round decodes {mean.Length}");
            }
        }
        catch (Exception e) when (e is RoundRefusedException or InvalidDataException or ArgumentException or InvalidOperationException)
        {
            await AbortAsync(round, $"{RoundLifecycle.DecryptionFailedPrefix}: {PlainMessage.Of(e)}").ConfigureAwait(true);
            return;
        }

        float[] model = [.. baseModel.Values];
        for (int i = 0; i < model.Length; i++)
        {
            model[i] += mean[i];
        }

        long version = (long)parameters.ModelVersion + 1;
        try
        {
            // The spend goes into the consortium's privacy ledger before anything is released (idempotent per round).
            await GrainFactory.GetGrain<IConsortiumGrain>(0).RecordSpendAsync(round.Number, round.Summands).ConfigureAwait(true);
        }
        catch (RoundRefusedException e)
        {
            await AbortAsync(round, $"the privacy ledger refused the round's spend, so nothing is released: {e.Message}").ConfigureAwait(true);
            return;
        }

        try
        {
            await Model(version).PublishAsync(round.Number, round.Summands, model).ConfigureAwait(true);
        }
        catch (InvalidOperationException e)
        {
            await AbortAsync(round, $"{RoundLifecycle.DecryptionFailedPrefix}: {PlainMessage.Of(e)}").ConfigureAwait(true);
            return;
        }

        await SaveAsync(Transition(() => RoundLifecycle.Publish(round, version, Clock.GetUtcNow()))).ConfigureAwait(true);
        Published(logger, round.Number, version, round.Summands);
    }

    private async Task AbortAsync(RoundState round, string reason)
    {
        await SaveAsync(RoundLifecycle.Abort(round, reason, Clock.GetUtcNow())).ConfigureAwait(true);
        Aborted(logger, round.Number, reason);
    }

    /// <summary>
    /// A finished round's staged chunks and shares are deleted, only after its final stage was persisted (both deletes are
    /// idempotent, so a crash before <see cref="RoundGrainState.Cleaned"/> is written re-runs them); then its reminder goes.
    /// </summary>
    private async Task CleanUpAsync(RoundState round)
    {
        if (!S.Cleaned)
        {
            await staged.DeleteRoundAsync(round.Number).ConfigureAwait(true);
            await shares.DeleteRoundAsync(round.Number).ConfigureAwait(true);
            S.Cleaned = true;
            await WriteAsync().ConfigureAwait(true);
            CleanedUp(logger, round.Number, RoundStages.Name(round.Stage));
        }

        await DisarmDriveAsync().ConfigureAwait(true);
    }

    private IModelGrain Model(long version) => GrainFactory.GetGrain<IModelGrain>(version);

    private static UploadCommitment Commitment(AdmittedUpload upload) => UploadCommitment.Parse(SignedStatement.Deserialize(upload.SignedCommitment).Statement.Span);

    [LoggerMessage(EventId = 1905, Level = LogLevel.Information, Message = "Round {Round}: collection closed with {Summands} uploads; U's members are asked to approve its list")]
    private static partial void ApprovalBegins(ILogger logger, long round, int summands);

    [LoggerMessage(EventId = 1906, Level = LogLevel.Information, Message = "Round {Round}: every member of U approved; decryption set D = {DecryptionSet}")]
    private static partial void DecryptionBegins(ILogger logger, long round, string decryptionSet);

    [LoggerMessage(EventId = 1907, Level = LogLevel.Information, Message = "Round {Round}: {Member}'s shares are complete ({Received} of {Members} members of D)")]
    private static partial void SharesComplete(ILogger logger, long round, string member, int received, int members);

    [LoggerMessage(EventId = 1908, Level = LogLevel.Information, Message = "Round {Round} published as model version {Version} ({Summands} uploads)")]
    private static partial void Published(ILogger logger, long round, long version, int summands);

    [LoggerMessage(EventId = 1909, Level = LogLevel.Warning, Message = "Round {Round} aborted: {Reason}")]
    private static partial void Aborted(ILogger logger, long round, string reason);

    [LoggerMessage(EventId = 1910, Level = LogLevel.Warning, Message = "Round {Round} cannot publish: its base model version {Version} is not held (IModelGrain.PutInitialAsync holds version 0)")]
    private static partial void BaseModelMissing(ILogger logger, long round, long version);

    [LoggerMessage(EventId = 1911, Level = LogLevel.Information, Message = "Round {Round} is {Stage}: its staged chunks and decryption shares are deleted")]
    private static partial void CleanedUp(ILogger logger, long round, string stage);
}
