using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Cluster.Tests.Embedded;

/// <summary>
/// The one-machine node's shape in process: one silo, the grains' state, chunks and shares in one SQLite file. Whole
/// rounds of real masked uploads (4 sites, t = 3, the insecure test preset) give the single-process fold of exactly the
/// counted uploads when the only silo dies mid-upload or mid-fold and a new one is started on the same file (a whole
/// round without failures runs on 3 in-process silos over the same kind of file in ClusterRoundTests, backend "sqlite").
/// </summary>
public sealed class EmbeddedRoundTests
{
    private const long Round = ClusterRound.Number;

    [Fact]
    public async Task TheOnlySiloKilledMidUploadAndStartedAgainLosesNoAcceptedChunkOrUploadAndCountsNoneTwice()
    {
        await using ClusterRound c = await ClusterRound.OpenAsync("embedded", seed: 32);
        Assert.Single(c.Harness.Cluster.Silos);
        await c.Driver.UploadAsync(Round, c.Upload(0));
        await c.Driver.UploadAsync(Round, c.Upload(1));
        EncryptedUpload third = c.Upload(2);
        Assert.True((await c.Driver.Ingest.StageChunkAsync(Round, third.Commitment.ParticipantId, third.UploadId, 0, third.Chunks[0])).Accepted);

        await c.Harness.Cluster.KillSiloAsync(Assert.Single(c.Harness.Cluster.Silos));
        await c.Harness.Cluster.StartAdditionalSiloAsync();
        Assert.Single(c.Harness.Cluster.Silos);

        // The chunk staged before the kill is held: completing now asks for the next one.
        UploadOutcome early = await c.Driver.CompleteAsync(Round, third);
        Assert.Equal(UploadRefusal.OutOfOrder, early.Refusal);
        Assert.Contains("send chunk 1", early.Message, StringComparison.Ordinal);
        Assert.Equal(["hospital-1", "hospital-2"], (await c.Driver.Round(Round).GetAsync()).Contributors);

        await c.Driver.UploadAsync(Round, third);
        await c.Driver.UploadAsync(Round, c.Upload(3));
        UploadOutcome again = await c.Driver.CompleteAsync(Round, c.Upload(0));
        Assert.True(again.Accepted && again.Repeated);
        RoundView view = await c.Driver.Round(Round).GetAsync();
        Assert.Equal(c.Consortium.Consortium.Ids.Order(StringComparer.Ordinal), view.Contributors);
        Assert.Equal(0, view.PendingFolds);
        await c.FinishAndCheckAsync(["hospital-1", "hospital-2", "hospital-3"]);
    }

    [Fact]
    public async Task AFoldCutOffByTheOnlySiloDyingIsRedrivenByTheNextSiloAndCountedOnce()
    {
        await using ClusterRound c = await ClusterRound.OpenAsync("embedded", seed: 33);
        await c.Driver.UploadAsync(Round, c.Upload(0));

        // A partition's fold of the second upload has read the chunks and not yet written when the silo is killed.
        EncryptedUpload second = c.Upload(1);
        await c.Driver.StageAsync(Round, second);
        c.Harness.Gate.Arm(second.UploadId);
        Task<UploadOutcome> completing = c.Driver.Round(Round).CompleteUploadAsync(second.SignedCommitment.Serialize());
        await c.Harness.Gate.Blocked.WaitAsync(TimeSpan.FromSeconds(30));
        await c.Harness.Cluster.KillSiloAsync(Assert.Single(c.Harness.Cluster.Silos));
        await Assert.ThrowsAnyAsync<Exception>(() => completing);
        await c.Harness.Cluster.StartAdditionalSiloAsync();

        // The cut-off fold was not counted by the dead silo; the next one re-drives it, at its round's reminder (which may
        // come first) or at the resend; a resend after the reminder counted it is a repeat. The sum checked at the end holds
        // it exactly once.
        bool redrivenAlready = (await ClusterDriver.RetryAsync(() => c.Driver.Round(Round).GetAsync())).Contributors.Contains(c.Uploads[1].Site.Id);
        UploadOutcome resent = await c.Driver.CompleteAsync(Round, second);
        Assert.True(resent.Accepted, resent.Message);
        Assert.True(resent.Repeated || !redrivenAlready, "a resend after the upload was counted must be answered as a repeat");
        await c.Driver.UploadAsync(Round, c.Upload(2));
        await c.Driver.UploadAsync(Round, c.Upload(3));
        await c.FinishAndCheckAsync(["hospital-1", "hospital-2", "hospital-3"]);
    }
}
