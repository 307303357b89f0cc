using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Storage.Internal;

namespace SecAgg.Aggregator.Storage;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a committed
/// transaction survives a power cut or kill -9; write transactions take the database's write lock up front
/// (BEGIN IMMEDIATE), which serializes folds.
/// </summary>
public sealed class SqliteAggregatorStore : SqlAggregatorStore
{
    private readonly Dialect _dialect;

    private SqliteAggregatorStore(Dialect dialect, ILogger? logger)
        : base(dialect, logger)
    {
        _dialect = dialect;
    }

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> and migrates its schema.</summary>
    /// <exception cref="StoreSchemaException">The file was written by a newer aggregator.</exception>
    public static async Task<SqliteAggregatorStore> OpenAsync(string path, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var dialect = new Dialect(full);
        await using (var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false))
        await using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "PRAGMA journal_mode=WAL;";
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var store = new SqliteAggregatorStore(dialect, logger);
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        return store;
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        _dialect.ClearPool();
    }

    private sealed class Dialect(string path) : SqlDialect
    {
        private readonly string _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();

        public override string Name => "sqlite";

        /// <summary>Closes the pooled connections to this file (so it is released when the store is disposed).</summary>
        public void ClearPool()
        {
            using var c = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(c);
        }

        public override string Blob => "BLOB";

        public override string BigInt => "INTEGER";

        public override string Real => "REAL";

        public override string ForUpdate => "";

        public override string? MigrationLock => null;

        public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
        {
            var c = new SqliteConnection(_connectionString);
            try
            {
                await c.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var cmd = c.CreateCommand();
                // journal_mode=WAL persists in the file (set at open by OpenAsync); the others are per connection.
                cmd.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=60000;";
                await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return c;
            }
            catch
            {
                await c.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
            // Not deferred: BEGIN IMMEDIATE takes the write lock now, so read-modify-write sequences cannot interleave.
            await ((SqliteConnection)connection).BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false);
    }
}
