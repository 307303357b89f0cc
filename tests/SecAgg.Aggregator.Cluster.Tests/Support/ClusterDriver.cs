using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;
using SecAgg.Protocol.Tests.V2;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>
/// Drives rounds of an <see cref="InProcessRound"/> consortium through a cluster client, retrying, as a front end would,
/// what fails while the cluster notices a dead silo.
/// </summary>
internal sealed class ClusterDriver(IClusterClient client)
{
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);

    public IChunkIngestGrain Ingest => client.GetGrain<IChunkIngestGrain>(0);

    public IRoundGrain Round(long number) => client.GetGrain<IRoundGrain>(number);

    public ISumPartitionGrain Partition(long round, ChunkRange range) => client.GetGrain<ISumPartitionGrain>(range.Key(round));

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

    public async Task OpenAsync(RoundParameters round) =>
        Assert.Equal(RoundStages.Open, (await RetryAsync(() => Round((long)round.Round).OpenAsync(new RoundOpening(round.ParameterDigest, round.TotalChunks)))).Stage);

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

    /// <summary>
    /// The rest of the round once every upload is in: close, every member of U approves, D answers, the cluster's aggregate
    /// is combined with D's shares and the round published. Returns the aggregate and the decrypted values mod 2^b.
    /// </summary>
    public async Task<(byte[][] Aggregate, uint[][] Values)> FinishAsync(InProcessRound r, RoundParameters round, (InProcessRound.Site Site, EncryptedUpload Upload)[] uploads, string[] decryptionSet)
    {
        IRoundGrain grain = Round((long)round.Round);
        RoundView closed = await RetryAsync(() => grain.CloseCollectionAsync());
        Assert.Equal(RoundStages.Approving, closed.Stage);
        SignedStatement[] approvals = r.Approvals(round.Round, uploads);
        foreach (var approval in approvals)
        {
            await RetryAsync(() => grain.SubmitApprovalAsync(approval.Serialize()));
        }

        await RetryAsync(() => grain.BeginDecryptionAsync(decryptionSet));
        SignedStatement[] commitments = [.. uploads.Select(u => u.Upload.SignedCommitment)];
        var shares = new Dictionary<string, byte[][]>();
        foreach (string member in decryptionSet)
        {
            shares[member] = InProcessRound.Answer(r[member], round.Round, commitments, approvals, decryptionSet);
            await RetryAsync(() => grain.ReceiveSharesAsync(member));
        }

        byte[][] aggregate = await RetryAsync(() => grain.GetAggregateAsync());
        uint[][] values = InProcessRound.Combine(round, round.CreateSession(uploads.Select(u => u.Site.Id), decryptionSet), aggregate, shares);
        Assert.Equal(RoundStages.Published, (await RetryAsync(() => grain.PublishAsync((long)round.Round))).Stage);
        return (aggregate, values);
    }

}
