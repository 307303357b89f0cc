using SecAgg.Aggregator.Cluster.Storage;

namespace SecAgg.Aggregator.Cluster.Tests.Embedded;

/// <summary>The one-machine node's folder: created when its parent exists, and clear refusals a person can act on otherwise.</summary>
public sealed class SqliteClusterDatabaseTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task AMissingFolderWhoseParentExistsIsCreatedWithTheDatabaseInIt()
    {
        string folder = Path.Combine(_folder.Path, "node");
        using SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(folder);
        Assert.Equal(Path.Combine(folder, SqliteClusterDatabase.FileName), db.FilePath);
        Assert.True(File.Exists(db.FilePath));
    }

    [Fact]
    public async Task AFolderWhoseParentIsMissingIsRefusedNamingIt()
    {
        string folder = Path.Combine(_folder.Path, "no-such-parent", "node");
        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => SqliteClusterDatabase.OpenAsync(folder));
        Assert.Contains(folder, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task AFileInsteadOfAFolderIsRefused()
    {
        string file = Path.Combine(_folder.Path, "state.db");
        await File.WriteAllTextAsync(file, "not a folder");
        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => SqliteClusterDatabase.OpenAsync(file));
        Assert.Contains("is a file", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFolderThatCannotBeWrittenIsRefusedSayingSo()
    {
        // /proc refuses new entries even to root, so this holds whoever runs the tests.
        IOException e = await Assert.ThrowsAsync<IOException>(() => SqliteClusterDatabase.OpenAsync("/proc/secagg-node"));
        Assert.Contains("/proc/secagg-node", e.Message, StringComparison.Ordinal);
        Assert.Contains("writable", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondNodeOnTheSameFolderIsRefusedWhileTheFirstRuns()
    {
        using (SqliteClusterDatabase first = await SqliteClusterDatabase.OpenAsync(_folder.Path))
        {
            IOException e = await Assert.ThrowsAsync<IOException>(() => SqliteClusterDatabase.OpenAsync(_folder.Path));
            Assert.Contains("Another cluster node", e.Message, StringComparison.Ordinal);
        }

        using SqliteClusterDatabase again = await SqliteClusterDatabase.OpenAsync(_folder.Path);
    }

    [Fact]
    public async Task AFileThatIsNotADatabaseIsRefusedNamingIt()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, SqliteClusterDatabase.FileName), "this is not a SQLite database, it is a text file of some length");
        IOException e = await Assert.ThrowsAsync<IOException>(() => SqliteClusterDatabase.OpenAsync(_folder.Path));
        Assert.Contains(SqliteClusterDatabase.FileName, e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
