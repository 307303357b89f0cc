using Npgsql;
using SecAgg.Aggregator.Cluster.Schema;
using SecAgg.Aggregator.Cluster.Tests.Support;

namespace SecAgg.Aggregator.Cluster.Tests.Grains;

public sealed class ClusterSchemaTests
{
    [PostgresFact]
    public async Task SilosStartingTogetherCreateTheSchemaOnceAndAgainIsANoOp()
    {
        string schema = "secagg_cluster_" + Guid.NewGuid().ToString("N");
        string admin = ClusterBackend.PostgresConnectionString!;
        await ExecuteAsync(admin, $"CREATE SCHEMA {schema}");
        try
        {
            await using NpgsqlDataSource db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ToString());
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ClusterSchema.EnsureAsync(db)));
            await ClusterSchema.EnsureAsync(db);

            await using NpgsqlCommand count = db.CreateCommand(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN " +
                "('orleansquery', 'orleansmembershiptable', 'orleansmembershipversiontable', 'orleansstorage', 'orleansreminderstable', 'secagg_staged_chunk', 'secagg_decryption_share')");
            Assert.Equal(7L, (long)(await count.ExecuteScalarAsync())!);
            await using NpgsqlCommand queries = db.CreateCommand("SELECT count(*) FROM orleansquery WHERE querykey IN ('WriteToStorageKey', 'InsertMembershipKey', 'UpsertReminderRowKey')");
            Assert.Equal(3L, (long)(await queries.ExecuteScalarAsync())!);
        }
        finally
        {
            await ExecuteAsync(admin, $"DROP SCHEMA {schema} CASCADE");
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
