using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;
using SecAgg.Protocol.Tests.V2;
using Site = SecAgg.Protocol.Tests.V2.InProcessRound.Site;

namespace SecAgg.Aggregator.Cluster.Tests.Grains;

/// <summary>
/// What a participant (or anyone who reaches a silo) sends that is not a committed upload of an enrolled site is refused
/// with the reason and changes nothing: the round then completes with the sum of exactly the uploads that were counted.
/// </summary>
public sealed class ClusterRefusalTests
{
    private const long Round = 1;

    [Fact]
    public async Task ChunksAndCommitmentsThatAreNotACommittedUploadAreRefusedAndTheSumHoldsOnlyCountedUploads()
    {
        using InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
        await using ClusterHarness h = await ClusterHarness.StartAsync(r, "memory", clock: clock);
        RoundParameters round = r.Announce(Round);
        float[][] updates = Support.Rounds.Updates(4, seed: 24);
        (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates);
        IChunkIngestGrain ingest = h.Cluster.Client.GetGrain<IChunkIngestGrain>(0);
        EncryptedUpload first = uploads[0].Upload;
        EncryptedUpload last = uploads[3].Upload;

        Assert.Equal(UploadRefusal.NoSuchRound, (await ingest.StageChunkAsync(Round, "hospital-1", first.UploadId, 0, first.Chunks[0])).Refusal);
        await h.Driver.OpenAsync(round);
        Assert.Equal(UploadRefusal.NotEnrolled, (await ingest.StageChunkAsync(Round, "mallory", first.UploadId, 0, first.Chunks[0])).Refusal);
        Assert.Equal(UploadRefusal.Malformed, (await ingest.StageChunkAsync(Round, "hospital-1", first.UploadId, 0, first.Chunks[0][..^1])).Refusal);
        Assert.Equal(UploadRefusal.Malformed, (await ingest.StageChunkAsync(Round, "hospital-1", first.UploadId, round.TotalChunks, first.Chunks[0])).Refusal);

        // Completing before every chunk is staged names the chunk to send next.
        Assert.True((await ingest.StageChunkAsync(Round, "hospital-1", first.UploadId, 0, first.Chunks[0])).Accepted);
        UploadOutcome early = await h.Driver.CompleteAsync(Round, first);
        Assert.Equal(UploadRefusal.OutOfOrder, early.Refusal);
        Assert.Contains("send chunk 1", early.Message, StringComparison.Ordinal);
        UploadOutcome conflicting = await ingest.StageChunkAsync(Round, "hospital-1", first.UploadId, 0, first.Chunks[1]);
        Assert.Equal(UploadRefusal.ConflictingChunk, conflicting.Refusal);
        Assert.True((await ingest.StageChunkAsync(Round, "hospital-1", first.UploadId, 0, first.Chunks[0])).Repeated);

        // A commitment whose signature does not verify under the pinned key.
        byte[] signature = first.SignedCommitment.Signature.ToArray();
        signature[5] ^= 1;
        byte[] forged = new SignedStatement(first.SignedCommitment.Statement.Span, signature).Serialize();
        await h.Driver.StageAsync(Round, first);
        Assert.Equal(UploadRefusal.NotEnrolled, (await h.Driver.Round(Round).CompleteUploadAsync(forged)).Refusal);

        // hospital-4 stages hospital-3's chunks under its own upload id: they are not what it committed to, and never count.
        for (int k = 0; k < round.TotalChunks; k++)
        {
            Assert.True((await ingest.StageChunkAsync(Round, "hospital-4", last.UploadId, k, uploads[2].Upload.Chunks[k])).Accepted);
        }

        Assert.Equal(UploadRefusal.Malformed, (await h.Driver.CompleteAsync(Round, last)).Refusal);
        Assert.Empty((await h.Driver.Round(Round).GetAsync()).Contributors);

        foreach (var u in uploads[..3])
        {
            await h.Driver.UploadAsync(Round, u.Upload);
        }

        // A second upload by a counted participant (another id, its own valid signature) is a duplicate.
        (_, SignedStatement second) = r.Consortium.Upload("hospital-1", Round, chunks: round.TotalChunks, salt: 1);
        Assert.Equal(UploadRefusal.Duplicate, (await h.Driver.Round(Round).CompleteUploadAsync(second.Serialize())).Refusal);

        RoundView view = await h.Driver.Round(Round).GetAsync();
        Assert.Equal(["hospital-1", "hospital-2", "hospital-3"], view.Contributors);
        await Assert.ThrowsAsync<RoundRefusedException>(() => h.Driver.Round(Round).GetAggregateAsync());
        RoundRefusedException refused = await Assert.ThrowsAsync<RoundRefusedException>(() => h.Driver.Round(Round).BeginDecryptionAsync(["hospital-1", "hospital-2", "hospital-3"]));
        Assert.Equal(RoundError.WrongStage, refused.Error);

        // Closing needs everyone in or the deadline: with hospital-4 missing and time left, the round keeps collecting.
        Assert.Equal(RoundError.WrongStage, (await Assert.ThrowsAsync<RoundRefusedException>(() => h.Driver.Round(Round).CloseCollectionAsync())).Error);

        // At the deadline hospital-4 is late whatever it sends; the round closes with U = the three counted uploads.
        clock.Advance(ClusterHarness.CollectDeadline);
        Assert.Equal(UploadRefusal.Late, (await h.Driver.CompleteAsync(Round, last)).Refusal);
        (byte[][] aggregate, uint[][] values) = await h.Driver.FinishAsync(r, round, uploads[..3], ["hospital-1", "hospital-2", "hospital-4"]);
        Support.Rounds.AssertSumOfExactly(r, round, uploads[..3], updates[..3], aggregate, values);
    }
}
