using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using SecAgg.Aggregator.Cluster.Storage;

namespace SecAgg.Aggregator.Cluster.Tests.Embedded;

/// <summary>
/// The one-machine node's grain storage keeps a state across a reopen of its file, and has the ADO.NET provider's
/// optimistic concurrency: of two activations of one grain only one can write (what the exactly-once argument of
/// docs/cluster.md rests on).
/// </summary>
public sealed class SqliteGrainStorageTests : IDisposable
{
    private const string StateName = "partition";
    private static readonly GrainId Grain = GrainId.Create("sumpartition", "1/0-3");

    private readonly TempFolder _folder = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    [Fact]
    public async Task AGrainWithoutARecordReadsAnEmptyStateAndNoEtag()
    {
        using SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        GrainState<List<string>> state = await ReadAsync(Storage(db));
        Assert.Empty(Values(state));
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
    }

    [Fact]
    public async Task AWrittenStateIsReadBackAfterTheFileIsReopened()
    {
        string etag;
        using (SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path))
        {
            IGrainStorage storage = Storage(db);
            GrainState<List<string>> state = await ReadAsync(storage);
            Values(state).Add("upload-a");
            await storage.WriteStateAsync(StateName, Grain, state);
            Values(state).Add("upload-b");
            await storage.WriteStateAsync(StateName, Grain, state);
            etag = state.ETag!;
        }

        using SqliteClusterDatabase reopened = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        GrainState<List<string>> read = await ReadAsync(Storage(reopened));
        Assert.Equal(["upload-a", "upload-b"], Values(read));
        Assert.Equal("2", read.ETag);
        Assert.Equal(etag, read.ETag);
        Assert.True(read.RecordExists);
    }

    [Fact]
    public async Task AWriteWithAStaleEtagIsRefusedAndChangesNothing()
    {
        using SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        IGrainStorage storage = Storage(db);
        GrainState<List<string>> first = await ReadAsync(storage);
        Values(first).Add("upload-a");
        await storage.WriteStateAsync(StateName, Grain, first);

        // Two activations read version 1; the first to write wins, the other's write is refused.
        GrainState<List<string>> winner = await ReadAsync(storage);
        GrainState<List<string>> stale = await ReadAsync(storage);
        Values(winner).Add("upload-b");
        await storage.WriteStateAsync(StateName, Grain, winner);
        Values(stale).Add("upload-c");
        InconsistentStateException refused = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, Grain, stale));
        Assert.Equal("2", refused.StoredEtag);
        Assert.Equal("1", refused.CurrentEtag);
        Assert.Equal("1", stale.ETag);

        GrainState<List<string>> held = await ReadAsync(storage);
        Assert.Equal(["upload-a", "upload-b"], Values(held));
        Assert.Equal("2", held.ETag);
    }

    [Fact]
    public async Task OfTwoFirstWritesOfOneGrainOnlyOneSucceeds()
    {
        using SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        IGrainStorage storage = Storage(db);
        GrainState<List<string>> one = await ReadAsync(storage);
        GrainState<List<string>> other = await ReadAsync(storage);
        Values(one).Add("one");
        Values(other).Add("other");
        await storage.WriteStateAsync(StateName, Grain, one);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, Grain, other));
        Assert.Equal(["one"], Values(await ReadAsync(storage)));
    }

    [Fact]
    public async Task ClearingEmptiesTheStateKeepsCountingVersionsAndStillRefusesAStaleWriter()
    {
        using SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        IGrainStorage storage = Storage(db);
        GrainState<List<string>> state = await ReadAsync(storage);
        Values(state).Add("upload-a");
        await storage.WriteStateAsync(StateName, Grain, state);
        GrainState<List<string>> stale = await ReadAsync(storage);

        await storage.ClearStateAsync(StateName, Grain, state);
        Assert.Empty(Values(state));
        Assert.False(state.RecordExists);
        Assert.Equal("2", state.ETag);

        GrainState<List<string>> read = await ReadAsync(storage);
        Assert.Empty(Values(read));
        Assert.False(read.RecordExists);
        Assert.Equal("2", read.ETag);

        Values(stale).Add("upload-b");
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, Grain, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, Grain, stale));
        Values(read).Add("upload-c");
        await storage.WriteStateAsync(StateName, Grain, read);
        Assert.Equal("3", read.ETag);
        Assert.Equal(["upload-c"], Values(await ReadAsync(storage)));

        // Clearing a grain that never had a record does nothing.
        GrainId never = GrainId.Create("sumpartition", "1/3-4");
        var empty = new GrainState<List<string>>([]);
        await storage.ClearStateAsync(StateName, never, empty);
        Assert.Null(empty.ETag);
    }

    [Fact]
    public async Task StatesAreKeyedByServiceStateNameAndGrain()
    {
        using SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        IGrainStorage storage = Storage(db);
        GrainState<List<string>> state = await ReadAsync(storage);
        Values(state).Add("upload-a");
        await storage.WriteStateAsync(StateName, Grain, state);

        Assert.False((await ReadAsync(Storage(db, "another-consortium"))).RecordExists);
        var otherName = new GrainState<List<string>>();
        await storage.ReadStateAsync("round", Grain, otherName);
        Assert.False(otherName.RecordExists);
        var otherGrain = new GrainState<List<string>>();
        await storage.ReadStateAsync(StateName, GrainId.Create("sumpartition", "1/3-4"), otherGrain);
        Assert.False(otherGrain.RecordExists);
    }

    public void Dispose()
    {
        _services.Dispose();
        _folder.Dispose();
    }

    private SqliteGrainStorage Storage(SqliteClusterDatabase db, string serviceId = "test-consortium") =>
        new(db, serviceId, new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()), _services.GetRequiredService<IActivatorProvider>());

    private static List<string> Values(GrainState<List<string>> state) => Assert.IsType<List<string>>(state.State);

    private static async Task<GrainState<List<string>>> ReadAsync(IGrainStorage storage)
    {
        var state = new GrainState<List<string>>();
        await storage.ReadStateAsync(StateName, Grain, state);
        return state;
    }
}
