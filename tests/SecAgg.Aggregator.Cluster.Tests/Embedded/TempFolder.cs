using Microsoft.Data.Sqlite;

namespace SecAgg.Aggregator.Cluster.Tests.Embedded;

/// <summary>A fresh temporary folder, deleted (with SQLite's pooled connections released) on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Path = Directory.CreateTempSubdirectory("secagg-embedded-").FullName;

    public string Path { get; }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}
