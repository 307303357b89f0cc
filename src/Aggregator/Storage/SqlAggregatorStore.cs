using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Logging;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Rounds;

using SecAgg.Aggregator.Storage.Internal;

namespace SecAgg.Aggregator.Storage;

/// <summary>
/// <see cref="IAggregatorStore"/> over ADO.NET, shared by SQLite and PostgreSQL. Each public method is one
/// transaction; every write to a round's data first locks the round's row, so folds, stage changes and the ledger
/// of one round are serialized across threads and processes.
/// </summary>
public abstract class SqlAggregatorStore : IAggregatorStore
{
    private readonly SqlDialect _dialect;
    private readonly ILogger _logger;

    private protected SqlAggregatorStore(SqlDialect dialect, ILogger? logger)
    {
        _dialect = dialect;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Test hook: called with the name of each step of a write (e.g. "fold.sum-written:2"); a throwing hook
    /// simulates a crash at that point. Null in production.
    /// </summary>
    internal Action<string>? FaultHook { get; set; }

    private void Step(string name) => FaultHook?.Invoke(name);

    /// <inheritdoc/>
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Creates or upgrades the schema to <see cref="Migrations.Latest"/>.</summary>
    internal async Task MigrateAsync(CancellationToken ct)
    {
        await using var c = await _dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await _dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        if (_dialect.MigrationLock is { } lockSql)
        {
            await Exec(c, tx, lockSql, ct).ConfigureAwait(false);
        }

        await Exec(c, tx, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, description TEXT NOT NULL, applied_at TEXT NOT NULL)", ct).ConfigureAwait(false);
        int from = Convert.ToInt32(await Scalar(c, tx, "SELECT COALESCE(MAX(version), 0) FROM schema_version", ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (from > Migrations.Latest)
        {
            throw new StoreSchemaException(
                $"the database schema is version {from}, newer than this aggregator's {Migrations.Latest}; run the newer aggregator, or restore a backup made before the upgrade");
        }

        foreach (var (version, description, statements) in Migrations.All.Where(m => m.Version > from))
        {
            foreach (string s in statements)
            {
                await Exec(c, tx, _dialect.Ddl(s), ct).ConfigureAwait(false);
            }

            await Exec(c, tx, "INSERT INTO schema_version (version, description, applied_at) VALUES (@v, @d, @t)", ct,
                ("v", version), ("d", description), ("t", Now())).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        if (from != Migrations.Latest)
        {
            Log.SchemaMigrated(_logger, _dialect.Name, from, Migrations.Latest);
        }
    }

    public async Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt32(await Scalar(c, null, "SELECT COALESCE(MAX(version), 0) FROM schema_version", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async Task<RoundState?> GetRoundAsync(long number, CancellationToken cancellationToken = default)
    {
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadRound(c, null, number, forUpdate: false, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RoundState?> GetLatestRoundAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Scalar(c, null, "SELECT state FROM rounds ORDER BY number DESC LIMIT 1", cancellationToken).ConfigureAwait(false) is string json
            ? RoundStateJson.Deserialize(json)
            : null;
    }

    public async Task<IReadOnlyList<RoundState>> GetUnfinishedRoundsAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Cmd(c, null, "SELECT state FROM rounds WHERE stage NOT IN (@p, @a) ORDER BY number",
            ("p", RoundStages.Published), ("a", RoundStages.Aborted));
        var result = new List<RoundState>();
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(RoundStateJson.Deserialize(r.GetString(0)));
        }

        return result;
    }

    public async Task InsertRoundAsync(RoundState round, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(round);
        var ct = cancellationToken;
        await using var c = await _dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await _dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        if (await Scalar(c, tx, "SELECT 1 FROM rounds WHERE number = @n", ct, ("n", round.Number)).ConfigureAwait(false) is not null)
        {
            throw new StoreConflictException($"round {round.Number} already exists");
        }

        await Exec(c, tx, "INSERT INTO rounds (number, stage, aggregate_digest, state, updated_at) VALUES (@n, @s, @d, @j, @t)", ct,
            ("n", round.Number), ("s", RoundStages.Name(round.Stage)), ("d", DigestOrNull(round)), ("j", RoundStateJson.Serialize(round)), ("t", Now())).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    public async Task<RoundState> UpdateRoundAsync(long number, Func<RoundState, RoundState> transition, LedgerEntry? ledgerEntry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transition);
        var ct = cancellationToken;
        await using var c = await _dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await _dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        var before = await ReadRound(c, tx, number, forUpdate: true, ct).ConfigureAwait(false)
            ?? throw new RoundStateException(RoundError.InvalidArgument, $"round {number} does not exist");
        var after = transition(before);
        if (ReferenceEquals(after, before) && ledgerEntry is null)
        {
            return before; // nothing changed (e.g. no deadline passed): no write
        }

        if (after.Number != number)
        {
            throw new InvalidOperationException("a round transition must not change the round number");
        }

        if (!after.AggregateDigest.IsDefaultOrEmpty && before.AggregateDigest.IsDefaultOrEmpty
            && await Scalar(c, tx, "SELECT number FROM rounds WHERE aggregate_digest = @d AND number <> @n", ct, ("d", DigestOrNull(after)), ("n", number)).ConfigureAwait(false) is { } other)
        {
            throw new RoundStateException(RoundError.ShareAlreadyRequested,
                $"this aggregate ciphertext was already sent for decryption in round {other}; a ciphertext is decrypted at most once");
        }

        Step("update.before-write");
        await WriteRound(c, tx, after, ct).ConfigureAwait(false);
        if (after.Stage is not (RoundStage.Open or RoundStage.Collecting))
        {
            await Exec(c, tx, "DELETE FROM staged_chunks WHERE round = @n", ct, ("n", number)).ConfigureAwait(false);
        }

        if (ledgerEntry is not null)
        {
            if (ledgerEntry.Round != number)
            {
                throw new ArgumentException($"the ledger entry is for round {ledgerEntry.Round}, not {number}", nameof(ledgerEntry));
            }

            await Exec(c, tx, "INSERT INTO privacy_ledger (round, summands, epsilon_round, epsilon_total, delta, recorded_at) VALUES (@n, @s, @e, @et, @d, @t)", ct,
                ("n", number), ("s", ledgerEntry.Summands), ("e", ledgerEntry.EpsilonRound), ("et", ledgerEntry.EpsilonTotal),
                ("d", ledgerEntry.Delta), ("t", ledgerEntry.RecordedAt.ToString("O", CultureInfo.InvariantCulture))).ConfigureAwait(false);
        }

        Step("update.before-commit");
        await tx.CommitAsync(ct).ConfigureAwait(false);
        if (after.Stage != before.Stage)
        {
            Log.RoundStageChanged(_logger, number, RoundStages.Name(after.Stage));
        }

        return after;
    }

    public async Task<StageOutcome> StageChunkAsync(ChunkUpload chunk, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var ct = cancellationToken;
        byte[] sha = SHA256.HashData(chunk.Payload.Span);
        await using var c = await _dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await _dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        Step("stage.before-insert");
        int inserted = await Exec(c, tx,
            """
            INSERT INTO staged_chunks (round, participant, chunk_index, total_chunks, sha256, payload)
            VALUES (@r, @p, @i, @n, @h, @b)
            ON CONFLICT (round, participant, chunk_index) DO NOTHING
            """, ct,
            ("r", chunk.Round), ("p", chunk.ParticipantId), ("i", chunk.ChunkIndex), ("n", chunk.TotalChunks), ("h", sha), ("b", chunk.Payload.ToArray())).ConfigureAwait(false);
        if (inserted == 0)
        {
            var held = (byte[]?)await Scalar(c, tx, "SELECT sha256 FROM staged_chunks WHERE round = @r AND participant = @p AND chunk_index = @i", ct,
                ("r", chunk.Round), ("p", chunk.ParticipantId), ("i", chunk.ChunkIndex)).ConfigureAwait(false);
            return held is not null && CryptographicOperations.FixedTimeEquals(held, sha) ? StageOutcome.AlreadyHeld : StageOutcome.Conflict;
        }

        Step("stage.before-commit");
        await tx.CommitAsync(ct).ConfigureAwait(false);
        Step("stage.after-commit");
        return StageOutcome.Stored;
    }

    public async Task<UploadProgress> GetUploadProgressAsync(long round, string participant, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(participant);
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        bool counted = await Scalar(c, null, "SELECT 1 FROM counted_uploads WHERE round = @r AND participant = @p", cancellationToken,
            ("r", round), ("p", participant)).ConfigureAwait(false) is not null;
        var held = await StagedIndices(c, null, round, participant, cancellationToken).ConfigureAwait(false);
        return new UploadProgress(round, participant, held, counted);
    }

    public async Task<IReadOnlyList<string>> GetParticipantsWithStagedChunksAsync(long round, CancellationToken cancellationToken = default)
    {
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Cmd(c, null, "SELECT DISTINCT participant FROM staged_chunks WHERE round = @r ORDER BY participant", ("r", round));
        var result = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(r.GetString(0));
        }

        return result;
    }

    public async Task DiscardStagedChunksAsync(long round, string participant, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(participant);
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _dialect.BeginWriteAsync(c, cancellationToken).ConfigureAwait(false);
        await Exec(c, tx, "DELETE FROM staged_chunks WHERE round = @r AND participant = @p", cancellationToken, ("r", round), ("p", participant)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<RoundState> FoldUploadAsync(long round, string participant, IChunkAdder adder, Func<RoundState, RoundState> countUpload, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(participant);
        ArgumentNullException.ThrowIfNull(adder);
        ArgumentNullException.ThrowIfNull(countUpload);
        var ct = cancellationToken;
        await using var c = await _dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await _dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        Step("fold.begin");
        var before = await ReadRound(c, tx, round, forUpdate: true, ct).ConfigureAwait(false)
            ?? throw new RoundStateException(RoundError.InvalidArgument, $"round {round} does not exist");
        if (await Scalar(c, tx, "SELECT 1 FROM counted_uploads WHERE round = @r AND participant = @p", ct, ("r", round), ("p", participant)).ConfigureAwait(false) is not null)
        {
            throw new RoundStateException(RoundError.Duplicate, $"participant '{participant}''s upload is already counted in round {round}");
        }

        var after = countUpload(before);
        var held = await StagedIndices(c, tx, round, participant, ct).ConfigureAwait(false);
        if (held.Count != before.ChunkCount || held[^1] != before.ChunkCount - 1)
        {
            throw new InvalidOperationException($"participant '{participant}' has {held.Count} of the {before.ChunkCount} chunks of its round-{round} upload staged; it cannot be counted yet");
        }

        Step("fold.locked");
        using var uploadHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int i = 0; i < before.ChunkCount; i++)
        {
            // One staged chunk and one sum chunk in memory at a time.
            byte[] addend;
            await using (var cmd = Cmd(c, tx, "SELECT payload, sha256 FROM staged_chunks WHERE round = @r AND participant = @p AND chunk_index = @i", ("r", round), ("p", participant), ("i", i)))
            await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"staged chunk {i} of '{participant}' vanished during the fold");
                }

                addend = (byte[])reader[0];
                uploadHash.AppendData((byte[])reader[1]);
            }

            Step($"fold.chunk-read:{i}");
            byte[] sum;
            int summands;
            await using (var cmd = Cmd(c, tx, "SELECT payload, summands FROM sums WHERE round = @r AND chunk_index = @i", ("r", round), ("i", i)))
            await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                if (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    sum = (byte[])reader[0];
                    summands = reader.GetInt32(1);
                    if (sum.Length != addend.Length)
                    {
                        throw new InvalidOperationException($"chunk {i} of '{participant}' has {addend.Length} bytes but the round's sum has {sum.Length}");
                    }

                    adder.Add(i, sum, addend);
                }
                else
                {
                    sum = addend;
                    summands = 0;
                }
            }

            if (summands != before.Summands)
            {
                throw new InvalidOperationException($"round {round}'s sum at chunk {i} holds {summands} uploads but the round counts {before.Summands}; the store is inconsistent");
            }

            await Exec(c, tx,
                """
                INSERT INTO sums (round, chunk_index, summands, payload) VALUES (@r, @i, @s, @b)
                ON CONFLICT (round, chunk_index) DO UPDATE SET summands = excluded.summands, payload = excluded.payload
                """, ct, ("r", round), ("i", i), ("s", summands + 1), ("b", sum)).ConfigureAwait(false);
            Step($"fold.sum-written:{i}");
        }

        await Exec(c, tx, "INSERT INTO counted_uploads (round, participant, chunk_count, upload_sha256, counted_at) VALUES (@r, @p, @n, @h, @t)", ct,
            ("r", round), ("p", participant), ("n", before.ChunkCount), ("h", uploadHash.GetHashAndReset()), ("t", Now())).ConfigureAwait(false);
        Step("fold.counted-recorded");
        await Exec(c, tx, "DELETE FROM staged_chunks WHERE round = @r AND participant = @p", ct, ("r", round), ("p", participant)).ConfigureAwait(false);
        Step("fold.staged-deleted");
        await WriteRound(c, tx, after, ct).ConfigureAwait(false);
        Step("fold.before-commit");
        await tx.CommitAsync(ct).ConfigureAwait(false);
        Step("fold.after-commit");
        Log.UploadCounted(_logger, round, participant, before.ChunkCount, after.Summands);
        return after;
    }

    public async Task<(byte[] Sum, int Summands)?> ReadSumChunkAsync(long round, int chunkIndex, CancellationToken cancellationToken = default)
    {
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Cmd(c, null, "SELECT payload, summands FROM sums WHERE round = @r AND chunk_index = @i", ("r", round), ("i", chunkIndex));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ((byte[])reader[0], reader.GetInt32(1)) : null;
    }

    public async Task<IReadOnlyList<LedgerEntry>> GetLedgerAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Cmd(c, null, "SELECT round, summands, epsilon_round, epsilon_total, delta, recorded_at FROM privacy_ledger ORDER BY round");
        var result = new List<LedgerEntry>();
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new LedgerEntry(r.GetInt64(0), r.GetInt32(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4),
                DateTimeOffset.Parse(r.GetString(5), CultureInfo.InvariantCulture)));
        }

        return result;
    }

    private async Task<RoundState?> ReadRound(DbConnection c, DbTransaction? tx, long number, bool forUpdate, CancellationToken ct) =>
        await Scalar(c, tx, "SELECT state FROM rounds WHERE number = @n" + (forUpdate ? _dialect.ForUpdate : ""), ct, ("n", number)).ConfigureAwait(false) is string json
            ? RoundStateJson.Deserialize(json)
            : null;

    private static Task<int> WriteRound(DbConnection c, DbTransaction tx, RoundState r, CancellationToken ct) =>
        Exec(c, tx, "UPDATE rounds SET stage = @s, aggregate_digest = @d, state = @j, updated_at = @t WHERE number = @n", ct,
            ("n", r.Number), ("s", RoundStages.Name(r.Stage)), ("d", DigestOrNull(r)), ("j", RoundStateJson.Serialize(r)), ("t", Now()));

    private static async Task<List<int>> StagedIndices(DbConnection c, DbTransaction? tx, long round, string participant, CancellationToken ct)
    {
        await using var cmd = Cmd(c, tx, "SELECT chunk_index FROM staged_chunks WHERE round = @r AND participant = @p ORDER BY chunk_index", ("r", round), ("p", participant));
        var result = new List<int>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            result.Add(r.GetInt32(0));
        }

        return result;
    }

    private static object DigestOrNull(RoundState r) => r.AggregateDigest.IsDefaultOrEmpty ? DBNull.Value : r.AggregateDigest.ToArray();

    private static string Now() => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    private static DbCommand Cmd(DbConnection c, DbTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (name, value) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }

        return cmd;
    }

    private static async Task<int> Exec(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var cmd = Cmd(c, tx, sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task<object?> Scalar(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var cmd = Cmd(c, tx, sql, parameters);
        var v = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return v is DBNull ? null : v;
    }
}
