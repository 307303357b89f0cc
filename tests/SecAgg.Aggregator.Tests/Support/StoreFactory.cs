using Microsoft.Data.Sqlite;
using Npgsql;
using SecAgg.Aggregator.Storage;

namespace SecAgg.Aggregator.Tests.Support;

/// <summary>
/// One fresh database per test, which can be reopened (a "restart") as often as needed. Both engines run the
/// same tests: SQLite always, PostgreSQL when SECAGG_TEST_POSTGRES holds a connection string
/// (test.sh sets it from scripts/start-postgres.sh).
/// </summary>
public abstract class StoreFactory : IAsyncDisposable
{
    public const string PostgresVariable = "SECAGG_TEST_POSTGRES";

    public static string? PostgresConnectionString => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } s ? s : null;

    /// <summary>The engines to run on: "sqlite", and "postgres" when configured.</summary>
    public static TheoryData<string> Engines
    {
        get
        {
            var data = new TheoryData<string> { "sqlite" };
            if (PostgresConnectionString is not null)
            {
                data.Add("postgres");
            }

            return data;
        }
    }

    /// <summary>
    /// Both payload layouts on both engines: "sqlite" (files, the default), "sqlite+blobs" (payloads in the database),
    /// "postgres" (blobs, the default) and "postgres+files" (payloads in a data directory).
    /// </summary>
    public static TheoryData<string> PayloadLayouts
    {
        get
        {
            var data = new TheoryData<string> { "sqlite", "sqlite+blobs" };
            if (PostgresConnectionString is not null)
            {
                data.Add("postgres");
                data.Add("postgres+files");
            }

            return data;
        }
    }

    public static async Task<StoreFactory> CreateAsync(string engine) => engine switch
    {
        "sqlite" => new SqliteFactory(blobs: false),
        "sqlite+blobs" => new SqliteFactory(blobs: true),
        "postgres" => await PostgresFactory.CreateAsync(files: false),
        "postgres+files" => await PostgresFactory.CreateAsync(files: true),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "unknown engine"),
    };

    /// <summary>Opens the store (migrating it), optionally with a fault hook.</summary>
    public abstract Task<IAggregatorStore> OpenAsync(Action<string>? faultHook = null);

    /// <summary>What another process passes to open the same database (SQLite path or PostgreSQL connection string).</summary>
    public abstract string Location { get; }

    /// <summary>Runs raw SQL against the database (to tamper with it).</summary>
    public abstract Task ExecuteRawAsync(string sql);

    public abstract ValueTask DisposeAsync();

    /// <summary>Where payload files live (null when payloads are database blobs).</summary>
    public abstract string? DataDirectory { get; }

    private sealed class SqliteFactory(bool blobs) : StoreFactory
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("secagg-store-").FullName;

        private string DbPath => Path.Combine(_dir, "aggregator.db");

        public override string Location => DbPath;

        public override string? DataDirectory => blobs ? null : SqliteAggregatorStore.DefaultDataDirectory(DbPath);

        public override async Task<IAggregatorStore> OpenAsync(Action<string>? faultHook = null)
        {
            var s = await SqliteAggregatorStore.OpenAsync(DbPath, DataDirectory, null, default);
            s.FaultHook = faultHook;
            return s;
        }

        public override async Task ExecuteRawAsync(string sql)
        {
            await using var c = new SqliteConnection($"Data Source={DbPath};Pooling=False");
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            await cmd.ExecuteNonQueryAsync();
        }

        public override ValueTask DisposeAsync()
        {
            Directory.Delete(_dir, recursive: true);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class PostgresFactory : StoreFactory
    {
        private readonly string _admin;
        private readonly string _schema;
        private readonly string? _files;

        private PostgresFactory(string admin, string schema, string? files)
        {
            _admin = admin;
            _schema = schema;
            _files = files;
        }

        public override string? DataDirectory => _files;

        public static async Task<StoreFactory> CreateAsync(bool files)
        {
            string admin = PostgresConnectionString ?? throw new InvalidOperationException($"{PostgresVariable} is not set");
            string schema = "t_" + Guid.NewGuid().ToString("N");
            var f = new PostgresFactory(admin, schema, files ? Directory.CreateTempSubdirectory("secagg-pgfiles-").FullName : null);
            await f.ExecuteAdminAsync($"CREATE SCHEMA {schema}");
            return f;
        }

        private string ConnectionString => new NpgsqlConnectionStringBuilder(_admin) { SearchPath = _schema }.ToString();

        public override string Location => ConnectionString;

        public override async Task<IAggregatorStore> OpenAsync(Action<string>? faultHook = null)
        {
            var s = _files is null ? await PostgresAggregatorStore.OpenAsync(ConnectionString) : await PostgresAggregatorStore.OpenAsync(ConnectionString, _files);
            s.FaultHook = faultHook;
            return s;
        }

        public override async Task ExecuteRawAsync(string sql)
        {
            await using var c = new NpgsqlConnection(ConnectionString);
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, c);
            await cmd.ExecuteNonQueryAsync();
        }

        private async Task ExecuteAdminAsync(string sql)
        {
            await using var c = new NpgsqlConnection(_admin);
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, c);
            await cmd.ExecuteNonQueryAsync();
        }

        public override async ValueTask DisposeAsync()
        {
            await ExecuteAdminAsync($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
            if (_files is not null && Directory.Exists(_files))
            {
                Directory.Delete(_files, recursive: true);
            }
        }
    }
}
