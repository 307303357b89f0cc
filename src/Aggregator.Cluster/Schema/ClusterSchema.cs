using System.Reflection;
using Npgsql;

namespace SecAgg.Aggregator.Cluster.Schema;

/// <summary>
/// Creates, once per PostgreSQL database (or schema on the connection's search path), the tables and queries Orleans'
/// ADO.NET clustering, persistence and reminder providers expect (the scripts checked in next to this file, from the
/// Orleans repository) and SecAgg's staged-chunk and decryption-share tables. Idempotent and safe to call from several
/// silos at once: one transaction under an advisory lock runs the Orleans scripts only when their tables are absent (the
/// reminders script on its own, so a database created before the cluster used reminders gets it too).
/// </summary>
public static class ClusterSchema
{
    // pg_advisory_xact_lock key: the first 8 bytes of "secagg/cluster/schema" in ASCII.
    private const long LockKey = 0x7365636167672f63;

    private const string RemindersScript = "PostgreSQL-Reminders.sql";

    private static readonly string[] OrleansScripts = ["PostgreSQL-Main.sql", "PostgreSQL-Clustering.sql", "PostgreSQL-Persistence.sql"];

    /// <summary>Creates whatever of the schema is missing in the database <paramref name="dataSource"/> connects to.</summary>
    /// <exception cref="NpgsqlException">The database refused a statement (its message names it).</exception>
    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken).ConfigureAwait(false);
        await using (var probe = new NpgsqlCommand("SELECT to_regclass('orleansquery') IS NOT NULL", connection, transaction))
        {
            if (!(bool)(await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                foreach (string script in OrleansScripts)
                {
                    await ExecuteAsync(connection, transaction, Read(script), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await using (var probe = new NpgsqlCommand("SELECT to_regclass('orleansreminderstable') IS NOT NULL", connection, transaction))
        {
            if (!(bool)(await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                await ExecuteAsync(connection, transaction, Read(RemindersScript), cancellationToken).ConfigureAwait(false);
            }
        }

        await ExecuteAsync(connection, transaction, Read("SecAgg-Staging.sql"), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Read(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"SecAgg.Aggregator.Cluster.Schema.{name}")
            ?? throw new InvalidOperationException($"The schema script {name} is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
