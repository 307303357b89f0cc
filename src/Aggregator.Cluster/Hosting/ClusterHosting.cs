using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Cluster.Storage;

namespace SecAgg.Aggregator.Cluster.Hosting;

/// <summary>
/// Silo set-up: the SecAgg grains' services, and where they keep membership, grain state and the payload: PostgreSQL (a
/// cluster) or one SQLite file (the one-machine node).
/// </summary>
public static class ClusterHosting
{
    /// <summary>The grain storage provider every SecAgg grain's state lives in.</summary>
    public const string StorageName = "secagg";

    /// <summary>The ADO.NET invariant of Npgsql, as Orleans' providers name it.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>Registers what the SecAgg grains need: the consortium context and its privacy ledger's budget and accountant.</summary>
    public static ISiloBuilder AddSecAggGrains(this ISiloBuilder silo, ClusterConsortium consortium, ClusterPrivacy privacy)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(consortium);
        ArgumentNullException.ThrowIfNull(privacy);
        silo.Services.AddSingleton(consortium);
        silo.Services.AddSingleton(privacy);
        return silo;
    }

    /// <summary>
    /// Grain state in PostgreSQL through Orleans' ADO.NET provider (<see cref="StorageName"/>, Orleans' binary serializer, so a
    /// sum is stored as its bytes), the rounds' reminders (Orleans' ADO.NET reminder table), the staged chunks and the
    /// decryption shares in the same database (<see cref="PostgresStagedChunks"/>, <see cref="PostgresStoredShares"/>). The schema
    /// must exist (<see cref="Schema.ClusterSchema.EnsureAsync"/>).
    /// </summary>
    public static ISiloBuilder UsePostgresStorage(this ISiloBuilder silo, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(dataSource);
        silo.Services.AddAdoNetGrainStorage(StorageName, options => options.Configure<Serializer>((o, serializer) =>
        {
            o.Invariant = PostgresInvariant;
            o.DataSource = dataSource;
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
        silo.Services.AddSingleton<IStagedChunks>(new PostgresStagedChunks(dataSource));
        silo.Services.AddSingleton<IStoredShares>(new PostgresStoredShares(dataSource));
        silo.UseAdoNetReminderService(o => (o.Invariant, o.DataSource) = (PostgresInvariant, dataSource));
        return silo;
    }

    /// <summary>Cluster membership in PostgreSQL through Orleans' ADO.NET clustering provider.</summary>
    public static ISiloBuilder UsePostgresClustering(this ISiloBuilder silo, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(dataSource);
        return silo.UseAdoNetClustering(o =>
        {
            o.Invariant = PostgresInvariant;
            o.DataSource = dataSource;
        });
    }

    /// <summary>
    /// Grain state, reminders, staged chunks and decryption shares in the node's SQLite file (<see cref="SqliteGrainStorage"/>
    /// under <see cref="StorageName"/> with Orleans' binary serializer, <see cref="SqliteReminderTable"/>,
    /// <see cref="SqliteStagedChunks"/>, <see cref="SqliteStoredShares"/>), so a reminder outlives a restart of the node.
    /// For one silo: the file is on this machine, so a second silo elsewhere could not reach it.
    /// </summary>
    public static ISiloBuilder UseSqliteStorage(this ISiloBuilder silo, SqliteClusterDatabase database)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(database);
        silo.Services.AddKeyedSingleton<IGrainStorage>(StorageName, (services, _) => new SqliteGrainStorage(
            database,
            services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()),
            services.GetRequiredService<IActivatorProvider>()));
        silo.AddReminders();
        silo.Services.AddSingleton<IReminderTable>(services => new SqliteReminderTable(database, services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        silo.Services.AddSingleton<IStagedChunks>(new SqliteStagedChunks(database));
        silo.Services.AddSingleton<IStoredShares>(new SqliteStoredShares(database));
        return silo;
    }
}
