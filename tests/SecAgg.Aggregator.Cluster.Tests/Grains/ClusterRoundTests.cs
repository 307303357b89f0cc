using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Cluster.Tests.Grains;

/// <summary>
/// Whole rounds of real masked uploads (4 sites, t = 3, the insecure test preset) through a 3-silo in-process cluster:
/// the aggregate the grains gather is the single-process fold of exactly the counted uploads and decrypts to the
/// plaintext mean, also when a silo dies mid-upload or mid-fold, or when the silos that started the round all die.
/// </summary>
public sealed class ClusterRoundTests
{
    private const long Round = ClusterRound.Number;

    public static TheoryData<string> Backends => Support.Backends.All;

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ThreeSilosRunAWholeRoundWhoseAggregateDecryptsToThePlaintextMean(string backend)
    {
        await using ClusterRound c = await ClusterRound.OpenAsync(backend, seed: 19);
        Assert.True(c.Round.TotalChunks >= 2, $"the test needs several sum partitions; the round has {c.Round.TotalChunks} chunks");
        foreach (var u in c.Uploads)
        {
            await c.Driver.UploadAsync(Round, u.Upload);
        }

        RoundView view = await c.Driver.Round(Round).GetAsync();
        Assert.Equal(c.Consortium.Consortium.Ids.Order(StringComparer.Ordinal), view.Contributors);
        Assert.Equal(0, view.PendingFolds);
        Assert.Equal(Math.Min(c.Round.TotalChunks, c.Harness.Consortium.Partitions), view.Partitions);
        await c.FinishAndCheckAsync(["hospital-1", "hospital-2", "hospital-3"]);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ASiloKilledMidUploadLosesNoAcceptedUploadAndCountsNoneTwice(string backend)
    {
        await using ClusterRound c = await ClusterRound.OpenAsync(backend, seed: 20);
        await c.Driver.UploadAsync(Round, c.Upload(0));
        await c.Driver.UploadAsync(Round, c.Upload(1));

        // The third upload has one chunk staged when a silo dies; it is resent in full (staging the same bytes again is a no-op).
        EncryptedUpload third = c.Upload(2);
        Assert.True((await c.Driver.Ingest.StageChunkAsync(Round, third.Commitment.ParticipantId, third.UploadId, 0, third.Chunks[0])).Accepted);
        await c.Harness.Cluster.KillSiloAsync(c.Harness.Cluster.Silos[1]);
        await c.Driver.UploadAsync(Round, third);
        await c.Driver.UploadAsync(Round, c.Upload(3));

        // Resending a counted upload is acknowledged as a repeat and counts nothing.
        UploadOutcome again = await c.Driver.CompleteAsync(Round, c.Upload(0));
        Assert.True(again.Accepted && again.Repeated);
        Assert.Equal(4, (await c.Driver.Round(Round).GetAsync()).Contributors.Length);
        await c.FinishAndCheckAsync(["hospital-1", "hospital-2", "hospital-3"]);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task AFoldCutOffByItsSiloDyingIsRedrivenElsewhereAndCountedOnce(string backend)
    {
        await using ClusterRound c = await ClusterRound.OpenAsync(backend, seed: 21);
        await c.Driver.UploadAsync(Round, c.Upload(0));

        // One partition's fold of the second upload has read the chunks and not yet written when its silo is killed.
        EncryptedUpload second = c.Upload(1);
        await c.Driver.StageAsync(Round, second);
        c.Harness.Gate.Arm(second.UploadId);
        Task<UploadOutcome> completing = c.Driver.Round(Round).CompleteUploadAsync(second.SignedCommitment.Serialize());
        string silo = await c.Harness.Gate.Blocked.WaitAsync(TimeSpan.FromSeconds(30));
        await c.Harness.Cluster.KillSiloAsync(c.Harness.Cluster.Silos.Single(s => s.Name == silo));
        await Assert.ThrowsAnyAsync<Exception>(() => completing);

        // The round grain re-drives the missing fold on a live silo (by itself once it steps, or on the resend): the resend
        // is accepted and the upload is in U once.
        UploadOutcome resent = await c.Driver.CompleteAsync(Round, second);
        Assert.True(resent.Accepted, resent.Message);
        Assert.Equal(["hospital-1", "hospital-2"], (await c.Driver.Round(Round).GetAsync()).Contributors);
        await c.Driver.UploadAsync(Round, c.Upload(2));
        await c.Driver.UploadAsync(Round, c.Upload(3));
        await c.FinishAndCheckAsync(["hospital-1", "hospital-2", "hospital-3"]);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task AFoldWhoseAcknowledgementWasLostIsNotAddedTwice(string backend)
    {
        await using ClusterRound c = await ClusterRound.OpenAsync(backend, seed: 22);
        foreach (var u in c.Uploads)
        {
            await c.Driver.StageAsync(Round, u.Upload);
        }

        // Every partition already folded the first upload (persisted) but the round grain never heard: it asks again.
        EncryptedUpload first = c.Upload(0);
        foreach (ChunkRange range in ChunkRange.Split(c.Round.TotalChunks, c.Harness.Consortium.Partitions))
        {
            byte[][] digests = [.. first.ChunkDigests.Skip(range.Start).Take(range.Count).Select(d => d.ToArray())];
            Assert.Equal(FoldOutcome.Folded, await c.Driver.Partition(Round, range).FoldAsync(first.UploadId, digests));
            Assert.Equal(FoldOutcome.AlreadyFolded, await c.Driver.Partition(Round, range).FoldAsync(first.UploadId, digests));
        }

        foreach (var u in c.Uploads)
        {
            UploadOutcome outcome = await c.Driver.CompleteAsync(Round, u.Upload);
            Assert.True(outcome.Accepted, outcome.Message);
        }

        await c.FinishAndCheckAsync(["hospital-1", "hospital-2", "hospital-3"]);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ASiloStartedMidRoundCarriesTheRoundOnceTheSilosThatBeganItAllDie(string backend)
    {
        await using ClusterRound c = await ClusterRound.OpenAsync(backend, seed: 23);
        await c.Driver.UploadAsync(Round, c.Upload(0));
        await c.Driver.UploadAsync(Round, c.Upload(1));

        var joined = await c.Harness.Cluster.StartAdditionalSiloAsync();
        foreach (var original in c.Harness.Cluster.Silos.Where(s => s != joined).ToArray())
        {
            await c.Harness.Cluster.KillSiloAsync(original);
        }

        // Every grain of the round (round, partitions, ingest) now runs on the silo that joined, from the stored state.
        Assert.Equal(joined, Assert.Single(c.Harness.Cluster.Silos));
        await c.Driver.UploadAsync(Round, c.Upload(2));
        await c.Driver.UploadAsync(Round, c.Upload(3));
        await c.FinishAndCheckAsync(["hospital-1", "hospital-2", "hospital-3"]);
    }
}
