using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage.Internal;

namespace SecAgg.Aggregator.Storage;

/// <summary>
/// <see cref="IAggregatorStore"/> over ADO.NET, shared by SQLite and PostgreSQL. Each public method is one
/// transaction; every write to a round's data first locks the round's row, so counts, seals, stage changes and the
/// ledger of one round are serialized across threads and processes. The parts: <c>RoundRepository</c> (rounds,
/// ledger), <c>ChunkStaging</c> (staged chunks), <c>CountedUploads</c>, <c>SealedSums</c> (durable sums) and
/// <c>PayloadMaintenance</c> (payload files at open); the homomorphic fold is the accumulator's (<see cref="UploadAccumulator"/>).
/// </summary>
public abstract class SqlAggregatorStore : IAggregatorStore
{
    private readonly SqlDialect _dialect;
    private readonly ILogger _logger;
    private readonly ChunkFiles? _files;
    private readonly RoundRepository _rounds;
    private readonly ChunkStaging _staging;
    private readonly CountedUploads _counted;
    private readonly SealedSums _sums;

    private protected SqlAggregatorStore(SqlDialect dialect, ILogger? logger, string? dataDirectory = null)
    {
        _dialect = dialect;
        _logger = logger ?? NullLogger.Instance;
        _files = dataDirectory is null ? null : new ChunkFiles(dataDirectory);
        _staging = new ChunkStaging(dialect, _files, Step);
        _rounds = new RoundRepository(dialect, _staging, Step, _logger);
        _counted = new CountedUploads(dialect, _staging, Step, _logger);
        _sums = new SealedSums(dialect, _files, _staging, Step, _logger);
    }

    /// <summary>
    /// Where staged chunks and sums are kept as files (the database then holds only their SHA-256 and sizes), or null
    /// when they are kept in the database as blobs.
    /// </summary>
    public string? DataDirectory => _files?.Root;

    /// <summary>
    /// Test hook: called with the name of each step of a write (e.g. "seal.sum-written:2"); a throwing hook
    /// simulates a crash at that point. Null in production.
    /// </summary>
    internal Action<string>? FaultHook { get; set; }

    private void Step(string name) => FaultHook?.Invoke(name);

    /// <inheritdoc/>
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Creates or upgrades the schema to the latest version.</summary>
    private protected Task MigrateAsync(CancellationToken ct) => Migrations.ApplyAsync(_dialect, _logger, ct);

    /// <summary>With a data directory: checks staged chunk files and deletes files no row can refer to (<see cref="PayloadMaintenance"/>).</summary>
    private protected Task MaintainFilesAsync(CancellationToken ct) =>
        _files is null ? Task.CompletedTask : new PayloadMaintenance(_dialect, _files, _rounds, _counted, _sums, _logger).RunAsync(ct);

    public Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default) => Migrations.VersionAsync(_dialect, cancellationToken);

    public Task<RoundState?> GetRoundAsync(long number, CancellationToken cancellationToken = default) => _rounds.GetAsync(number, cancellationToken);

    public Task<RoundState?> GetLatestRoundAsync(CancellationToken cancellationToken = default) => _rounds.GetLatestAsync(cancellationToken);

    public Task<IReadOnlyList<RoundState>> GetUnfinishedRoundsAsync(CancellationToken cancellationToken = default) => _rounds.GetUnfinishedAsync(cancellationToken);

    public Task InsertRoundAsync(RoundState round, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(round);
        return _rounds.InsertAsync(round, cancellationToken);
    }

    public Task<RoundState> UpdateRoundAsync(long number, Func<RoundState, RoundState> transition, LedgerEntry? ledgerEntry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transition);
        return _rounds.UpdateAsync(number, transition, ledgerEntry, cancellationToken);
    }

    public Task<IReadOnlyList<LedgerEntry>> GetLedgerAsync(CancellationToken cancellationToken = default) => _rounds.GetLedgerAsync(cancellationToken);

    public Task<StageOutcome> StageChunkAsync(ChunkUpload chunk, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return _staging.StageAsync(chunk, cancellationToken);
    }

    public Task<UploadProgress> GetUploadProgressAsync(long round, string participant, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(participant);
        return _staging.GetProgressAsync(round, participant, cancellationToken);
    }

    public Task<IReadOnlyList<string>> GetParticipantsWithStagedChunksAsync(long round, CancellationToken cancellationToken = default) =>
        _staging.GetUncountedParticipantsAsync(round, cancellationToken);

    public Task DiscardStagedChunksAsync(long round, string participant, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(participant);
        return _staging.DiscardAsync(round, participant, 0, cancellationToken);
    }

    public Task<IReadOnlyList<CountOutcome>> CountUploadsAsync(long round, IReadOnlyList<string> participants, Func<RoundState, string, RoundState> countUpload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(participants);
        ArgumentNullException.ThrowIfNull(countUpload);
        if (participants.Count == 0 || participants.Any(string.IsNullOrEmpty) || participants.Distinct(StringComparer.Ordinal).Count() != participants.Count)
        {
            throw new ArgumentException("give one or more distinct, non-empty participant ids", nameof(participants));
        }

        return _counted.CountAsync(round, participants, countUpload, cancellationToken);
    }

    public Task<SumContents> GetSumContentsAsync(long round, CancellationToken cancellationToken = default) => _sums.GetContentsAsync(round, cancellationToken);

    public Task ReadStagedChunkAsync(long round, string participant, int chunkIndex, ChunkConsumer consume, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(participant);
        ArgumentNullException.ThrowIfNull(consume);
        return _staging.ReadAsync(round, participant, chunkIndex, consume, cancellationToken);
    }

    public Task<bool> DropLostChunkAsync(long round, string participant, int chunkIndex, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(participant);
        ArgumentOutOfRangeException.ThrowIfNegative(chunkIndex);
        return _counted.DropLostAsync(round, participant, chunkIndex, cancellationToken);
    }

    public Task SealSumAsync(long round, int sealedSummands, IReadOnlyList<string> added, IReadOnlyList<ReadOnlyMemory<byte>> sum, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(added);
        ArgumentNullException.ThrowIfNull(sum);
        ArgumentOutOfRangeException.ThrowIfNegative(sealedSummands);
        if (added.Count == 0 || added.Any(string.IsNullOrEmpty) || added.Distinct(StringComparer.Ordinal).Count() != added.Count)
        {
            throw new ArgumentException("give one or more distinct, non-empty participant ids: the counted uploads the new sum adds", nameof(added));
        }

        return _sums.SealAsync(round, sealedSummands, added, sum, cancellationToken);
    }

    public async Task<(byte[] Sum, int Summands)?> ReadSumChunkAsync(long round, int chunkIndex, CancellationToken cancellationToken = default)
    {
        if (await _sums.ReadAsync(round, chunkIndex, cancellationToken).ConfigureAwait(false) is not { } s)
        {
            return null;
        }

        byte[] exact = s.Buffer.AsSpan(0, s.Length).ToArray();
        ChunkFiles.Return(s.Buffer);
        return (exact, s.Summands);
    }
}
