using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Cluster.Tests.Support;

namespace SecAgg.Aggregator.Cluster.Tests.Staging;

/// <summary>
/// The <see cref="IStoredShares"/> contract on each backend (memory, PostgreSQL): a share is held once per (round, member,
/// chunk); the same bytes again are a repeat, other bytes a conflict that changes nothing; counts and reads are per round
/// and member; deleting a round forgets only that round. Also <see cref="IStagedChunks.DeleteRoundAsync"/>.
/// </summary>
public sealed class StoredSharesTests
{
    public static TheoryData<string> Backends => Support.Backends.All;

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task AShareIsHeldOnceAndOtherBytesAtItsPlaceAreRefused(string backend)
    {
        await using ClusterBackend b = await ClusterBackend.CreateAsync(backend);
        IStoredShares shares = b.Shares;
        Assert.Equal(StageResult.Staged, await shares.StoreAsync(7, "hospital-1", 0, new byte[] { 1, 2, 3 }));
        Assert.Equal(StageResult.AlreadyStaged, await shares.StoreAsync(7, "hospital-1", 0, new byte[] { 1, 2, 3 }));
        Assert.Equal(StageResult.Conflict, await shares.StoreAsync(7, "hospital-1", 0, new byte[] { 1, 2, 4 }));
        Assert.Equal(StageResult.Conflict, await shares.StoreAsync(7, "hospital-1", 0, new byte[] { 1, 2 }));
        Assert.Equal(StageResult.Staged, await shares.StoreAsync(7, "hospital-1", 1, new byte[] { 4 }));
        Assert.Equal(StageResult.Staged, await shares.StoreAsync(7, "hospital-2", 0, new byte[] { 5, 6 }));
        Assert.Equal(StageResult.Staged, await shares.StoreAsync(8, "hospital-1", 0, new byte[] { 9 }));

        Assert.Equal(2, await shares.CountAsync(7, "hospital-1"));
        Assert.Equal(1, await shares.CountAsync(7, "hospital-2"));
        Assert.Equal(0, await shares.CountAsync(7, "hospital-3"));
        Assert.Equal([[5, 6], [1, 2, 3]], await shares.ReadAsync(7, 0, ["hospital-2", "hospital-1"]));
        InvalidDataException missing = await Assert.ThrowsAsync<InvalidDataException>(() => shares.ReadAsync(7, 1, ["hospital-1", "hospital-2"]));
        Assert.Contains("'hospital-2' has no share of chunk 1", missing.Message, StringComparison.Ordinal);

        await shares.DeleteRoundAsync(7);
        await shares.DeleteRoundAsync(7);
        Assert.Equal(0, await shares.CountAsync(7, "hospital-1"));
        Assert.Equal([[9]], await shares.ReadAsync(8, 0, ["hospital-1"]));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task DeletingARoundsStagedChunksForgetsOnlyThatRound(string backend)
    {
        await using ClusterBackend b = await ClusterBackend.CreateAsync(backend);
        (Guid first, Guid second) = (Guid.NewGuid(), Guid.NewGuid());
        Assert.Equal(StageResult.Staged, await b.Chunks.StageAsync(7, first, "hospital-1", 0, new byte[] { 1 }));
        Assert.Equal(StageResult.Staged, await b.Chunks.StageAsync(8, second, "hospital-1", 0, new byte[] { 2 }));

        await b.Chunks.DeleteRoundAsync(7);
        await b.Chunks.DeleteRoundAsync(7);
        Assert.Empty(await b.Chunks.DigestsAsync(7, first));
        Assert.Equal([[2]], await b.Chunks.ReadAsync(8, second, 0, 1));
    }
}
