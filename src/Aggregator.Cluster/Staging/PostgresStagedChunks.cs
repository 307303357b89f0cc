using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace SecAgg.Aggregator.Cluster.Staging;

/// <summary>
/// <see cref="IStagedChunks"/> in PostgreSQL (table <c>secagg_staged_chunk</c>, created by
/// <see cref="Schema.ClusterSchema"/>): each chunk a bytea row with its SHA-256, inserted once
/// (<c>ON CONFLICT DO NOTHING</c>), so every silo of the cluster reads what any silo staged.
/// </summary>
public sealed class PostgresStagedChunks(NpgsqlDataSource dataSource) : IStagedChunks
{
    private readonly NpgsqlDataSource _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));

    /// <inheritdoc/>
    public async Task<StageResult> StageAsync(long round, Guid uploadId, string participant, int index, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(participant);
        byte[] sha = SHA256.HashData(payload.Span);
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO secagg_staged_chunk (round, upload_id, chunk_index, participant, sha256, payload) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            connection))
        {
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = round });
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = uploadId });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = participant });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = sha });
            insert.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = payload, NpgsqlDbType = NpgsqlDbType.Bytea });
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return StageResult.Staged;
            }
        }

        await using var held = new NpgsqlCommand("SELECT participant, sha256 FROM secagg_staged_chunk WHERE round = $1 AND upload_id = $2 AND chunk_index = $3", connection);
        held.Parameters.Add(new NpgsqlParameter<long> { TypedValue = round });
        held.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = uploadId });
        held.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
        await using NpgsqlDataReader reader = await held.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            && reader.GetString(0) == participant && reader.GetFieldValue<byte[]>(1).AsSpan().SequenceEqual(sha)
            ? StageResult.AlreadyStaged
            : StageResult.Conflict;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StagedDigest>> DigestsAsync(long round, Guid uploadId, CancellationToken cancellationToken = default)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT chunk_index, participant, sha256 FROM secagg_staged_chunk WHERE round = $1 AND upload_id = $2 ORDER BY chunk_index", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = round });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = uploadId });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await StagedRows.DigestsAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<byte[][]> ReadAsync(long round, Guid uploadId, int start, int end, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(end, start);
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT chunk_index, payload FROM secagg_staged_chunk WHERE round = $1 AND upload_id = $2 AND chunk_index >= $3 AND chunk_index < $4", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = round });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = uploadId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = start });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = end });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await StagedRows.PayloadsAsync(reader, round, uploadId, start, end, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task DeleteRoundAsync(long round, CancellationToken cancellationToken = default)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("DELETE FROM secagg_staged_chunk WHERE round = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = round });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
