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

    public static async Task<StoreFactory> CreateAsync(string engine) => engine switch
    {
        "sqlite" => new SqliteFactory(),
        "postgres" => await PostgresFactory.CreateAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "unknown engine"),
    };

    /// <summary>Opens the store (migrating it), optionally with a fault hook.</summary>
    public abstract Task<IAggregatorStore> OpenAsync(Action<string>? faultHook = null);

    /// <summary>What another process passes to open the same database (SQLite path or PostgreSQL connection string).</summary>
    public abstract string Location { get; }

    /// <summary>Runs raw SQL against the database (to tamper with it).</summary>
    public abstract Task ExecuteRawAsync(string sql);

    public abstract ValueTask DisposeAsync();

    private sealed class SqliteFactory : StoreFactory
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("secagg-store-").FullName;

        private string DbPath => Path.Combine(_dir, "aggregator.db");

        public override string Location => DbPath;

        public override async Task<IAggregatorStore> OpenAsync(Action<string>? faultHook = null)
        {
            var s = await SqliteAggregatorStore.OpenAsync(DbPath);
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

        private PostgresFactory(string admin, string schema)
        {
            _admin = admin;
            _schema = schema;
        }

        public static async Task<StoreFactory> CreateAsync()
        {
            string admin = PostgresConnectionString ?? throw new InvalidOperationException($"{PostgresVariable} is not set");
            string schema = "t_" + Guid.NewGuid().ToString("N");
            var f = new PostgresFactory(admin, schema);
            await f.ExecuteAdminAsync($"CREATE SCHEMA {schema}");
            return f;
        }

        private string ConnectionString => new NpgsqlConnectionStringBuilder(_admin) { SearchPath = _schema }.ToString();

        public override string Location => ConnectionString;

        public override async Task<IAggregatorStore> OpenAsync(Action<string>? faultHook = null)
        {
            var s = await PostgresAggregatorStore.OpenAsync(ConnectionString);
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
        }
    }
}
