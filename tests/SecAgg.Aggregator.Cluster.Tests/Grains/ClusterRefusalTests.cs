using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;

namespace SecAgg.Aggregator.Cluster.Tests.Grains;

/// <summary>
/// What a participant (or anyone who reaches a silo) sends that is not a committed upload of an enrolled site is refused
/// with the reason and changes nothing: the round then completes with the sum of exactly the uploads that were counted.
/// </summary>
public sealed class ClusterRefusalTests
{
    private const long Round = ClusterRound.Number;

    [Fact]
    public async Task ChunksAndCommitmentsThatAreNotACommittedUploadAreRefusedAndTheSumHoldsOnlyCountedUploads()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
        await using ClusterRound c = await ClusterRound.OpenAsync("memory", seed: 24, clock);
        IChunkIngestGrain ingest = c.Driver.Ingest;
        EncryptedUpload first = c.Upload(0);
        EncryptedUpload last = c.Upload(3);

        Assert.Equal(UploadRefusal.NoSuchRound, (await ingest.StageChunkAsync(Round + 1, "hospital-1", first.UploadId, 0, first.Chunks[0])).Refusal);
        Assert.Equal(UploadRefusal.NotEnrolled, (await ingest.StageChunkAsync(Round, "mallory", first.UploadId, 0, first.Chunks[0])).Refusal);
        Assert.Equal(UploadRefusal.Malformed, (await ingest.StageChunkAsync(Round, "hospital-1", first.UploadId, 0, first.Chunks[0][..^1])).Refusal);
        Assert.Equal(UploadRefusal.Malformed, (await ingest.StageChunkAsync(Round, "hospital-1", first.UploadId, c.Round.TotalChunks, first.Chunks[0])).Refusal);

        // Completing before every chunk is staged names the chunk to send next.
        Assert.True((await ingest.StageChunkAsync(Round, "hospital-1", first.UploadId, 0, first.Chunks[0])).Accepted);
        UploadOutcome early = await c.Driver.CompleteAsync(Round, first);
        Assert.Equal(UploadRefusal.OutOfOrder, early.Refusal);
        Assert.Contains("send chunk 1", early.Message, StringComparison.Ordinal);
        UploadOutcome conflicting = await ingest.StageChunkAsync(Round, "hospital-1", first.UploadId, 0, first.Chunks[1]);
        Assert.Equal(UploadRefusal.ConflictingChunk, conflicting.Refusal);
        Assert.True((await ingest.StageChunkAsync(Round, "hospital-1", first.UploadId, 0, first.Chunks[0])).Repeated);

        // A commitment whose signature does not verify under the pinned key.
        byte[] signature = first.SignedCommitment.Signature.ToArray();
        signature[5] ^= 1;
        byte[] forged = new SignedStatement(first.SignedCommitment.Statement.Span, signature).Serialize();
        await c.Driver.StageAsync(Round, first);
        Assert.Equal(UploadRefusal.NotEnrolled, (await c.Driver.Round(Round).CompleteUploadAsync(forged)).Refusal);

        // hospital-4 stages hospital-3's chunks under its own upload id: they are not what it committed to, and never count.
        for (int k = 0; k < c.Round.TotalChunks; k++)
        {
            Assert.True((await ingest.StageChunkAsync(Round, "hospital-4", last.UploadId, k, c.Upload(2).Chunks[k])).Accepted);
        }

        Assert.Equal(UploadRefusal.Malformed, (await c.Driver.CompleteAsync(Round, last)).Refusal);
        Assert.Empty((await c.Driver.Round(Round).GetAsync()).Contributors);

        foreach (var u in c.Uploads[..3])
        {
            await c.Driver.UploadAsync(Round, u.Upload);
        }

        // A second upload by a counted participant (another id, its own valid signature) is a duplicate.
        (_, SignedStatement second) = c.Consortium.Consortium.Upload("hospital-1", Round, chunks: c.Round.TotalChunks, salt: 1);
        Assert.Equal(UploadRefusal.Duplicate, (await c.Driver.Round(Round).CompleteUploadAsync(second.Serialize())).Refusal);

        RoundView view = await c.Driver.Round(Round).GetAsync();
        Assert.Equal(["hospital-1", "hospital-2", "hospital-3"], view.Contributors);
        await Assert.ThrowsAsync<RoundRefusedException>(() => c.Driver.Round(Round).GetAggregateAsync());
        Assert.Equal(ShareRefusal.WrongStage, (await c.Driver.Shares.SubmitShareAsync(Round, "hospital-1", 0, new byte[] { 1, 2, 3 })).Refusal);

        // Closing needs everyone in or the deadline: with hospital-4 missing and time left, the round keeps collecting.
        Assert.Equal(RoundError.WrongStage, (await Assert.ThrowsAsync<RoundRefusedException>(() => c.Driver.Round(Round).CloseCollectionAsync())).Error);

        // At the deadline hospital-4 is late whatever it sends; the round closes with U = the three counted uploads.
        clock.Advance(ClusterHarness.CollectDeadline);
        Assert.Equal(UploadRefusal.Late, (await c.Driver.CompleteAsync(Round, last)).Refusal);
        await c.FinishAndCheckAsync(["hospital-1", "hospital-2", "hospital-3"], counted: 3);
    }
}
