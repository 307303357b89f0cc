using Npgsql;
using NpgsqlTypes;

namespace SecAgg.Aggregator.Cluster.Staging;

/// <summary>
/// <see cref="IStoredShares"/> in PostgreSQL (table <c>secagg_decryption_share</c>, created by
/// <see cref="Schema.ClusterSchema"/>): each checked share a bytea row keyed by (round, member, chunk index), inserted
/// once (<c>ON CONFLICT DO NOTHING</c>), so a share accepted on one silo is counted and combined on any other.
/// </summary>
public sealed class PostgresStoredShares(NpgsqlDataSource dataSource) : IStoredShares
{
    private readonly NpgsqlDataSource _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));

    /// <inheritdoc/>
    public async Task<StageResult> StoreAsync(long round, string member, int index, ReadOnlyMemory<byte> share, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(member);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO secagg_decryption_share (round, member, chunk_index, share) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", connection))
        {
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = round });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = member });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
            insert.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = share, NpgsqlDbType = NpgsqlDbType.Bytea });
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return StageResult.Staged;
            }
        }

        // Something is held there: the same bytes are a resend; compared in the database, so the held share is not read back.
        await using var held = new NpgsqlCommand(
            "SELECT share = $4 FROM secagg_decryption_share WHERE round = $1 AND member = $2 AND chunk_index = $3", connection);
        held.Parameters.Add(new NpgsqlParameter<long> { TypedValue = round });
        held.Parameters.Add(new NpgsqlParameter<string> { TypedValue = member });
        held.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
        held.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = share, NpgsqlDbType = NpgsqlDbType.Bytea });
        return await held.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true ? StageResult.AlreadyStaged : StageResult.Conflict;
    }

    /// <inheritdoc/>
    public async Task<int> CountAsync(long round, string member, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(member);
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM secagg_decryption_share WHERE round = $1 AND member = $2", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = round });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = member });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc/>
    public async Task<byte[][]> ReadAsync(long round, int index, IReadOnlyList<string> members, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        var shares = new byte[members.Count][];
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT member, share FROM secagg_decryption_share WHERE round = $1 AND chunk_index = $2 AND member = ANY($3)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = round });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. members] });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string member = reader.GetString(0);
            byte[] share = reader.GetFieldValue<byte[]>(1);
            for (int i = 0; i < members.Count; i++)
            {
                if (members[i] == member)
                {
                    shares[i] = share;
                }
            }
        }

        int missing = Array.IndexOf(shares, null);
        return missing < 0 ? shares : throw new InvalidDataException($"Member '{members[missing]}' has no share of chunk {index} in round {round}.");
    }

    /// <inheritdoc/>
    public async Task DeleteRoundAsync(long round, CancellationToken cancellationToken = default)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("DELETE FROM secagg_decryption_share WHERE round = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = round });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
