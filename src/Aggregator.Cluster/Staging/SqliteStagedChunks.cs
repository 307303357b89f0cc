using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using SecAgg.Aggregator.Cluster.Storage;

namespace SecAgg.Aggregator.Cluster.Staging;

/// <summary>
/// <see cref="IStagedChunks"/> in the one-machine node's SQLite file (table <c>secagg_staged_chunk</c>, created by
/// <see cref="SqliteClusterDatabase"/>): each chunk a blob row with its SHA-256, inserted once (<c>ON CONFLICT DO
/// NOTHING</c>) and committed with <c>synchronous=FULL</c>, so a chunk whose staging returned survives kill -9.
/// </summary>
public sealed class SqliteStagedChunks(SqliteClusterDatabase database) : IStagedChunks
{
    private readonly SqliteClusterDatabase _database = database ?? throw new ArgumentNullException(nameof(database));

    /// <inheritdoc/>
    public async Task<StageResult> StageAsync(long round, Guid uploadId, string participant, int index, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(participant);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        byte[] sha = SHA256.HashData(payload.Span);
        await using SqliteConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (SqliteCommand insert = Command(connection,
            "INSERT INTO secagg_staged_chunk (round, upload_id, chunk_index, participant, sha256, payload) VALUES ($round, $upload, $index, $participant, $sha, $payload) ON CONFLICT DO NOTHING",
            round, uploadId))
        {
            insert.Parameters.AddWithValue("$index", index);
            insert.Parameters.AddWithValue("$participant", participant);
            insert.Parameters.AddWithValue("$sha", sha);
            insert.Parameters.AddWithValue("$payload", payload.ToArray());
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return StageResult.Staged;
            }
        }

        await using SqliteCommand held = Command(connection, "SELECT participant, sha256 FROM secagg_staged_chunk WHERE round = $round AND upload_id = $upload AND chunk_index = $index", round, uploadId);
        held.Parameters.AddWithValue("$index", index);
        await using SqliteDataReader reader = await held.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            && reader.GetString(0) == participant && reader.GetFieldValue<byte[]>(1).AsSpan().SequenceEqual(sha)
            ? StageResult.AlreadyStaged
            : StageResult.Conflict;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StagedDigest>> DigestsAsync(long round, Guid uploadId, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using SqliteCommand command = Command(connection,
            "SELECT chunk_index, participant, sha256 FROM secagg_staged_chunk WHERE round = $round AND upload_id = $upload ORDER BY chunk_index", round, uploadId);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await StagedRows.DigestsAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<byte[][]> ReadAsync(long round, Guid uploadId, int start, int end, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(end, start);
        await using SqliteConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using SqliteCommand command = Command(connection,
            "SELECT chunk_index, payload FROM secagg_staged_chunk WHERE round = $round AND upload_id = $upload AND chunk_index >= $start AND chunk_index < $end", round, uploadId);
        command.Parameters.AddWithValue("$start", start);
        command.Parameters.AddWithValue("$end", end);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await StagedRows.PayloadsAsync(reader, round, uploadId, start, end, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets every chunk staged in <paramref name="round"/> (after it was published or aborted); a no-op when none is held.</summary>
    public async Task DeleteRoundAsync(long round, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "DELETE FROM secagg_staged_chunk WHERE round = $round";
        command.Parameters.AddWithValue("$round", round);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, long round, Guid uploadId)
    {
        SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$round", round);
        command.Parameters.AddWithValue("$upload", uploadId.ToString("D"));
        return command;
    }
}
