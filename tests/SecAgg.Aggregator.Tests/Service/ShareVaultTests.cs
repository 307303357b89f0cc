using SecAgg.Aggregator.Service;
using SecAgg.Aggregator.Service.State;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Aggregator.Tests.Service;

public sealed class ShareVaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("secagg-shares-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<ServiceStateStore> OpenDocs() =>
        ServiceStateStore.OpenAsync(new StorageConfig(StorageProvider.Sqlite, Path.Combine(_dir, "aggregator.db"), null), CancellationToken.None);

    private ShareVault Vault(ServiceStateStore docs, bool inFiles) => new(docs, inFiles ? Path.Combine(_dir, "aggregator.db.chunks") : null);

    private static byte[] Share(int seed) => [.. Enumerable.Range(0, 1000 + seed).Select(i => (byte)((i * 31) + seed))];

    private static async Task<byte[]> ReadAsync(ShareVault vault, long round, string member, int chunk)
    {
        byte[]? copy = null;
        await vault.ReadAsync(round, member, chunk, share => copy = share.ToArray(), CancellationToken.None);
        return copy!;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ADifferentShareForAHeldChunkIsRefusedAndTheFirstStays(bool inFiles)
    {
        await using ServiceStateStore docs = await OpenDocs();
        ShareVault vault = Vault(docs, inFiles);
        Assert.True(await vault.StoreAsync(3, "a", 0, Share(1), CancellationToken.None));
        Assert.False(await vault.StoreAsync(3, "a", 0, Share(2), CancellationToken.None));
        Assert.True(await vault.StoreAsync(3, "a", 0, Share(1), CancellationToken.None)); // the same bytes again: a repeat
        Assert.Equal(Share(1), await ReadAsync(vault, 3, "a", 0));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HeldListsOnlyThatMembersChunksInOrderEvenWhenAnotherIdExtendsIt(bool inFiles)
    {
        await using ServiceStateStore docs = await OpenDocs();
        ShareVault vault = Vault(docs, inFiles);
        foreach (int chunk in new[] { 11, 2, 0 })
        {
            Assert.True(await vault.StoreAsync(7, "a", chunk, Share(chunk), CancellationToken.None));
        }

        Assert.True(await vault.StoreAsync(7, "a.1", 5, Share(9), CancellationToken.None));
        Assert.True(await vault.StoreAsync(8, "a", 4, Share(9), CancellationToken.None));

        Assert.Equal([0, 2, 11], await vault.HeldAsync(7, "a", CancellationToken.None));
        Assert.Equal([5], await vault.HeldAsync(7, "a.1", CancellationToken.None));
        Assert.Empty(await vault.HeldAsync(7, "b", CancellationToken.None));
        Assert.Empty(await vault.HeldAsync(9, "a", CancellationToken.None));
        Assert.Equal(Share(11), await ReadAsync(vault, 7, "a", 11));
        Assert.Equal(Share(9), await ReadAsync(vault, 7, "a.1", 5));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReadingAShareNobodySentFailsWithTheMemberAndChunk(bool inFiles)
    {
        await using ServiceStateStore docs = await OpenDocs();
        ShareVault vault = Vault(docs, inFiles);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAsync(vault, 1, "c", 4));
        Assert.Equal("member 'c' has no share for chunk 4", e.Message);
    }

    [Fact]
    public async Task SharesAreFilesThatAReopenedVaultReadsAndAFinishedRoundLeavesNone()
    {
        await using ServiceStateStore docs = await OpenDocs();
        Assert.True(await Vault(docs, true).StoreAsync(5, "a", 0, Share(1), CancellationToken.None));
        Assert.True(await Vault(docs, true).StoreAsync(6, "a", 0, Share(2), CancellationToken.None));
        Assert.Null(await docs.GetAsync(DocumentKeys.Share(5, "a", 0))); // not a database row

        ShareVault reopened = Vault(docs, true);
        Assert.Equal(Share(1), await ReadAsync(reopened, 5, "a", 0));
        reopened.ForgetRound(5);
        Assert.Empty(await reopened.HeldAsync(5, "a", CancellationToken.None));

        reopened.SweepFinished([]); // at start: round 6 is not unfinished either
        Assert.Empty(await reopened.HeldAsync(6, "a", CancellationToken.None));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir, "aggregator.db.chunks"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task TheSweepAtStartKeepsTheSharesOfUnfinishedRounds()
    {
        await using ServiceStateStore docs = await OpenDocs();
        ShareVault vault = Vault(docs, true);
        Assert.True(await vault.StoreAsync(5, "a", 0, Share(1), CancellationToken.None));
        Assert.True(await vault.StoreAsync(6, "a", 0, Share(2), CancellationToken.None));
        vault.SweepFinished([6]);
        Assert.Empty(await vault.HeldAsync(5, "a", CancellationToken.None));
        Assert.Equal(Share(2), await ReadAsync(vault, 6, "a", 0));
    }

    [Fact]
    public async Task AShareKeptAsARowBeforeSharesWereFilesIsStillRead()
    {
        await using ServiceStateStore docs = await OpenDocs();
        Assert.True(await Vault(docs, false).StoreAsync(2, "b", 1, Share(4), CancellationToken.None));
        Assert.Equal(Share(4), await ReadAsync(Vault(docs, true), 2, "b", 1));
    }
}
