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
    private readonly ChunkFiles? _files;

    private protected SqlAggregatorStore(SqlDialect dialect, ILogger? logger, string? dataDirectory = null)
    {
        _dialect = dialect;
        _logger = logger ?? NullLogger.Instance;
        _files = dataDirectory is null ? null : new ChunkFiles(dataDirectory);
    }

    /// <summary>
    /// Where staged chunks and sums are kept as files (the database then holds only their SHA-256 and sizes), or null
    /// when they are kept in the database as blobs.
    /// </summary>
    public string? DataDirectory => _files?.Root;

    private ChunkFiles Files => _files ?? throw new StoreCorruptException("the database names payload files but this store was opened without a data directory; open it with the data directory it was written with");

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

    /// <summary>
    /// At open, with a data directory: checks every staged chunk file of a collecting round against its SHA-256 (a power cut
    /// can lose unsynced files) and drops a lost chunk with the ones after it (the participant resumes from there);
    /// deletes files no row can refer to any more (superseded sum versions, staged files of counted uploads or of rounds
    /// that stopped collecting, temporaries older than an hour).
    /// </summary>
    internal async Task MaintainFilesAsync(CancellationToken ct)
    {
        if (_files is null)
        {
            return;
        }

        var rounds = new Dictionary<long, string>();
        var staged = new List<(long Round, string Participant, int Index, byte[] Sha, int Length)>();
        var sums = new Dictionary<(long, int), int>();
        var counted = new HashSet<(long, string)>();
        await using (var c = await _dialect.OpenAsync(ct).ConfigureAwait(false))
        {
            await using (var cmd = Cmd(c, null, "SELECT number, stage FROM rounds"))
            await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    rounds[r.GetInt64(0)] = r.GetString(1);
                }
            }

            await using (var cmd = Cmd(c, null, "SELECT round, participant, chunk_index, sha256, length FROM staged_chunks WHERE in_file = 1 ORDER BY round, participant, chunk_index"))
            await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    staged.Add((r.GetInt64(0), r.GetString(1), r.GetInt32(2), (byte[])r[3], r.GetInt32(4)));
                }
            }

            await using (var cmd = Cmd(c, null, "SELECT round, chunk_index, summands FROM sums WHERE in_file = 1"))
            await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    sums[(r.GetInt64(0), r.GetInt32(1))] = r.GetInt32(2);
                }
            }

            await using (var cmd = Cmd(c, null, "SELECT round, participant FROM counted_uploads"))
            await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    counted.Add((r.GetInt64(0), r.GetString(1)));
                }
            }
        }

        // Lost staged chunks (only a power cut loses them: they are not fsynced).
        var lost = new Dictionary<(long, string), int>();
        foreach (var s in staged)
        {
            if (lost.ContainsKey((s.Round, s.Participant)))
            {
                continue;
            }

            string path = _files.StagedPath(s.Round, s.Participant, s.Index, s.Sha);
            if (await ChunkFiles.ReadVerifiedAsync(path, s.Length, s.Sha, ct).ConfigureAwait(false) is { } ok)
            {
                ChunkFiles.Return(ok);
            }
            else
            {
                lost[(s.Round, s.Participant)] = s.Index;
            }
        }

        foreach (var ((round, participant), index) in lost)
        {
            await DropStagedFromAsync(round, participant, index, ct).ConfigureAwait(false);
            Log.StagedChunkLost(_logger, round, participant, index);
        }

        // Files nothing refers to.
        var keepStaged = staged.Select(s => _files.StagedPath(s.Round, s.Participant, s.Index, s.Sha)).ToHashSet(StringComparer.Ordinal);
        foreach (var (round, stage) in rounds)
        {
            string dir = _files.RoundDirectory(round);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (string f in Directory.EnumerateFiles(dir, "sum.*"))
            {
                string[] parts = Path.GetFileName(f).Split('.');
                if (parts.Length == 4 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int index) && int.TryParse(parts[2], CultureInfo.InvariantCulture, out int version)
                    && sums.TryGetValue((round, index), out int current) && version < current)
                {
                    ChunkFiles.TryDelete(f); // superseded: the database names a newer version
                }
                else if (parts.Length > 4 && File.GetLastWriteTimeUtc(f) < DateTime.UtcNow.AddHours(-1))
                {
                    ChunkFiles.TryDelete(f); // an abandoned temporary
                }
            }

            string stagedDir = _files.StagedDirectory(round);
            if (stage is not (RoundStages.Open or RoundStages.Collecting))
            {
                ChunkFiles.TryDeleteDirectory(stagedDir);
                continue;
            }

            if (!Directory.Exists(stagedDir))
            {
                continue;
            }

            foreach (string f in Directory.EnumerateFiles(stagedDir))
            {
                string name = Path.GetFileName(f);
                int dot = name.IndexOf('.', StringComparison.Ordinal);
                string participant = dot > 0 ? name[..dot] : name;
                bool temp = name.Contains(".tmp-", StringComparison.Ordinal);
                if (!keepStaged.Contains(f) && (counted.Contains((round, participant)) || (temp && File.GetLastWriteTimeUtc(f) < DateTime.UtcNow.AddHours(-1))))
                {
                    ChunkFiles.TryDelete(f);
                }
            }
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

        if (!after.ListDigest.IsDefaultOrEmpty && before.ListDigest.IsDefaultOrEmpty
            && await Scalar(c, tx, "SELECT number FROM rounds WHERE aggregate_digest = @d AND number <> @n", ct, ("d", DigestOrNull(after)), ("n", number)).ConfigureAwait(false) is { } other)
        {
            throw new RoundStateException(RoundError.ListReused,
                $"this upload list was already put up for approval in round {other}; a list is approved and decrypted at most once");
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
        if (_files is not null && after.Stage is not (RoundStage.Open or RoundStage.Collecting))
        {
            ChunkFiles.TryDeleteDirectory(_files.StagedDirectory(number)); // no row refers to a staged file of this round any more
        }
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
        string? file = null;
        if (_files is not null)
        {
            // The payload goes to its own file (written once, no database blob); the row below only records it.
            // Not fsynced: an acknowledged chunk survives kill -9 in the page cache; after a power cut a lost chunk is
            // found by its SHA-256 (VerifyStagedFilesAsync at open, or the fold) and the participant resumes from it.
            file = _files.StagedPath(chunk.Round, chunk.ParticipantId, chunk.ChunkIndex, sha);
            await ChunkFiles.WriteAsync(file, chunk.Payload, durable: false, ct).ConfigureAwait(false);
        }

        await using var c = await _dialect.OpenAsync(ct).ConfigureAwait(false);
        if (_files is not null && _dialect.FastCommitPragma is { } fast)
        {
            await Exec(c, null, fast, ct).ConfigureAwait(false);
        }

        await using var tx = await _dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        Step("stage.before-insert");
        int inserted = await Exec(c, tx,
            """
            INSERT INTO staged_chunks (round, participant, chunk_index, total_chunks, sha256, payload, in_file, length)
            VALUES (@r, @p, @i, @n, @h, @b, @f, @l)
            ON CONFLICT (round, participant, chunk_index) DO NOTHING
            """, ct,
            ("r", chunk.Round), ("p", chunk.ParticipantId), ("i", chunk.ChunkIndex), ("n", chunk.TotalChunks), ("h", sha),
            ("b", file is null ? chunk.Payload.ToArray() : Array.Empty<byte>()), ("f", file is null ? 0 : 1), ("l", chunk.Payload.Length)).ConfigureAwait(false);
        if (inserted == 0)
        {
            var held = (byte[]?)await Scalar(c, tx, "SELECT sha256 FROM staged_chunks WHERE round = @r AND participant = @p AND chunk_index = @i", ct,
                ("r", chunk.Round), ("p", chunk.ParticipantId), ("i", chunk.ChunkIndex)).ConfigureAwait(false);
            bool same = held is not null && CryptographicOperations.FixedTimeEquals(held, sha);
            if (!same && file is not null)
            {
                ChunkFiles.TryDelete(file); // named by its own hash: no row refers to it
            }

            return same ? StageOutcome.AlreadyHeld : StageOutcome.Conflict;
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
        var files = await StagedFiles(c, tx, round, participant, 0, cancellationToken).ConfigureAwait(false);
        await Exec(c, tx, "DELETE FROM staged_chunks WHERE round = @r AND participant = @p", cancellationToken, ("r", round), ("p", participant)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        files.ForEach(ChunkFiles.TryDelete);
    }

    public async Task<RoundState> FoldUploadAsync(long round, string participant, IChunkAdder adder, Func<RoundState, RoundState> countUpload, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(participant);
        ArgumentNullException.ThrowIfNull(countUpload);
        var outcome = (await FoldUploadsAsync(round, [participant], adder, (r, _) => countUpload(r), cancellationToken).ConfigureAwait(false))[0];
        if (outcome.Error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(outcome.Error);
        }

        return outcome.Round!;
    }

    public async Task<IReadOnlyList<FoldOutcome>> FoldUploadsAsync(long round, IReadOnlyList<string> participants, IChunkAdder adder, Func<RoundState, string, RoundState> countUpload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(participants);
        ArgumentNullException.ThrowIfNull(adder);
        ArgumentNullException.ThrowIfNull(countUpload);
        if (participants.Count == 0 || participants.Any(string.IsNullOrEmpty) || participants.Distinct(StringComparer.Ordinal).Count() != participants.Count)
        {
            throw new ArgumentException("give one or more distinct, non-empty participant ids", nameof(participants));
        }

        var ct = cancellationToken;
        var cleanup = new List<string>();

        // With files, the sums are computed and written (fsynced) before the write lock is taken, so staging commits
        // of other participants are not held up by the fold's I/O. Under the lock the selection is repeated; if anything
        // it was based on changed (another process folded, an upload restarted), the sums are computed again there.
        PreparedFold? prepared = _files is null ? null : await PrepareFileFoldAsync(round, participants, adder, countUpload, cleanup, ct).ConfigureAwait(false);
        Selection sel;
        await using (var c = await _dialect.OpenAsync(ct).ConfigureAwait(false))
        await using (var tx = await _dialect.BeginWriteAsync(c, ct).ConfigureAwait(false))
        {
            if (prepared is null)
            {
                Step("fold.begin");
            }

            sel = await SelectAsync(c, tx, round, participants, countUpload, ct).ConfigureAwait(false);
            if (sel.Accepted.Count == 0)
            {
                return [.. participants.Select(p => sel.Outcomes[p])];
            }

            bool usePrepared = prepared is not null && prepared.Summands == sel.Before.Summands
                && prepared.Accepted.SequenceEqual(sel.Accepted, StringComparer.Ordinal)
                && await SameStagedAsync(c, tx, round, prepared, ct).ConfigureAwait(false);
            byte[][] uploadHashes;
            if (usePrepared)
            {
                foreach (var (index, summands, sha, length) in prepared!.Sums)
                {
                    await UpsertSumRow(c, tx, round, index, summands, sha, length, ct).ConfigureAwait(false);
                }

                uploadHashes = prepared.UploadHashes;
            }
            else
            {
                if (prepared is not null)
                {
                    cleanup.Clear();
                }

                Step("fold.locked");
                uploadHashes = await FoldSumsAsync(c, tx, round, sel, adder, cleanup, writeRows: true, ct).ConfigureAwait(false);
            }

            for (int k = 0; k < sel.Accepted.Count; k++)
            {
                await Exec(c, tx, "INSERT INTO counted_uploads (round, participant, chunk_count, upload_sha256, counted_at) VALUES (@r, @p, @n, @h, @t)", ct,
                    ("r", round), ("p", sel.Accepted[k]), ("n", sel.Before.ChunkCount), ("h", uploadHashes[k]), ("t", Now())).ConfigureAwait(false);
            }

            Step("fold.counted-recorded");
            foreach (string p in sel.Accepted)
            {
                cleanup.AddRange(await StagedFiles(c, tx, round, p, 0, ct).ConfigureAwait(false));
                await Exec(c, tx, "DELETE FROM staged_chunks WHERE round = @r AND participant = @p", ct, ("r", round), ("p", p)).ConfigureAwait(false);
            }

            Step("fold.staged-deleted");
            await WriteRound(c, tx, sel.After, ct).ConfigureAwait(false);
            Step("fold.before-commit");
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        Step("fold.after-commit");
        // Superseded sum versions and the counted uploads' staged files are no longer referenced by the database.
        cleanup.ForEach(ChunkFiles.TryDelete);
        foreach (string p in sel.Accepted)
        {
            sel.Outcomes[p] = new(p, sel.After, null);
            Log.UploadCounted(_logger, round, p, sel.After.ChunkCount, sel.After.Summands);
        }

        return [.. participants.Select(p => sel.Outcomes[p])];
    }

    private sealed record Selection(RoundState Before, RoundState After, List<string> Accepted, Dictionary<string, FoldOutcome> Outcomes);

    private sealed record PreparedFold(int Summands, List<string> Accepted, List<(int Index, int Summands, byte[] Sha, int Length)> Sums, byte[][] UploadHashes, List<byte[]> StagedShas);

    /// <summary>Which of <paramref name="participants"/> can count now, in order, and the round state after counting them.</summary>
    private async Task<Selection> SelectAsync(DbConnection c, DbTransaction? tx, long round, IReadOnlyList<string> participants, Func<RoundState, string, RoundState> countUpload, CancellationToken ct)
    {
        var outcomes = new Dictionary<string, FoldOutcome>(StringComparer.Ordinal);
        var accepted = new List<string>();
        var before = await ReadRound(c, tx, round, forUpdate: tx is not null, ct).ConfigureAwait(false)
            ?? throw new RoundStateException(RoundError.InvalidArgument, $"round {round} does not exist");
        var state = before;
        foreach (string participant in participants)
        {
            if (await Scalar(c, tx, "SELECT 1 FROM counted_uploads WHERE round = @r AND participant = @p", ct, ("r", round), ("p", participant)).ConfigureAwait(false) is not null)
            {
                outcomes[participant] = new(participant, null, new RoundStateException(RoundError.Duplicate, $"participant '{participant}''s upload is already counted in round {round}"));
                continue;
            }

            RoundState next;
            try
            {
                next = countUpload(state, participant);
            }
            catch (RoundStateException e)
            {
                outcomes[participant] = new(participant, null, e);
                continue;
            }

            var held = await StagedIndices(c, tx, round, participant, ct).ConfigureAwait(false);
            if (held.Count != before.ChunkCount || held[^1] != before.ChunkCount - 1)
            {
                outcomes[participant] = new(participant, null, new InvalidOperationException(
                    $"participant '{participant}' has {held.Count} of the {before.ChunkCount} chunks of its round-{round} upload staged; it cannot be counted yet"));
                continue;
            }

            accepted.Add(participant);
            state = next;
        }

        return new Selection(before, state, accepted, outcomes);
    }

    /// <summary>Phase one of a file-backed fold, outside the write lock: selects, adds and writes the new sum files (fsynced).</summary>
    private async Task<PreparedFold?> PrepareFileFoldAsync(long round, IReadOnlyList<string> participants, IChunkAdder adder, Func<RoundState, string, RoundState> countUpload, List<string> cleanup, CancellationToken ct)
    {
        await using var c = await _dialect.OpenAsync(ct).ConfigureAwait(false);
        Step("fold.begin");
        Selection sel;
        try
        {
            sel = await SelectAsync(c, null, round, participants, countUpload, ct).ConfigureAwait(false);
        }
        catch (RoundStateException)
        {
            return null; // answered under the lock
        }

        if (sel.Accepted.Count == 0)
        {
            return null;
        }

        var shas = new List<byte[]>();
        foreach (string p in sel.Accepted)
        {
            await using var cmd = Cmd(c, null, "SELECT sha256 FROM staged_chunks WHERE round = @r AND participant = @p ORDER BY chunk_index", ("r", round), ("p", p));
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                shas.Add((byte[])r[0]);
            }
        }

        Step("fold.locked");
        var sums = new List<(int, int, byte[], int)>();
        byte[][] hashes = await FoldSumsAsync(c, null, round, sel, adder, cleanup, writeRows: false, ct, sums).ConfigureAwait(false);
        return new PreparedFold(sel.Before.Summands, sel.Accepted, sums, hashes, shas);
    }

    /// <summary>True when the staged chunks of the prepared uploads are still exactly those the sums were computed from.</summary>
    private async Task<bool> SameStagedAsync(DbConnection c, DbTransaction tx, long round, PreparedFold prepared, CancellationToken ct)
    {
        int k = 0;
        foreach (string p in prepared.Accepted)
        {
            await using var cmd = Cmd(c, tx, "SELECT sha256 FROM staged_chunks WHERE round = @r AND participant = @p ORDER BY chunk_index", ("r", round), ("p", p));
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                if (k >= prepared.StagedShas.Count || !((byte[])r[0]).AsSpan().SequenceEqual(prepared.StagedShas[k++]))
                {
                    return false;
                }
            }
        }

        return k == prepared.StagedShas.Count;
    }

    /// <summary>Adds every accepted upload into the sums, index by index; returns each upload's hash (SHA-256 over its chunks' SHA-256s).</summary>
    private async Task<byte[][]> FoldSumsAsync(DbConnection c, DbTransaction? tx, long round, Selection sel, IChunkAdder adder, List<string> cleanup, bool writeRows, CancellationToken ct,
        List<(int, int, byte[], int)>? written = null)
    {
        var uploadHashes = sel.Accepted.ToDictionary(p => p, _ => IncrementalHash.CreateHash(HashAlgorithmName.SHA256), StringComparer.Ordinal);
        try
        {
            for (int i = 0; i < sel.Before.ChunkCount; i++)
            {
                var w = await FoldIndex(c, tx, round, i, sel.Before.Summands, sel.Accepted, uploadHashes, adder, cleanup, writeRows, ct).ConfigureAwait(false);
                written?.Add(w);
                Step($"fold.sum-written:{i}");
            }

            return [.. sel.Accepted.Select(p => uploadHashes[p].GetHashAndReset())];
        }
        finally
        {
            foreach (var h in uploadHashes.Values)
            {
                h.Dispose();
            }
        }
    }

    /// <summary>Adds chunk <paramref name="index"/> of every accepted upload into the round's sum and writes the sum once.</summary>
    private async Task<(int Index, int Summands, byte[] Sha, int Length)> FoldIndex(DbConnection c, DbTransaction? tx, long round, int index, int summandsBefore, List<string> accepted,
        Dictionary<string, IncrementalHash> uploadHashes, IChunkAdder adder, List<string> cleanup, bool writeRows, CancellationToken ct)
    {
        byte[]? sum = null;
        int length = -1;
        try
        {
            var held = await ReadSum(c, tx, round, index, ct).ConfigureAwait(false);
            if (held is { } h)
            {
                if (h.Summands != summandsBefore)
                {
                    ChunkFiles.Return(h.Buffer);
                    throw new InvalidOperationException($"round {round}'s sum at chunk {index} holds {h.Summands} uploads but the round counts {summandsBefore}; the store is inconsistent");
                }

                (sum, length) = (h.Buffer, h.Length);
                if (h.File is not null)
                {
                    cleanup.Add(h.File);
                }
            }
            else if (summandsBefore != 0)
            {
                throw new InvalidOperationException($"round {round} counts {summandsBefore} uploads but has no sum at chunk {index}; the store is inconsistent");
            }

            foreach (string p in accepted)
            {
                var (addend, addendLength, sha) = await ReadStaged(c, tx, round, p, index, ct).ConfigureAwait(false);
                try
                {
                    uploadHashes[p].AppendData(sha);
                    Step($"fold.chunk-read:{index}");
                    if (sum is null)
                    {
                        sum = ChunkFiles.Rent(addendLength);
                        addend.AsSpan(0, addendLength).CopyTo(sum);
                        length = addendLength;
                    }
                    else if (addendLength != length)
                    {
                        throw new InvalidOperationException($"chunk {index} of '{p}' has {addendLength} bytes but the round's sum has {length}");
                    }
                    else
                    {
                        adder.Add(index, sum.AsSpan(0, length), addend.AsSpan(0, addendLength));
                    }
                }
                finally
                {
                    ChunkFiles.Return(addend);
                }
            }

            return await WriteSum(c, tx, round, index, summandsBefore + accepted.Count, sum!.AsMemory(0, length), writeRows, ct).ConfigureAwait(false);
        }
        finally
        {
            if (sum is not null)
            {
                ChunkFiles.Return(sum);
            }
        }
    }

    /// <summary>A staged chunk's bytes (in a rented buffer) and its SHA-256; a lost file drops the rest of the upload (see <see cref="StagedChunkLostException"/>).</summary>
    private async Task<(byte[] Buffer, int Length, byte[] Sha)> ReadStaged(DbConnection c, DbTransaction? tx, long round, string participant, int index, CancellationToken ct)
    {
        byte[] sha;
        int length;
        await using (var cmd = Cmd(c, tx, "SELECT in_file, length, sha256, payload FROM staged_chunks WHERE round = @r AND participant = @p AND chunk_index = @i", ("r", round), ("p", participant), ("i", index)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"staged chunk {index} of '{participant}' vanished during the fold");
            }

            sha = (byte[])reader[2];
            if (reader.GetInt32(0) == 0)
            {
                byte[] blob = (byte[])reader[3];
                byte[] copy = ChunkFiles.Rent(blob.Length);
                blob.CopyTo(copy, 0);
                return (copy, blob.Length, sha);
            }

            length = reader.GetInt32(1);
        }

        string path = Files.StagedPath(round, participant, index, sha);
        return await ChunkFiles.ReadVerifiedAsync(path, length, sha, ct).ConfigureAwait(false) is { } buffer
            ? (buffer, length, sha)
            : throw new StagedChunkLostException(participant, index);
    }

    private async Task<(byte[] Buffer, int Length, int Summands, string? File)?> ReadSum(DbConnection c, DbTransaction? tx, long round, int index, CancellationToken ct)
    {
        int summands, length;
        byte[] sha;
        await using (var cmd = Cmd(c, tx, "SELECT summands, in_file, length, sha256, payload FROM sums WHERE round = @r AND chunk_index = @i", ("r", round), ("i", index)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                return null;
            }

            summands = reader.GetInt32(0);
            if (reader.GetInt32(1) == 0)
            {
                byte[] blob = (byte[])reader[4];
                byte[] copy = ChunkFiles.Rent(blob.Length);
                blob.CopyTo(copy, 0);
                return (copy, blob.Length, summands, null);
            }

            length = reader.GetInt32(2);
            sha = (byte[])reader[3];
        }

        string path = Files.SumPath(round, index, summands, sha);
        return await ChunkFiles.ReadVerifiedAsync(path, length, sha, ct).ConfigureAwait(false) is { } buffer
            ? (buffer, length, summands, path)
            : throw new StoreCorruptException($"the sum file {path} of round {round} (chunk {index}, {summands} uploads) is missing or damaged; restore the data directory from a backup");
    }

    /// <summary>Writes a new sum version (blob row, or fsynced file and, with <paramref name="writeRow"/>, its row); returns what the row records.</summary>
    private async Task<(int Index, int Summands, byte[] Sha, int Length)> WriteSum(DbConnection c, DbTransaction? tx, long round, int index, int summands, ReadOnlyMemory<byte> sum, bool writeRow, CancellationToken ct)
    {
        byte[] sha = SHA256.HashData(sum.Span);
        if (_files is null)
        {
            await Exec(c, tx,
                """
                INSERT INTO sums (round, chunk_index, summands, payload, in_file, length, sha256) VALUES (@r, @i, @s, @b, 0, @l, NULL)
                ON CONFLICT (round, chunk_index) DO UPDATE SET summands = excluded.summands, payload = excluded.payload, in_file = 0, length = excluded.length, sha256 = NULL
                """, ct, ("r", round), ("i", index), ("s", summands), ("b", sum.ToArray()), ("l", sum.Length)).ConfigureAwait(false);
            return (index, summands, sha, sum.Length);
        }

        // A new version under a new name, fsynced with its directory before the row that names it commits: a counted
        // upload survives a power cut. The previous version is deleted after the commit.
        await ChunkFiles.WriteAsync(_files.SumPath(round, index, summands, sha), sum, durable: true, ct).ConfigureAwait(false);
        if (writeRow)
        {
            await UpsertSumRow(c, tx!, round, index, summands, sha, sum.Length, ct).ConfigureAwait(false);
        }

        return (index, summands, sha, sum.Length);
    }

    private static Task<int> UpsertSumRow(DbConnection c, DbTransaction tx, long round, int index, int summands, byte[] sha, int length, CancellationToken ct) =>
        Exec(c, tx,
            """
            INSERT INTO sums (round, chunk_index, summands, payload, in_file, length, sha256) VALUES (@r, @i, @s, @b, 1, @l, @h)
            ON CONFLICT (round, chunk_index) DO UPDATE SET summands = excluded.summands, payload = excluded.payload, in_file = 1, length = excluded.length, sha256 = excluded.sha256
            """, ct, ("r", round), ("i", index), ("s", summands), ("b", Array.Empty<byte>()), ("l", length), ("h", sha));

    /// <summary>The files of <paramref name="participant"/>'s staged chunks from <paramref name="fromIndex"/> on (empty without a data directory).</summary>
    private async Task<List<string>> StagedFiles(DbConnection c, DbTransaction tx, long round, string participant, int fromIndex, CancellationToken ct)
    {
        var result = new List<string>();
        if (_files is null)
        {
            return result;
        }

        await using var cmd = Cmd(c, tx, "SELECT chunk_index, sha256 FROM staged_chunks WHERE round = @r AND participant = @p AND chunk_index >= @i AND in_file = 1",
            ("r", round), ("p", participant), ("i", fromIndex));
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            result.Add(_files.StagedPath(round, participant, r.GetInt32(0), (byte[])r[1]));
        }

        return result;
    }

    /// <summary>Drops <paramref name="participant"/>'s staged chunks from <paramref name="fromIndex"/> on (a chunk was lost).</summary>
    internal async Task DropStagedFromAsync(long round, string participant, int fromIndex, CancellationToken ct)
    {
        await using var c = await _dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await _dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        var files = await StagedFiles(c, tx, round, participant, fromIndex, ct).ConfigureAwait(false);
        await Exec(c, tx, "DELETE FROM staged_chunks WHERE round = @r AND participant = @p AND chunk_index >= @i", ct, ("r", round), ("p", participant), ("i", fromIndex)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        files.ForEach(ChunkFiles.TryDelete);
    }

    public async Task<(byte[] Sum, int Summands)?> ReadSumChunkAsync(long round, int chunkIndex, CancellationToken cancellationToken = default)
    {
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (await ReadSum(c, null, round, chunkIndex, cancellationToken).ConfigureAwait(false) is not { } s)
        {
            return null;
        }

        byte[] exact = s.Buffer.AsSpan(0, s.Length).ToArray();
        ChunkFiles.Return(s.Buffer);
        return (exact, s.Summands);
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

    private static object DigestOrNull(RoundState r) => r.ListDigest.IsDefaultOrEmpty ? DBNull.Value : r.ListDigest.ToArray();

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
