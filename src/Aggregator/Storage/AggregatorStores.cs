using Microsoft.Extensions.Logging;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Aggregator.Storage;

/// <summary>Opens the store the consortium configuration names.</summary>
public static class AggregatorStores
{
    /// <summary>Opens (creating and migrating as needed) the SQLite file or PostgreSQL database of <paramref name="storage"/>.</summary>
    /// <exception cref="StoreSchemaException">The database was written by a newer aggregator.</exception>
    public static async Task<IAggregatorStore> OpenAsync(StorageConfig storage, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        return storage.Provider switch
        {
            StorageProvider.Sqlite => await SqliteAggregatorStore.OpenAsync(
                storage.SqlitePath ?? throw new ArgumentException("a SQLite store needs a path", nameof(storage)), logger, cancellationToken).ConfigureAwait(false),
            StorageProvider.Postgres => await PostgresAggregatorStore.OpenAsync(
                storage.PostgresConnectionString ?? throw new ArgumentException("a PostgreSQL store needs a connection string", nameof(storage)), logger, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentOutOfRangeException(nameof(storage), storage.Provider, "unknown storage provider"),
        };
    }
}
