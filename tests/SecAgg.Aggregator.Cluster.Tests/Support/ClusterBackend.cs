using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using Orleans.Storage;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Schema;
using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Cluster.Storage;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>
/// Where a test cluster keeps grain state and staged chunks: "memory" (a store shared by the in-process silos, outside
/// each of them), "postgres" (Orleans' ADO.NET provider and the staged-chunk table, in a fresh schema of the database
/// SECAGG_TEST_POSTGRES names, dropped afterwards), "sqlite" (the one-machine node's SQLite file in a temporary folder,
/// shared by the in-process silos) or "embedded" (the same file, one silo: the one-machine node's shape).
/// </summary>
internal abstract class ClusterBackend : IAsyncDisposable
{
    public const string PostgresVariable = "SECAGG_TEST_POSTGRES";

    public static string? PostgresConnectionString => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } s ? s : null;

    /// <summary>The staged chunks every silo shares.</summary>
    public abstract IStagedChunks Chunks { get; }

    /// <summary>The decryption shares every silo shares.</summary>
    public abstract IStoredShares Shares { get; }

    /// <summary>The database's connection string, its schema on the search path (null for memory).</summary>
    public virtual string? ConnectionString => null;

    /// <summary>The silo count this backend runs with, whatever the test asked (null: as asked).</summary>
    public virtual short? Silos => null;

    public static async Task<ClusterBackend> CreateAsync(string name) => name switch
    {
        "memory" => new Memory(),
        "postgres" => await Postgres.CreateAsync(),
        "sqlite" => await Sqlite.CreateAsync(silos: null),
        "embedded" => await Sqlite.CreateAsync(silos: 1),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown backend"),
    };

    /// <summary>Configures one silo's grain storage.</summary>
    public abstract void Configure(ISiloBuilder silo);

    public abstract ValueTask DisposeAsync();

    /// <summary>Configures one silo's reminder service (PostgreSQL and SQLite: set up by <see cref="Configure"/> with the storage).</summary>
    public virtual void ConfigureReminders(ISiloBuilder silo)
    {
    }

    private sealed class Memory : ClusterBackend
    {
        private readonly SharedGrainStorage _storage = new();
        private readonly MemoryStagedChunks _chunks = new();

        public override IStagedChunks Chunks => _chunks;

        public override IStoredShares Shares { get; } = new MemoryStoredShares();

        public SharedReminderTable Reminders { get; } = new();

        public override void ConfigureReminders(ISiloBuilder silo)
        {
            silo.AddReminders();
            silo.Services.AddSingleton<IReminderTable>(Reminders);
        }

        public override void Configure(ISiloBuilder silo) =>
            silo.Services.AddKeyedSingleton<IGrainStorage>(ClusterHosting.StorageName, (sp, _) => _storage.For(sp.GetRequiredService<Serializer>()));

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Postgres : ClusterBackend
    {
        private readonly string _admin;
        private readonly string _schema;
        private readonly NpgsqlDataSource _dataSource;

        private Postgres(string admin, string schema)
        {
            _admin = admin;
            _schema = schema;
            _dataSource = NpgsqlDataSource.Create(ConnectionString!);
            Chunks = new PostgresStagedChunks(_dataSource);
        }

        public override IStagedChunks Chunks { get; }

        public override IStoredShares Shares => new PostgresStoredShares(_dataSource);

        /// <summary>
        /// The test schema's connection string. Idle pooled connections close after a few seconds (Npgsql keeps them
        /// 300 s by default): the Orleans providers of every in-process test cluster open their own pool, and a test
        /// run would otherwise hold enough idle connections to exhaust PostgreSQL's max_connections (it did: "remaining
        /// connection slots are reserved"); <see cref="DisposeAsync"/> also clears this schema's pool in this process.
        /// </summary>
        public override string? ConnectionString => new NpgsqlConnectionStringBuilder(_admin)
        {
            SearchPath = _schema,
            ConnectionIdleLifetime = 5,
            ConnectionPruningInterval = 1,
        }.ToString();

        public static async Task<ClusterBackend> CreateAsync()
        {
            string admin = PostgresConnectionString ?? throw new InvalidOperationException($"{PostgresVariable} is not set");
            var backend = new Postgres(admin, "secagg_cluster_" + Guid.NewGuid().ToString("N"));
            await backend.AdminAsync($"CREATE SCHEMA {backend._schema}");
            await ClusterSchema.EnsureAsync(backend._dataSource);
            return backend;
        }

        public override void Configure(ISiloBuilder silo) => silo.UsePostgresStorage(_dataSource);

        public override async ValueTask DisposeAsync()
        {
            await _dataSource.DisposeAsync();
            using (var pooled = new NpgsqlConnection(ConnectionString))
            {
                NpgsqlConnection.ClearPool(pooled);
            }

            await AdminAsync($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
        }

        private async Task AdminAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(_admin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private sealed class Sqlite : ClusterBackend
    {
        private readonly DirectoryInfo _folder;
        private readonly SqliteClusterDatabase _database;
        private readonly short? _silos;

        private Sqlite(DirectoryInfo folder, SqliteClusterDatabase database, short? silos)
        {
            _folder = folder;
            _database = database;
            _silos = silos;
            Chunks = new SqliteStagedChunks(database);
        }

        public override IStagedChunks Chunks { get; }

        public override IStoredShares Shares => new SqliteStoredShares(_database);

        public override short? Silos => _silos;

        public static async Task<ClusterBackend> CreateAsync(short? silos)
        {
            DirectoryInfo folder = Directory.CreateTempSubdirectory("secagg-cluster-sqlite-");
            return new Sqlite(folder, await SqliteClusterDatabase.OpenAsync(folder.FullName), silos);
        }

        public override void Configure(ISiloBuilder silo) => silo.UseSqliteStorage(_database);

        public override ValueTask DisposeAsync()
        {
            _database.Dispose();
            _folder.Delete(recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}
