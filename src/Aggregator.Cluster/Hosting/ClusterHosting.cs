using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using SecAgg.Aggregator.Cluster.Staging;

namespace SecAgg.Aggregator.Cluster.Hosting;

/// <summary>Silo set-up: the SecAgg grains' services, and PostgreSQL for membership, grain state and staged chunks.</summary>
public static class ClusterHosting
{
    /// <summary>The grain storage provider every SecAgg grain's state lives in.</summary>
    public const string StorageName = "secagg";

    /// <summary>The ADO.NET invariant of Npgsql, as Orleans' providers name it.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>Registers what the SecAgg grains need: the consortium context.</summary>
    public static ISiloBuilder AddSecAggGrains(this ISiloBuilder silo, ClusterConsortium consortium)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(consortium);
        silo.Services.AddSingleton(consortium);
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
}
