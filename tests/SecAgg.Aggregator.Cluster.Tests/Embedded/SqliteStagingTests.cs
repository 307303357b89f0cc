using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Cluster.Storage;

namespace SecAgg.Aggregator.Cluster.Tests.Embedded;

/// <summary>
/// The one-machine node's staged chunks and decryption shares: written once (the same bytes again are a repeat, other
/// bytes a conflict that changes nothing), read back as written after the file is reopened, a missing one named.
/// </summary>
public sealed class SqliteStagingTests : IDisposable
{
    private static readonly Guid Upload = new("6f1b8f1e-2d4c-4c1a-9e3b-3f2a1d0c9b8a");
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task AStagedChunkIsHeldOnceAndReadBackAfterTheFileIsReopened()
    {
        byte[][] chunks = [Bytes(1, 100), Bytes(2, 100), Bytes(3, 57)];
        using (SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path))
        {
            var staged = new SqliteStagedChunks(db);
            for (int k = chunks.Length - 1; k >= 0; k--)
            {
                Assert.Equal(StageResult.Staged, await staged.StageAsync(1, Upload, "hospital-1", k, chunks[k]));
            }

            Assert.Equal(StageResult.AlreadyStaged, await staged.StageAsync(1, Upload, "hospital-1", 1, chunks[1]));
            Assert.Equal(StageResult.Conflict, await staged.StageAsync(1, Upload, "hospital-1", 1, chunks[2]));
            Assert.Equal(StageResult.Conflict, await staged.StageAsync(1, Upload, "hospital-2", 1, chunks[1]));
        }

        using SqliteClusterDatabase reopened = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        var again = new SqliteStagedChunks(reopened);
        byte[][] read = await again.ReadAsync(1, Upload, 0, 3);
        Assert.Equal(chunks, read);
        Assert.Equal([chunks[1], chunks[2]], await again.ReadAsync(1, Upload, 1, 3));
        IReadOnlyList<StagedDigest> digests = await again.DigestsAsync(1, Upload);
        Assert.Equal([0, 1, 2], digests.Select(d => d.Index));
        Assert.All(digests, d => Assert.Equal("hospital-1", d.Participant));
        Assert.Equal(chunks.Select(System.Security.Cryptography.SHA256.HashData), digests.Select(d => d.Sha256));
        Assert.Empty(await again.DigestsAsync(2, Upload));
        Assert.Empty(await again.DigestsAsync(1, Guid.Empty));
    }

    [Fact]
    public async Task ReadingAChunkThatWasNeverStagedNamesIt()
    {
        using SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        var staged = new SqliteStagedChunks(db);
        await staged.StageAsync(1, Upload, "hospital-1", 0, Bytes(1, 10));
        await staged.StageAsync(1, Upload, "hospital-1", 2, Bytes(3, 10));
        InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(() => staged.ReadAsync(1, Upload, 0, 3));
        Assert.Equal($"Chunk 1 of upload {Upload} in round 1 is not staged.", e.Message);
        await Assert.ThrowsAsync<InvalidDataException>(() => staged.ReadAsync(2, Upload, 0, 1));
    }

    [Fact]
    public async Task DeletingARoundsChunksLeavesTheOtherRounds()
    {
        using SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        var staged = new SqliteStagedChunks(db);
        await staged.StageAsync(1, Upload, "hospital-1", 0, Bytes(1, 10));
        await staged.StageAsync(2, Upload, "hospital-1", 0, Bytes(2, 10));
        await staged.DeleteRoundAsync(1);
        await staged.DeleteRoundAsync(7);
        Assert.Empty(await staged.DigestsAsync(1, Upload));
        Assert.Equal([Bytes(2, 10)], await staged.ReadAsync(2, Upload, 0, 1));
    }

    [Fact]
    public async Task AStoredShareIsHeldOnceCountedPerMemberAndReadBackInTheOrderAsked()
    {
        using (SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path))
        {
            var shares = new SqliteStoredShares(db);
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(StageResult.Staged, await shares.StoreAsync(1, "hospital-1", k, Bytes(10 + k, 64)));
                Assert.Equal(StageResult.Staged, await shares.StoreAsync(1, "hospital-3", k, Bytes(30 + k, 64)));
            }

            Assert.Equal(StageResult.Staged, await shares.StoreAsync(1, "hospital-4", 0, Bytes(40, 64)));
            Assert.Equal(StageResult.AlreadyStaged, await shares.StoreAsync(1, "hospital-1", 2, Bytes(12, 64)));
            Assert.Equal(StageResult.Conflict, await shares.StoreAsync(1, "hospital-1", 2, Bytes(13, 64)));
        }

        using SqliteClusterDatabase reopened = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        var again = new SqliteStoredShares(reopened);
        Assert.Equal(3, await again.CountAsync(1, "hospital-1"));
        Assert.Equal(1, await again.CountAsync(1, "hospital-4"));
        Assert.Equal(0, await again.CountAsync(1, "hospital-2"));
        Assert.Equal(0, await again.CountAsync(2, "hospital-1"));
        Assert.Equal([Bytes(32, 64), Bytes(12, 64)], await again.ReadAsync(1, 2, ["hospital-3", "hospital-1"]));
        Assert.Equal([Bytes(10, 64), Bytes(40, 64)], await again.ReadAsync(1, 0, ["hospital-1", "hospital-4"]));
    }

    [Fact]
    public async Task ReadingAShareThatIsNotHeldNamesTheMemberAndChunk()
    {
        using SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        var shares = new SqliteStoredShares(db);
        await shares.StoreAsync(1, "hospital-1", 0, Bytes(1, 8));
        await shares.StoreAsync(1, "hospital-1", 1, Bytes(2, 8));
        await shares.StoreAsync(1, "hospital-2", 0, Bytes(3, 8));
        InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(() => shares.ReadAsync(1, 1, ["hospital-1", "hospital-2"]));
        Assert.Equal("Member 'hospital-2' has no share of chunk 1 in round 1.", e.Message);
    }

    [Fact]
    public async Task DeletingARoundsSharesLeavesTheOtherRounds()
    {
        using SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        var shares = new SqliteStoredShares(db);
        await shares.StoreAsync(1, "hospital-1", 0, Bytes(1, 8));
        await shares.StoreAsync(2, "hospital-1", 0, Bytes(2, 8));
        await shares.DeleteRoundAsync(1);
        await shares.DeleteRoundAsync(7);
        Assert.Equal(0, await shares.CountAsync(1, "hospital-1"));
        Assert.Equal([Bytes(2, 8)], await shares.ReadAsync(2, 0, ["hospital-1"]));
        Assert.Equal(StageResult.Staged, await shares.StoreAsync(1, "hospital-1", 0, Bytes(5, 8)));
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Test bytes of a seeded generator (not secret).</summary>
    private static byte[] Bytes(int seed, int length)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
