using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Storage.Internal;

namespace SecAgg.Aggregator.Storage;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode, write transactions take the database's write lock up
/// front (BEGIN IMMEDIATE), which serializes folds. Ciphertext payloads (staged chunks, sums) are files in the data
/// directory <c>PATH.chunks/</c> next to the database, which keeps their SHA-256 and sizes. Staging a chunk commits
/// with <c>synchronous=NORMAL</c> and does not fsync its file (it survives kill -9; a power cut may lose it, which is
/// detected at the next open and the participant resumes); counting an upload fsyncs the new sum files, their
/// directory and the WAL (<c>synchronous=FULL</c>), so a counted upload survives a power cut too.
/// One aggregator process per database file.
/// </summary>
public sealed class SqliteAggregatorStore : SqlAggregatorStore
{
    private readonly Dialect _dialect;

    private SqliteAggregatorStore(Dialect dialect, ILogger? logger, string? dataDirectory)
        : base(dialect, logger, dataDirectory)
    {
        _dialect = dialect;
    }

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> and migrates its schema.</summary>
    /// <exception cref="StoreSchemaException">The file was written by a newer aggregator.</exception>
    public static Task<SqliteAggregatorStore> OpenAsync(string path, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return OpenAsync(path, DefaultDataDirectory(path), logger, cancellationToken);
    }

    /// <summary>The payload directory of the database at <paramref name="path"/>: <c>PATH.chunks</c>.</summary>
    public static string DefaultDataDirectory(string path) => Path.GetFullPath(path) + ".chunks";

    /// <summary>Opens with payloads in <paramref name="dataDirectory"/>, or in the database as blobs when it is null (the layout before files; slower).</summary>
    internal static async Task<SqliteAggregatorStore> OpenAsync(string path, string? dataDirectory, ILogger? logger, CancellationToken cancellationToken)
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

        var store = new SqliteAggregatorStore(dialect, logger, dataDirectory);
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        await store.MaintainFilesAsync(cancellationToken).ConfigureAwait(false);
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

        // WAL + NORMAL: the commit is in the WAL (survives kill -9) and is fsynced by the next FULL commit or checkpoint.
        public override string? FastCommitPragma => "PRAGMA synchronous=NORMAL;";

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
