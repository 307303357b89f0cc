using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// The service's documents next to the round store, in the same database (table
/// <c>service_documents</c>): the key epoch (signed commits and reveals, the relayed sealed threshold-share
/// blobs, acknowledgements, the derived public epoch seed, the participants' certificates), per-round parameters
/// (base model), upload documents, chunk digests and signed commitments, signed approvals, decryption shares and
/// published models. Each write is one atomic statement; <see cref="InsertIfAbsentAsync"/>
/// gives "exactly once" (the first value wins, a repeat returns it). Nothing here decrypts anything:
/// signed public statements, sealed blobs the aggregator cannot open, set-bound shares, public seeds and the published models.
/// </summary>
internal sealed class ServiceStateStore : IAsyncDisposable
{
    private readonly Func<DbConnection> _connect;
    private readonly bool _postgres;
    private readonly NpgsqlDataSource? _dataSource;
    private readonly string? _sqlite;

    private ServiceStateStore(Func<DbConnection> connect, bool postgres, NpgsqlDataSource? dataSource, string? sqlite)
    {
        _connect = connect;
        _postgres = postgres;
        _dataSource = dataSource;
        _sqlite = sqlite;
    }

    /// <summary>Opens the documents table of <paramref name="storage"/> (creating it); SQLite connections are pooled and closed at <see cref="DisposeAsync"/>.</summary>
    public static Task<ServiceStateStore> OpenAsync(StorageConfig storage, CancellationToken ct) => OpenAsync(storage, pooling: true, ct);

    /// <summary>As <see cref="OpenAsync(StorageConfig, CancellationToken)"/>; <paramref name="pooling"/> false opens a new SQLite connection per call (the layout before p17a2, kept for the benchmark's baseline).</summary>
    internal static async Task<ServiceStateStore> OpenAsync(StorageConfig storage, bool pooling, CancellationToken ct)
    {
        ServiceStateStore store;
        if (storage.Provider == StorageProvider.Postgres)
        {
            var ds = NpgsqlDataSource.Create(storage.PostgresConnectionString!);
            store = new ServiceStateStore(() => ds.CreateConnection(), true, ds, null);
        }
        else
        {
            string cs = new SqliteConnectionStringBuilder { DataSource = storage.SqlitePath, Pooling = pooling, DefaultTimeout = 30 }.ToString();
            store = new ServiceStateStore(() => new SqliteConnection(cs), false, null, cs);
        }

        await store.ExecuteAsync(
            store._postgres
                ? "CREATE TABLE IF NOT EXISTS service_documents (key TEXT PRIMARY KEY, value BYTEA NOT NULL)"
                : "CREATE TABLE IF NOT EXISTS service_documents (key TEXT PRIMARY KEY, value BLOB NOT NULL)",
            null, null, ct).ConfigureAwait(false);
        return store;
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken ct = default)
    {
        await using DbConnection c = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = Command(c, "SELECT value FROM service_documents WHERE key = @k", key, null);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as byte[];
    }

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/> unless a value is there; returns the stored value.</summary>
    public async Task<byte[]> InsertIfAbsentAsync(string key, byte[] value, CancellationToken ct = default)
    {
        int inserted = await ExecuteAsync("INSERT INTO service_documents (key, value) VALUES (@k, @v) ON CONFLICT (key) DO NOTHING", key, value, ct).ConfigureAwait(false);

        // Inserted: the stored value is ours, no need to read megabytes back. Otherwise return the first one.
        return inserted == 1 ? value : await GetAsync(key, ct).ConfigureAwait(false) ?? throw new InvalidOperationException($"document '{key}' vanished");
    }

    public Task PutAsync(string key, byte[] value, CancellationToken ct = default) =>
        ExecuteAsync("INSERT INTO service_documents (key, value) VALUES (@k, @v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value, ct);

    public Task DeleteAsync(string key, CancellationToken ct = default) =>
        ExecuteAsync("DELETE FROM service_documents WHERE key = @k", key, null, ct);

    /// <summary>Every document whose key starts with <paramref name="prefix"/>, by key.</summary>
    public async Task<IReadOnlyList<(string Key, byte[] Value)>> ListAsync(string prefix, CancellationToken ct = default)
    {
        await using DbConnection c = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = Command(c, "SELECT key, value FROM service_documents WHERE substr(key, 1, @n) = @k ORDER BY key", prefix, null);
        DbParameter n = cmd.CreateParameter();
        n.ParameterName = "n";
        n.Value = prefix.Length;
        cmd.Parameters.Add(n);
        var result = new List<(string, byte[])>();
        await using DbDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            result.Add((r.GetString(0), (byte[])r.GetValue(1)));
        }

        return result;
    }

    /// <summary>The keys (not the values) starting with <paramref name="prefix"/>, ascending.</summary>
    public async Task<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken ct = default)
    {
        await using DbConnection c = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = Command(c, "SELECT key FROM service_documents WHERE substr(key, 1, @n) = @k ORDER BY key", prefix, null);
        DbParameter n = cmd.CreateParameter();
        n.ParameterName = "n";
        n.Value = prefix.Length;
        cmd.Parameters.Add(n);
        var result = new List<string>();
        await using DbDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            result.Add(r.GetString(0));
        }

        return result;
    }

    /// <summary>The greatest key starting with <paramref name="prefix"/>, or null.</summary>
    public async Task<string?> LastKeyAsync(string prefix, CancellationToken ct = default)
    {
        await using DbConnection c = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = Command(c, "SELECT key FROM service_documents WHERE substr(key, 1, @n) = @k ORDER BY key DESC LIMIT 1", prefix, null);
        DbParameter n = cmd.CreateParameter();
        n.ParameterName = "n";
        n.Value = prefix.Length;
        cmd.Parameters.Add(n);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }

        if (_sqlite is not null)
        {
            using var c = new SqliteConnection(_sqlite);
            SqliteConnection.ClearPool(c); // the pooled connections close, so the file is released
        }
    }

    private async Task<int> ExecuteAsync(string sql, string? key, byte[]? value, CancellationToken ct)
    {
        await using DbConnection c = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = Command(c, sql, key, value);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private async Task<DbConnection> OpenConnectionAsync(CancellationToken ct)
    {
        DbConnection c = _connect();
        await c.OpenAsync(ct).ConfigureAwait(false);
        if (!_postgres)
        {
            await using DbCommand p = c.CreateCommand();
            p.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = FULL;";
            await p.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        return c;
    }

    private static DbCommand Command(DbConnection c, string sql, string? key, byte[]? value)
    {
        DbCommand cmd = c.CreateCommand();
        cmd.CommandText = sql;
        if (key is not null)
        {
            DbParameter k = cmd.CreateParameter();
            k.ParameterName = "k";
            k.Value = key;
            cmd.Parameters.Add(k);
        }

        if (value is not null)
        {
            DbParameter v = cmd.CreateParameter();
            v.ParameterName = "v";
            v.Value = value;
            cmd.Parameters.Add(v);
        }

        return cmd;
    }
}
