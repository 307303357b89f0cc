using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;
using SecAgg.Protocol.Tests.V2;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>
/// Drives rounds of an <see cref="InProcessRound"/> consortium through a cluster client as its participants would (uploads,
/// approvals, decryption shares), retrying, as a front end would, what fails while the cluster notices a dead silo. The
/// round closes, fixes D, combines and publishes by itself; the driver only waits for it.
/// </summary>
internal sealed class ClusterDriver(IClusterClient client)
{
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);

    public IChunkIngestGrain Ingest => client.GetGrain<IChunkIngestGrain>(0);

    public IRoundGrain Round(long number) => client.GetGrain<IRoundGrain>(number);

    /// <summary>The consortium: round sequence and privacy ledger (rounds are opened through it, as a front end would).</summary>
    public IConsortiumGrain Consortium => client.GetGrain<IConsortiumGrain>(0);

    public ISumPartitionGrain Partition(long round, ChunkRange range) => client.GetGrain<ISumPartitionGrain>(range.Key(round));

    public IShareIngestGrain Shares => client.GetGrain<IShareIngestGrain>(0);

    public IModelGrain Model(long version) => client.GetGrain<IModelGrain>(version);

    public IManagementGrain Management => client.GetGrain<IManagementGrain>(0);

    /// <summary>Calls <paramref name="call"/> until it answers: what a dying silo causes (timeouts, Orleans' messaging and
    /// state-version errors) is retried for a minute, anything else is an answer.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        DateTime until = DateTime.UtcNow + RetryFor;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is TimeoutException or OrleansException && DateTime.UtcNow < until)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>How long <see cref="WaitForAsync"/> waits for the cluster to move a round (several reminder periods, a silo's death).</summary>
    public static readonly TimeSpan WaitFor = TimeSpan.FromSeconds(90);

    public async Task OpenAsync(RoundParameters round, float[] initialModel)
    {
        await RetryAsync(async () =>
        {
            await Model(0).PutInitialAsync(initialModel);
            return true;
        });
        Assert.Equal((long)round.Round, await RetryAsync(Consortium.NextRoundAsync));
        Assert.Equal(RoundStages.Open, (await RetryAsync(() => Consortium.OpenRoundAsync((long)round.Round, RoundOpening.For(round)))).Stage);
    }

    /// <summary>Stages every chunk of <paramref name="upload"/> through the ingest workers.</summary>
    public async Task StageAsync(long round, EncryptedUpload upload)
    {
        IChunkIngestGrain ingest = Ingest;
        for (int k = 0; k < upload.Chunks.Count; k++)
        {
            int index = k;
            UploadOutcome staged = await RetryAsync(() => ingest.StageChunkAsync(round, upload.Commitment.ParticipantId, upload.UploadId, index, upload.Chunks[index]));
            Assert.True(staged.Accepted, staged.Message);
        }
    }

    /// <summary>Completes <paramref name="upload"/> (all chunks staged): counted once every partition folded it.</summary>
    public async Task<UploadOutcome> CompleteAsync(long round, EncryptedUpload upload) =>
        await RetryAsync(() => Round(round).CompleteUploadAsync(upload.SignedCommitment.Serialize()));

    /// <summary>Stages and completes <paramref name="upload"/>; it must be counted.</summary>
    public async Task UploadAsync(long round, EncryptedUpload upload)
    {
        await StageAsync(round, upload);
        UploadOutcome outcome = await CompleteAsync(round, upload);
        Assert.True(outcome.Accepted, outcome.Message);
    }

    /// <summary>Polls the round until <paramref name="reached"/> holds (the cluster moves it by itself); fails after <see cref="WaitFor"/>.</summary>
    public async Task<RoundView> WaitForAsync(long round, Func<RoundView, bool> reached, string what)
    {
        DateTime until = DateTime.UtcNow + WaitFor;
        RoundView view;
        while (!reached(view = await RetryAsync(() => Round(round).GetAsync())))
        {
            Assert.True(DateTime.UtcNow < until, $"round {round} did not get {what} within {WaitFor.TotalSeconds} s; it is {view.Stage} ({view.AbortReason})");
            await Task.Delay(200);
        }

        return view;
    }

    /// <summary>Polls model version <paramref name="version"/> until the cluster holds it.</summary>
    public async Task<PublishedModel> WaitForModelAsync(long version)
    {
        DateTime until = DateTime.UtcNow + WaitFor;
        while (true)
        {
            if (await RetryAsync(() => Model(version).GetAsync()) is { } model)
            {
                return model;
            }

            Assert.True(DateTime.UtcNow < until, $"model version {version} was not published within {WaitFor.TotalSeconds} s");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Once every upload is in: collection closes (the cluster closes it when everyone is in; else at the deadline, here
    /// asked for), every member of U approves, and the cluster fixes D. Returns the approvals and D.
    /// </summary>
    public async Task<(SignedStatement[] Approvals, string[] DecryptionSet)> ApproveAsync(InProcessRound r, RoundParameters round, (InProcessRound.Site Site, EncryptedUpload Upload)[] uploads)
    {
        IRoundGrain grain = Round((long)round.Round);
        Assert.Equal(RoundStages.Approving, (await RetryAsync(() => grain.CloseCollectionAsync())).Stage);
        SignedStatement[] approvals = r.Approvals(round.Round, uploads);
        foreach (var approval in approvals)
        {
            await RetryAsync(() => grain.SubmitApprovalAsync(approval.Serialize()));
        }

        RoundView decrypting = await WaitForAsync((long)round.Round, v => v.Stage != RoundStages.Approving, "its decryption set D");
        Assert.Equal(RoundStages.Decrypting, decrypting.Stage);
        return (approvals, decrypting.DecryptionSet);
    }

    /// <summary>Each member of D's shares (one per chunk), made by the member from U's commitments and approvals.</summary>
    public static Dictionary<string, byte[][]> Answer(InProcessRound r, RoundParameters round, (InProcessRound.Site Site, EncryptedUpload Upload)[] uploads, SignedStatement[] approvals, string[] decryptionSet)
    {
        SignedStatement[] commitments = [.. uploads.Select(u => u.Upload.SignedCommitment)];
        return decryptionSet.ToDictionary(m => m, m => InProcessRound.Answer(r[m], round.Round, commitments, approvals, decryptionSet));
    }

    /// <summary>Sends <paramref name="member"/>'s shares of chunks [<paramref name="from"/>, <paramref name="to"/>); each must be held. Returns the outcomes.</summary>
    public async Task<ShareOutcome[]> SendSharesAsync(long round, string member, byte[][] shares, int from = 0, int? to = null)
    {
        var outcomes = new List<ShareOutcome>();
        for (int k = from; k < (to ?? shares.Length); k++)
        {
            int index = k;
            ShareOutcome outcome = await RetryAsync(() => Shares.SubmitShareAsync(round, member, index, shares[index]));
            Assert.True(outcome.Accepted, outcome.Message);
            outcomes.Add(outcome);
        }

        return [.. outcomes];
    }

    /// <summary>
    /// The rest of the round once every upload is in: close, approve, D answers through the share workers; the cluster
    /// combines and publishes by itself. Returns the aggregate, the values it decrypts to with D's shares (combined here,
    /// independently of the cluster) and the model the cluster published.
    /// </summary>
    public async Task<(byte[][] Aggregate, uint[][] Values, PublishedModel Model)> FinishAsync(InProcessRound r, RoundParameters round, (InProcessRound.Site Site, EncryptedUpload Upload)[] uploads)
    {
        (SignedStatement[] approvals, string[] decryptionSet) = await ApproveAsync(r, round, uploads);
        Dictionary<string, byte[][]> shares = Answer(r, round, uploads, approvals, decryptionSet);
        await SendAllSharesAsync((long)round.Round, shares);
        return await PublishedAsync(round, uploads, decryptionSet, shares);
    }

    /// <summary>Sends every member's shares; each member's last one must complete it.</summary>
    public async Task SendAllSharesAsync(long round, Dictionary<string, byte[][]> shares)
    {
        foreach ((string member, byte[][] answer) in shares)
        {
            ShareOutcome[] outcomes = await SendSharesAsync(round, member, answer);
            Assert.True(outcomes[^1].Complete, $"{member}'s shares were not recorded complete: {outcomes[^1].Message}");
        }
    }

    /// <summary>Waits for the round to be published; returns the aggregate, the values D's shares decrypt it to (here) and the published model.</summary>
    public async Task<(byte[][] Aggregate, uint[][] Values, PublishedModel Model)> PublishedAsync(
        RoundParameters round, (InProcessRound.Site Site, EncryptedUpload Upload)[] uploads, string[] decryptionSet, Dictionary<string, byte[][]> shares)
    {
        RoundView published = await WaitForAsync((long)round.Round, v => v.Stage != RoundStages.Decrypting, "published");
        Assert.True(published.Stage == RoundStages.Published, $"round {round.Round} is {published.Stage}: {published.AbortReason}");
        Assert.Equal((long)round.ModelVersion + 1, published.ModelVersion);
        Assert.Equal(decryptionSet, published.SharesReceived);
        byte[][] aggregate = await RetryAsync(() => Round((long)round.Round).GetAggregateAsync());
        uint[][] values = InProcessRound.Combine(round, round.CreateSession(uploads.Select(u => u.Site.Id), decryptionSet), aggregate, shares);
        PublishedModel model = await WaitForModelAsync(published.ModelVersion!.Value);
        Assert.Equal(((long)round.Round, uploads.Length), (model.Round, model.Participants));
        return (aggregate, values, model);
    }
}
