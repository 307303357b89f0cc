using System.Data.Common;
using System.Security.Cryptography;
using SecAgg.Aggregator.Accumulation;
using static SecAgg.Aggregator.Storage.Internal.Sql;

namespace SecAgg.Aggregator.Storage.Internal;

/// <summary>
/// Staged upload chunks: one row per (round, participant, chunk index) with the chunk's SHA-256 and length, and its
/// bytes in a file of the data directory (<c>in_file = 1</c>) or in the row (<c>in_file = 0</c>). A staged chunk is
/// written once and never changed; it is read back, checked against its SHA-256, when its upload is folded into the
/// round's sum. The chunks of a counted upload stay until they are sealed into the round's durable sum.
/// </summary>
internal sealed class ChunkStaging(SqlDialect dialect, ChunkFiles? files, Action<string> step)
{
    /// <summary>SQL: the participant's upload is counted in the round.</summary>
    public const string CountedClause = "EXISTS (SELECT 1 FROM counted_uploads u WHERE u.round = staged_chunks.round AND u.participant = staged_chunks.participant)";

    private ChunkFiles Files => files ?? throw new StoreCorruptException("the database names payload files but this store was opened without a data directory; open it with the data directory it was written with");

    public async Task<StageOutcome> StageAsync(ChunkUpload chunk, CancellationToken ct)
    {
        byte[] sha = chunk.Sha256;
        string? file = null;
        if (files is not null)
        {
            // The payload goes to its own file (written once, no database blob); the row below only records it.
            // Not fsynced: an acknowledged chunk survives kill -9 in the page cache; after a power cut a lost chunk is
            // found by its SHA-256 (at open, or when its upload is folded) and the participant resumes from it.
            file = files.StagedPath(chunk.Round, chunk.ParticipantId, chunk.ChunkIndex, sha);
            await ChunkFiles.WriteAsync(file, chunk.Payload, durable: false, ct).ConfigureAwait(false);
        }

        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        if (files is not null && dialect.FastCommitPragma is { } fast)
        {
            await ExecAsync(c, null, fast, ct).ConfigureAwait(false);
        }

        await using var tx = await dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        step("stage.before-insert");
        int inserted = await ExecAsync(c, tx,
            """
            INSERT INTO staged_chunks (round, participant, chunk_index, total_chunks, sha256, payload, in_file, length)
            VALUES (@r, @p, @i, @n, @h, @b, @f, @l)
            ON CONFLICT (round, participant, chunk_index) DO NOTHING
            """, ct,
            P("r", chunk.Round), P("p", chunk.ParticipantId), P("i", chunk.ChunkIndex), P("n", chunk.TotalChunks), P("h", sha),
            P("b", file is null ? chunk.Payload.ToArray() : Array.Empty<byte>()), P("f", file is null ? 0 : 1), P("l", chunk.Payload.Length)).ConfigureAwait(false);
        if (inserted == 0)
        {
            var held = (byte[]?)await ScalarAsync(c, tx, "SELECT sha256 FROM staged_chunks WHERE round = @r AND participant = @p AND chunk_index = @i", ct,
                P("r", chunk.Round), P("p", chunk.ParticipantId), P("i", chunk.ChunkIndex)).ConfigureAwait(false);
            bool same = held is not null && CryptographicOperations.FixedTimeEquals(held, sha);
            if (!same && file is not null)
            {
                ChunkFiles.TryDelete(file); // named by its own hash: no row refers to it
            }

            return same ? StageOutcome.AlreadyHeld : StageOutcome.Conflict;
        }

        step("stage.before-commit");
        await tx.CommitAsync(ct).ConfigureAwait(false);
        step("stage.after-commit");
        return StageOutcome.Stored;
    }

    public async Task<UploadProgress> GetProgressAsync(long round, string participant, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        bool counted = await ScalarAsync(c, null, "SELECT 1 FROM counted_uploads WHERE round = @r AND participant = @p", ct, P("r", round), P("p", participant)).ConfigureAwait(false) is not null;
        return new UploadProgress(round, participant, counted ? [] : await IndicesAsync(c, null, round, participant, ct).ConfigureAwait(false), counted);
    }

    /// <summary>Participants with staged chunks of an upload not counted yet.</summary>
    public async Task<IReadOnlyList<string>> GetUncountedParticipantsAsync(long round, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        return await QueryAsync(c, null, $"SELECT DISTINCT participant FROM staged_chunks WHERE round = @r AND NOT {CountedClause} ORDER BY participant",
            r => r.GetString(0), ct, P("r", round)).ConfigureAwait(false);
    }

