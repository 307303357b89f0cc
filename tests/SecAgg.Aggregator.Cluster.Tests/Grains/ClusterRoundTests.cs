using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol;
using SecAgg.Protocol.Tests.V2;
using Site = SecAgg.Protocol.Tests.V2.InProcessRound.Site;

namespace SecAgg.Aggregator.Cluster.Tests.Grains;

/// <summary>
/// Whole rounds of real masked uploads (4 sites, t = 3, the insecure test preset) through a 3-silo in-process cluster:
/// the aggregate the grains gather is the single-process fold of exactly the counted uploads and decrypts to the
/// plaintext mean, also when a silo dies mid-upload or mid-fold, or when the silos that started the round all die.
/// </summary>
public sealed class ClusterRoundTests
{
    private const ulong Round = 1;

    public static TheoryData<string> Backends => Support.Backends.All;

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ThreeSilosRunAWholeRoundWhoseAggregateDecryptsToThePlaintextMean(string backend)
    {
        using InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        await using ClusterHarness h = await ClusterHarness.StartAsync(r, backend);
        RoundParameters round = r.Announce(Round);
        Assert.True(round.TotalChunks >= 2, $"the test needs several sum partitions; the round has {round.TotalChunks} chunks");
        float[][] updates = Support.Rounds.Updates(4, seed: 19);
        (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates);

        await h.Driver.OpenAsync(round);
        foreach (var u in uploads)
        {
            await h.Driver.UploadAsync((long)Round, u.Upload);
        }

        RoundView view = await h.Driver.Round((long)Round).GetAsync();
        Assert.Equal(r.Consortium.Ids.Order(StringComparer.Ordinal), view.Contributors);
        Assert.Equal(0, view.PendingFolds);
        Assert.Equal(Math.Min(round.TotalChunks, h.Consortium.Partitions), view.Partitions);
        (byte[][] aggregate, uint[][] values) = await h.Driver.FinishAsync(r, round, uploads, ["hospital-2", "hospital-3", "hospital-4"]);
        Support.Rounds.AssertSumOfExactly(r, round, uploads, updates, aggregate, values);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ASiloKilledMidUploadLosesNoAcceptedUploadAndCountsNoneTwice(string backend)
    {
        using InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        await using ClusterHarness h = await ClusterHarness.StartAsync(r, backend);
        RoundParameters round = r.Announce(Round);
        float[][] updates = Support.Rounds.Updates(4, seed: 20);
        (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates);
        await h.Driver.OpenAsync(round);
        await h.Driver.UploadAsync((long)Round, uploads[0].Upload);
        await h.Driver.UploadAsync((long)Round, uploads[1].Upload);

        // The third upload has one chunk staged when a silo dies; it is resent in full (staging the same bytes again is a no-op).
        EncryptedUpload third = uploads[2].Upload;
        Assert.True((await h.Cluster.Client.GetGrain<IChunkIngestGrain>(0).StageChunkAsync((long)Round, third.Commitment.ParticipantId, third.UploadId, 0, third.Chunks[0])).Accepted);
        await h.Cluster.KillSiloAsync(h.Cluster.Silos[1]);
        await h.Driver.UploadAsync((long)Round, uploads[2].Upload);
        await h.Driver.UploadAsync((long)Round, uploads[3].Upload);

        // Resending a counted upload is acknowledged as a repeat and counts nothing.
        UploadOutcome again = await h.Driver.CompleteAsync((long)Round, uploads[0].Upload);
        Assert.True(again.Accepted && again.Repeated);
        Assert.Equal(4, (await h.Driver.Round((long)Round).GetAsync()).Contributors.Length);
        (byte[][] aggregate, uint[][] values) = await h.Driver.FinishAsync(r, round, uploads, ["hospital-1", "hospital-2", "hospital-3"]);
        Support.Rounds.AssertSumOfExactly(r, round, uploads, updates, aggregate, values);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task AFoldCutOffByItsSiloDyingIsRedrivenElsewhereAndCountedOnce(string backend)
    {
        using InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        await using ClusterHarness h = await ClusterHarness.StartAsync(r, backend);
        RoundParameters round = r.Announce(Round);
        float[][] updates = Support.Rounds.Updates(4, seed: 21);
        (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates);
        await h.Driver.OpenAsync(round);
        await h.Driver.UploadAsync((long)Round, uploads[0].Upload);

        // One partition's fold of the second upload has read the chunks and not yet written when its silo is killed.
        await h.Driver.StageAsync((long)Round, uploads[1].Upload);
        h.Gate.Arm(uploads[1].Upload.UploadId);
        Task<UploadOutcome> completing = h.Driver.Round((long)Round).CompleteUploadAsync(uploads[1].Upload.SignedCommitment.Serialize());
        string silo = await h.Gate.Blocked.WaitAsync(TimeSpan.FromSeconds(30));
        await h.Cluster.KillSiloAsync(h.Cluster.Silos.Single(s => s.Name == silo));
        await Assert.ThrowsAnyAsync<Exception>(() => completing);
        Assert.DoesNotContain(uploads[1].Site.Id, (await ClusterDriver.RetryAsync(() => h.Driver.Round((long)Round).GetAsync())).Contributors);

        // The participant resends; the round grain re-drives the missing fold on a live silo.
        UploadOutcome resent = await h.Driver.CompleteAsync((long)Round, uploads[1].Upload);
        Assert.True(resent.Accepted, resent.Message);
        await h.Driver.UploadAsync((long)Round, uploads[2].Upload);
        await h.Driver.UploadAsync((long)Round, uploads[3].Upload);
        (byte[][] aggregate, uint[][] values) = await h.Driver.FinishAsync(r, round, uploads, ["hospital-2", "hospital-3", "hospital-4"]);
        Support.Rounds.AssertSumOfExactly(r, round, uploads, updates, aggregate, values);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task AFoldWhoseAcknowledgementWasLostIsNotAddedTwice(string backend)
    {
        using InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        await using ClusterHarness h = await ClusterHarness.StartAsync(r, backend);
        RoundParameters round = r.Announce(Round);
        float[][] updates = Support.Rounds.Updates(4, seed: 22);
        (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates);
        await h.Driver.OpenAsync(round);
        foreach (var u in uploads)
        {
            await h.Driver.StageAsync((long)Round, u.Upload);
        }

        // Every partition already folded the first upload (persisted) but the round grain never heard: it asks again.
        EncryptedUpload first = uploads[0].Upload;
        foreach (ChunkRange range in ChunkRange.Split(round.TotalChunks, h.Consortium.Partitions))
        {
            byte[][] digests = [.. first.ChunkDigests.Skip(range.Start).Take(range.Count).Select(d => d.ToArray())];
            Assert.Equal(FoldOutcome.Folded, await h.Driver.Partition((long)Round, range).FoldAsync(first.UploadId, digests));
            Assert.Equal(FoldOutcome.AlreadyFolded, await h.Driver.Partition((long)Round, range).FoldAsync(first.UploadId, digests));
        }

        foreach (var u in uploads)
        {
            UploadOutcome outcome = await h.Driver.CompleteAsync((long)Round, u.Upload);
            Assert.True(outcome.Accepted, outcome.Message);
        }

        (byte[][] aggregate, uint[][] values) = await h.Driver.FinishAsync(r, round, uploads, ["hospital-1", "hospital-3", "hospital-4"]);
        Support.Rounds.AssertSumOfExactly(r, round, uploads, updates, aggregate, values);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ASiloStartedMidRoundCarriesTheRoundOnceTheSilosThatBeganItAllDie(string backend)
    {
        using InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        await using ClusterHarness h = await ClusterHarness.StartAsync(r, backend);
        RoundParameters round = r.Announce(Round);
        float[][] updates = Support.Rounds.Updates(4, seed: 23);
        (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates);
        await h.Driver.OpenAsync(round);
        await h.Driver.UploadAsync((long)Round, uploads[0].Upload);
        await h.Driver.UploadAsync((long)Round, uploads[1].Upload);

        var joined = await h.Cluster.StartAdditionalSiloAsync();
        foreach (var original in h.Cluster.Silos.Where(s => s != joined).ToArray())
        {
            await h.Cluster.KillSiloAsync(original);
        }

        // Every grain of the round (round, partitions, ingest) now runs on the silo that joined, from the stored state.
        Assert.Equal(joined, Assert.Single(h.Cluster.Silos));
        await h.Driver.UploadAsync((long)Round, uploads[2].Upload);
        await h.Driver.UploadAsync((long)Round, uploads[3].Upload);
        (byte[][] aggregate, uint[][] values) = await h.Driver.FinishAsync(r, round, uploads, ["hospital-1", "hospital-2", "hospital-4"]);
        Support.Rounds.AssertSumOfExactly(r, round, uploads, updates, aggregate, values);
    }
}
