using System.Data;
using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;
using SecAgg.Aggregator.Storage.Internal;

namespace SecAgg.Aggregator.Storage;

/// <summary>
/// The deployment store on PostgreSQL (Npgsql). Writes to a round lock its row (<c>SELECT ... FOR UPDATE</c>),
/// so several aggregator processes or threads cannot count an upload twice; schema migrations take a
/// transaction-scoped advisory lock.
/// </summary>
public sealed class PostgresAggregatorStore : IAggregatorStore
{
    private readonly Store _store;
    private readonly NpgsqlDataSource _dataSource;

    private PostgresAggregatorStore(Store store, NpgsqlDataSource dataSource)
    {
        _store = store;
        _dataSource = dataSource;
    }

    /// <summary>Connects with <paramref name="connectionString"/> (its Search Path picks the schema) and migrates the schema.</summary>
    /// <exception cref="StoreSchemaException">The database was written by a newer aggregator.</exception>
    public static async Task<PostgresAggregatorStore> OpenAsync(string connectionString, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            var store = new Store(new Dialect(dataSource), logger);
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return new PostgresAggregatorStore(store, dataSource);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Test hook: see <c>SqlAggregatorStore.FaultHook</c>.</summary>
    internal Action<string>? FaultHook { get => _store.FaultHook; set => _store.FaultHook = value; }

    /// <inheritdoc/>
    public Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default) => _store.GetSchemaVersionAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<Rounds.RoundState?> GetRoundAsync(long number, CancellationToken cancellationToken = default) => _store.GetRoundAsync(number, cancellationToken);

    /// <inheritdoc/>
    public Task<Rounds.RoundState?> GetLatestRoundAsync(CancellationToken cancellationToken = default) => _store.GetLatestRoundAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Rounds.RoundState>> GetUnfinishedRoundsAsync(CancellationToken cancellationToken = default) => _store.GetUnfinishedRoundsAsync(cancellationToken);

    /// <inheritdoc/>
    public Task InsertRoundAsync(Rounds.RoundState round, CancellationToken cancellationToken = default) => _store.InsertRoundAsync(round, cancellationToken);

    /// <inheritdoc/>
    public Task<Rounds.RoundState> UpdateRoundAsync(long number, Func<Rounds.RoundState, Rounds.RoundState> transition, Privacy.LedgerEntry? ledgerEntry = null, CancellationToken cancellationToken = default) =>
        _store.UpdateRoundAsync(number, transition, ledgerEntry, cancellationToken);

    /// <inheritdoc/>
    public Task<StageOutcome> StageChunkAsync(Accumulation.ChunkUpload chunk, CancellationToken cancellationToken = default) => _store.StageChunkAsync(chunk, cancellationToken);

    /// <inheritdoc/>
    public Task<UploadProgress> GetUploadProgressAsync(long round, string participant, CancellationToken cancellationToken = default) => _store.GetUploadProgressAsync(round, participant, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> GetParticipantsWithStagedChunksAsync(long round, CancellationToken cancellationToken = default) => _store.GetParticipantsWithStagedChunksAsync(round, cancellationToken);

    /// <inheritdoc/>
    public Task DiscardStagedChunksAsync(long round, string participant, CancellationToken cancellationToken = default) => _store.DiscardStagedChunksAsync(round, participant, cancellationToken);

    /// <inheritdoc/>
    public Task<Rounds.RoundState> FoldUploadAsync(long round, string participant, Accumulation.IChunkAdder adder, Func<Rounds.RoundState, Rounds.RoundState> countUpload, CancellationToken cancellationToken = default) =>
        _store.FoldUploadAsync(round, participant, adder, countUpload, cancellationToken);

    /// <inheritdoc/>
    public Task<(byte[] Sum, int Summands)?> ReadSumChunkAsync(long round, int chunkIndex, CancellationToken cancellationToken = default) => _store.ReadSumChunkAsync(round, chunkIndex, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Privacy.LedgerEntry>> GetLedgerAsync(CancellationToken cancellationToken = default) => _store.GetLedgerAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class Store(SqlDialect dialect, ILogger? logger) : SqlAggregatorStore(dialect, logger);

    private sealed class Dialect(NpgsqlDataSource dataSource) : SqlDialect
    {
        public override string Name => "postgres";

        public override string Blob => "BYTEA";

        public override string BigInt => "BIGINT";

        public override string Real => "DOUBLE PRECISION";

        public override string ForUpdate => " FOR UPDATE";

        // Any fixed key: migrators of this database queue on it for the length of their transaction.
        public override string? MigrationLock => "SELECT pg_advisory_xact_lock(7302011)";

        public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
            await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
            await ((NpgsqlConnection)connection).BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
    }
}
