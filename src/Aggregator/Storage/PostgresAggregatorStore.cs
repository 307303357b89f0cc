using System.Data;
using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;
using SecAgg.Aggregator.Storage.Internal;

namespace SecAgg.Aggregator.Storage;

/// <summary>
/// The deployment store on PostgreSQL (Npgsql). Writes to a round lock its row (<c>SELECT ... FOR UPDATE</c>),
/// so several aggregator processes or threads cannot count an upload twice; schema migrations take a
/// transaction-scoped advisory lock.
/// </summary>
public sealed class PostgresAggregatorStore : SqlAggregatorStore
{
    private readonly NpgsqlDataSource _dataSource;

    private PostgresAggregatorStore(NpgsqlDataSource dataSource, ILogger? logger, string? dataDirectory)
        : base(new Dialect(dataSource), logger, dataDirectory)
    {
        _dataSource = dataSource;
    }

    /// <summary>Connects with <paramref name="connectionString"/> (its Search Path picks the schema) and migrates the schema.</summary>
    /// <exception cref="StoreSchemaException">The database was written by a newer aggregator.</exception>
    public static Task<PostgresAggregatorStore> OpenAsync(string connectionString, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        return OpenCoreAsync(connectionString, null, logger, cancellationToken);
    }

    /// <summary>
    /// Connects as <see cref="OpenAsync(string, ILogger?, CancellationToken)"/> but keeps ciphertext payloads (staged
    /// chunks, sums) as files in <paramref name="dataDirectory"/> (the database holds their SHA-256 and sizes), as the
    /// SQLite store does. Every aggregator process using this database must see the same directory.
    /// </summary>
    public static Task<PostgresAggregatorStore> OpenAsync(string connectionString, string dataDirectory, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        return OpenCoreAsync(connectionString, dataDirectory, logger, cancellationToken);
    }

    private static async Task<PostgresAggregatorStore> OpenCoreAsync(string connectionString, string? dataDirectory, ILogger? logger, CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            var store = new PostgresAggregatorStore(dataSource, logger, dataDirectory);
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            await store.MaintainFilesAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class Dialect(NpgsqlDataSource dataSource) : SqlDialect
    {
        public override string Name => "postgres";

        public override string Blob => "BYTEA";

        public override string BigInt => "BIGINT";

        public override string Real => "DOUBLE PRECISION";

        public override string ForUpdate => " FOR UPDATE";

        // Any fixed key: migrators of this database queue on it for the length of their transaction.
        public override string? MigrationLock => "SELECT pg_advisory_xact_lock(7302011)";

        public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
            await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
            await ((NpgsqlConnection)connection).BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
    }
}
