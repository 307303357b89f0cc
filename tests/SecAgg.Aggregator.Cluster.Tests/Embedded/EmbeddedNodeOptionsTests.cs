using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Cluster.Storage;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Protocol;
using SecAgg.Protocol.Tests.V2;

namespace SecAgg.Aggregator.Cluster.Tests.Embedded;

/// <summary>
/// Which store a node uses: the one-machine node (SQLite) when the consortium file's storage is sqlite (the default) or
/// --sqlite is given, and refusals a person can act on when the options contradict each other.
/// </summary>
public sealed class EmbeddedNodeOptionsTests : IDisposable
{
    private readonly InProcessRound _consortium = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
    private readonly TempFolder _folder = new();
    private readonly string _consortiumFile;

    public EmbeddedNodeOptionsTests() => _consortiumFile = ConsortiumFiles.Write(_consortium, _folder.Path);

    private string Certificates => Path.Combine(_folder.Path, "certificates");

    [Fact]
    public async Task AConsortiumFileWithoutAStorageSectionGivesTheOneMachineNodeInAFolderNextToItsSqlitePath()
    {
        using (IHost host = await ClusterNode.BuildAsync(new ClusterNodeOptions { ConsortiumFile = _consortiumFile, CertificatesDirectory = Certificates }))
        {
            AssertSqlite(host, Path.Combine(_folder.Path, "aggregator.db.cluster"));
        }

        // Disposing the host released the folder: another node may open it.
        using SqliteClusterDatabase reopened = await SqliteClusterDatabase.OpenAsync(Path.Combine(_folder.Path, "aggregator.db.cluster"));
    }

    [Fact]
    public async Task SqliteGivenOnTheCommandLineWinsOverAPostgresStorageSection()
    {
        await File.AppendAllTextAsync(_consortiumFile, "storage: { provider: postgres, connection-string: \"Host=127.0.0.1;Database=never-reached\" }\n");
        string folder = Path.Combine(_folder.Path, "node");
        using IHost host = await ClusterNode.BuildAsync(new ClusterNodeOptions { ConsortiumFile = _consortiumFile, CertificatesDirectory = Certificates, Sqlite = folder });
        AssertSqlite(host, folder);
    }

    [Fact]
    public async Task PostgresAndSqliteTogetherAreRefused()
    {
        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => ClusterNode.BuildAsync(new ClusterNodeOptions
        {
            ConsortiumFile = _consortiumFile, CertificatesDirectory = Certificates, Sqlite = _folder.Path, Postgres = "Host=127.0.0.1",
        }));
        Assert.Equal("Give --postgres (a cluster of silos) or --sqlite (one machine), not both.", e.Message);
    }

    [Fact]
    public async Task KubernetesOrANonLoopbackAddressWithSqliteIsRefused()
    {
        ArgumentException kubernetes = await Assert.ThrowsAsync<ArgumentException>(() => ClusterNode.BuildAsync(new ClusterNodeOptions
        {
            ConsortiumFile = _consortiumFile, CertificatesDirectory = Certificates, Kubernetes = true,
        }));
        Assert.Contains("--kubernetes", kubernetes.Message, StringComparison.Ordinal);
        ArgumentException address = await Assert.ThrowsAsync<ArgumentException>(() => ClusterNode.BuildAsync(new ClusterNodeOptions
        {
            ConsortiumFile = _consortiumFile, CertificatesDirectory = Certificates, Address = "10.0.0.5",
        }));
        Assert.Contains("loopback", address.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder.Path, "aggregator.db.cluster")));
    }

    public void Dispose()
    {
        _consortium.Dispose();
        _folder.Dispose();
    }

    private static void AssertSqlite(IHost host, string folder)
    {
        Assert.IsType<SqliteGrainStorage>(host.Services.GetRequiredKeyedService<IGrainStorage>(ClusterHosting.StorageName));
        Assert.IsType<SqliteStagedChunks>(host.Services.GetRequiredService<IStagedChunks>());
        Assert.IsType<SqliteStoredShares>(host.Services.GetRequiredService<IStoredShares>());
        Assert.Equal(Path.Combine(folder, SqliteClusterDatabase.FileName), host.Services.GetRequiredService<SqliteClusterDatabase>().FilePath);
        Assert.True(File.Exists(Path.Combine(folder, SqliteClusterDatabase.FileName)));
    }
}
