using Microsoft.Data.Sqlite;

namespace SecAgg.Aggregator.Cluster.Storage;

/// <summary>
/// The one-machine node's durable state: one SQLite file, <c>DIR/cluster.db</c>, holding the grain states
/// (<see cref="SqliteGrainStorage"/>), the reminders (<see cref="SqliteReminderTable"/>), the staged chunks and the
/// decryption shares. WAL journal and
/// <c>synchronous=FULL</c> on every connection: a committed write is in the fsynced WAL before the call returns, so it
/// survives kill -9 and a power cut. One node per folder: the node holds an exclusive lock on <c>DIR/node.lock</c> while it
/// runs (released by the kernel when the process dies, kill -9 included).
/// </summary>
public sealed class SqliteClusterDatabase : IDisposable
{
    /// <summary>The database file's name inside the folder.</summary>
    public const string FileName = "cluster.db";

    /// <summary>The lock file's name inside the folder.</summary>
    public const string LockFileName = "node.lock";

    // Bumped when a table changes; a file of a newer layout is refused rather than misread.
    private const int SchemaVersion = 1;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS secagg_grain_state
        (
            service_id TEXT NOT NULL,
            state_name TEXT NOT NULL,
            grain_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            payload BLOB,
            modified_at TEXT NOT NULL,
            PRIMARY KEY (service_id, state_name, grain_id)
        );
        CREATE TABLE IF NOT EXISTS secagg_staged_chunk
        (
            round INTEGER NOT NULL,
            upload_id TEXT NOT NULL,
            chunk_index INTEGER NOT NULL,
            participant TEXT NOT NULL,
            sha256 BLOB NOT NULL,
            payload BLOB NOT NULL,
            PRIMARY KEY (round, upload_id, chunk_index)
        );
        CREATE TABLE IF NOT EXISTS secagg_stored_share
        (
            round INTEGER NOT NULL,
            member TEXT NOT NULL,
            chunk_index INTEGER NOT NULL,
            sha256 BLOB NOT NULL,
            share BLOB NOT NULL,
            PRIMARY KEY (round, member, chunk_index)
        );
        CREATE TABLE IF NOT EXISTS secagg_reminder
        (
            service_id TEXT NOT NULL,
            grain_id TEXT NOT NULL,
            reminder_name TEXT NOT NULL,
            grain_hash INTEGER NOT NULL,
            start_at INTEGER NOT NULL,
            period INTEGER NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (service_id, grain_id, reminder_name)
        );
        CREATE INDEX IF NOT EXISTS secagg_reminder_hash ON secagg_reminder (service_id, grain_hash);
        """;

    private readonly string _connectionString;
    private readonly FileStream _lock;

    private SqliteClusterDatabase(string directory, FileStream lockFile)
    {
        Directory = directory;
        FilePath = Path.Combine(directory, FileName);
        _lock = lockFile;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();
    }

    /// <summary>The folder (absolute).</summary>
    public string Directory { get; }

    /// <summary>The database file (absolute).</summary>
    public string FilePath { get; }

    /// <summary>
    /// Opens the database in <paramref name="directory"/>, creating the folder (when its parent exists), the file and its
    /// tables when missing, and takes the folder's node lock.
    /// </summary>
    /// <exception cref="ArgumentException">The folder and its parent are missing, or the path is a file.</exception>
    /// <exception cref="IOException">The folder is not writable, another node holds it, or the file is not a cluster database this node can use.</exception>
    public static async Task<SqliteClusterDatabase> OpenAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string full = Path.GetFullPath(directory);
        EnsureFolder(full);
        FileStream lockFile = TakeLock(full);
        var database = new SqliteClusterDatabase(full, lockFile);
        try
        {
            await database.CreateSchemaAsync(cancellationToken).ConfigureAwait(false);
            return database;
        }
        catch (SqliteException e)
        {
            database.Dispose();
            throw new IOException($"{database.FilePath} cannot be used as the cluster node's database (SQLite error {e.SqliteErrorCode}: {e.Message.TrimEnd('.')}); move it away or give another folder.", e);
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    /// <summary>A new open connection to the file with this node's settings (<c>synchronous=FULL</c>, a 60 s busy timeout).</summary>
    public async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=60000;", cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Closes the pooled connections and releases the folder's lock.</summary>
    public void Dispose()
    {
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        _lock.Dispose();
    }

    private static void EnsureFolder(string full)
    {
        if (File.Exists(full))
        {
            throw new ArgumentException($"{full} is a file; the node needs a folder to keep {FileName} in.");
        }

        if (!System.IO.Directory.Exists(full))
        {
            string? parent = Path.GetDirectoryName(full);
            if (parent is null || !System.IO.Directory.Exists(parent))
            {
                throw new ArgumentException($"The folder {full} does not exist, nor does its parent; create it, or give a folder whose parent exists.");
            }

            try
            {
                System.IO.Directory.CreateDirectory(full);
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                throw new IOException($"The folder {full} cannot be created in {parent} (not writable by this user); create it, or give a writable folder.", e);
            }
        }

        string probe = Path.Combine(full, $".write-probe-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new IOException($"The folder {full} is not writable by this user; the node keeps {FileName} and its journal there. Give a writable folder or change its permissions.", e);
        }
    }

    private static FileStream TakeLock(string full)
    {
        string path = Path.Combine(full, LockFileName);
        try
        {
            // FileShare.None is an exclusive advisory lock on Unix (flock), held until the handle closes or the process dies.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"Another cluster node is running on {full} (it holds {LockFileName}); one node per folder.", e);
        }
    }

    private async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // journal_mode=WAL is a property of the file: set once, every later connection uses it.
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        await using SqliteTransaction transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (SqliteCommand version = connection.CreateCommand())
        {
            version.Transaction = transaction;
            version.CommandText = "PRAGMA user_version;";
            long held = (long)(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (held > SchemaVersion)
            {
                throw new IOException($"{FilePath} was written by a newer node (layout {held}; this node reads up to {SchemaVersion}); run that version.");
            }
        }

        await using (SqliteCommand create = connection.CreateCommand())
        {
            create.Transaction = transaction;
            create.CommandText = Schema + $"PRAGMA user_version = {SchemaVersion};";
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