    /// <summary>Drops the staged chunks of <paramref name="participant"/>'s upload from <paramref name="fromIndex"/> on, unless it is counted.</summary>
    public async Task DiscardAsync(long round, string participant, int fromIndex, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        if (await ScalarAsync(c, tx, "SELECT 1 FROM counted_uploads WHERE round = @r AND participant = @p", ct, P("r", round), P("p", participant)).ConfigureAwait(false) is not null)
        {
            return; // a counted upload's chunks are its bytes in the sum-to-be
        }

        var doomed = await DeleteFromAsync(c, tx, round, participant, fromIndex, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        doomed.ForEach(ChunkFiles.TryDelete);
    }

    /// <summary>
    /// Inside a transaction: deletes <paramref name="participant"/>'s staged rows from <paramref name="fromIndex"/> on;
    /// returns their files, to delete once the transaction commits.
    /// </summary>
    public async Task<List<string>> DeleteFromAsync(DbConnection c, DbTransaction tx, long round, string participant, int fromIndex, CancellationToken ct)
    {
        var doomed = files is null
            ? []
            : await QueryAsync(c, tx, "SELECT chunk_index, sha256 FROM staged_chunks WHERE round = @r AND participant = @p AND chunk_index >= @i AND in_file = 1",
                r => files.StagedPath(round, participant, r.GetInt32(0), (byte[])r[1]), ct, P("r", round), P("p", participant), P("i", fromIndex)).ConfigureAwait(false);
        await ExecAsync(c, tx, "DELETE FROM staged_chunks WHERE round = @r AND participant = @p AND chunk_index >= @i", ct, P("r", round), P("p", participant), P("i", fromIndex)).ConfigureAwait(false);
        return doomed;
    }

    /// <summary>
    /// Inside the transaction of a round leaving collection: deletes the staged rows of uploads that can no longer
    /// count (with <paramref name="includingCounted"/>, every staged row of the round: it is over). Returns the files.
    /// </summary>
    public async Task<List<string>> DeleteUncountableAsync(DbConnection c, DbTransaction tx, long round, bool includingCounted, CancellationToken ct)
    {
        string which = includingCounted ? "" : $" AND NOT {CountedClause}";
        var doomed = files is null
            ? []
            : await QueryAsync(c, tx, "SELECT participant, chunk_index, sha256 FROM staged_chunks WHERE round = @r AND in_file = 1" + which,
                r => files.StagedPath(round, r.GetString(0), r.GetInt32(1), (byte[])r[2]), ct, P("r", round)).ConfigureAwait(false);
        await ExecAsync(c, tx, "DELETE FROM staged_chunks WHERE round = @r" + which, ct, P("r", round)).ConfigureAwait(false);
        return doomed;
    }

    /// <summary>After a commit: deletes files no row names any more (<paramref name="wholeRound"/>: the round's whole staging directory).</summary>
    public void DeleteFiles(long round, List<string> doomed, bool wholeRound)
    {
        doomed.ForEach(ChunkFiles.TryDelete);
        if (wholeRound && files is not null)
        {
            ChunkFiles.TryDeleteDirectory(files.StagedDirectory(round));
        }
    }

    /// <summary>
    /// Hands the bytes of a staged chunk, checked against its SHA-256, to <paramref name="consume"/> (from a pooled
    /// buffer, valid only during the call).
    /// </summary>
    /// <exception cref="StagedChunkLostException">The chunk's file is missing or damaged (e.g. lost in a power cut); nothing was dropped.</exception>
    /// <exception cref="StoreConflictException">No such staged chunk (e.g. its upload was sealed or discarded meanwhile).</exception>
    public async Task ReadAsync(long round, string participant, int index, ChunkConsumer consume, CancellationToken ct)
    {
        byte[] sha;
        int length;
        byte[]? blob = null;
        await using (var c = await dialect.OpenAsync(ct).ConfigureAwait(false))
        await using (var cmd = Command(c, null, "SELECT in_file, length, sha256, payload FROM staged_chunks WHERE round = @r AND participant = @p AND chunk_index = @i",
            P("r", round), P("p", participant), P("i", index)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                throw new StoreConflictException($"staged chunk {index} of '{participant}' in round {round} does not exist (sealed or discarded meanwhile?)");
            }

            sha = (byte[])reader[2];
            length = reader.GetInt32(1);
            if (reader.GetInt32(0) == 0)
            {
                blob = (byte[])reader[3];
            }
        }

        step($"read.staged:{index}");
        if (blob is not null)
        {
            consume(blob);
            return;
        }

        byte[] buffer = await ChunkFiles.ReadVerifiedAsync(Files.StagedPath(round, participant, index, sha), length, sha, ct).ConfigureAwait(false)
            ?? throw new StagedChunkLostException(participant, index);
        try
        {
            consume(buffer.AsSpan(0, length));
        }
        finally
        {
            ChunkFiles.Return(buffer);
        }
    }

    /// <summary>Indices of the participant's staged chunks, ascending.</summary>
    public static Task<List<int>> IndicesAsync(DbConnection c, DbTransaction? tx, long round, string participant, CancellationToken ct) =>
        QueryAsync(c, tx, "SELECT chunk_index FROM staged_chunks WHERE round = @r AND participant = @p ORDER BY chunk_index", r => r.GetInt32(0), ct, P("r", round), P("p", participant));

    /// <summary>SHA-256s of the participant's staged chunks, by index.</summary>
    public static Task<List<byte[]>> HashesAsync(DbConnection c, DbTransaction? tx, long round, string participant, CancellationToken ct) =>
        QueryAsync(c, tx, "SELECT sha256 FROM staged_chunks WHERE round = @r AND participant = @p ORDER BY chunk_index", r => (byte[])r[0], ct, P("r", round), P("p", participant));
}
