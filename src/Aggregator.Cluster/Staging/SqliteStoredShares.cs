using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using SecAgg.Aggregator.Cluster.Storage;

namespace SecAgg.Aggregator.Cluster.Staging;

/// <summary>
/// <see cref="IStoredShares"/> in the one-machine node's SQLite file (table <c>secagg_stored_share</c>, created by
/// <see cref="SqliteClusterDatabase"/>): each share a blob row with its SHA-256, inserted once (<c>ON CONFLICT DO
/// NOTHING</c>; the same bytes again are a repeat, other bytes a conflict) and committed with <c>synchronous=FULL</c>.
/// </summary>
public sealed class SqliteStoredShares(SqliteClusterDatabase database) : IStoredShares
{
    private readonly SqliteClusterDatabase _database = database ?? throw new ArgumentNullException(nameof(database));

    /// <inheritdoc/>
    public async Task<StageResult> StoreAsync(long round, string member, int index, ReadOnlyMemory<byte> share, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(member);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        byte[] sha = SHA256.HashData(share.Span);
        await using SqliteConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (SqliteCommand insert = Command(connection,
            "INSERT INTO secagg_stored_share (round, member, chunk_index, sha256, share) VALUES ($round, $member, $index, $sha, $share) ON CONFLICT DO NOTHING",
            round, member, index))
        {
            insert.Parameters.AddWithValue("$sha", sha);
            insert.Parameters.AddWithValue("$share", share.ToArray());
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return StageResult.Staged;
            }
        }

        await using SqliteCommand held = Command(connection, "SELECT sha256 FROM secagg_stored_share WHERE round = $round AND member = $member AND chunk_index = $index", round, member, index);
        return await held.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is byte[] heldSha && heldSha.AsSpan().SequenceEqual(sha)
            ? StageResult.AlreadyStaged
            : StageResult.Conflict;
    }

    /// <inheritdoc/>
    public async Task<int> CountAsync(long round, string member, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(member);
        await using SqliteConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using SqliteCommand command = Command(connection, "SELECT count(*) FROM secagg_stored_share WHERE round = $round AND member = $member", round, member, index: 0);
        return checked((int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
    }

    /// <inheritdoc/>
    public async Task<byte[][]> ReadAsync(long round, int index, IReadOnlyList<string> members, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var shares = new byte[members.Count][];
        await using SqliteConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < members.Count; i++)
        {
            await using SqliteCommand command = Command(connection, "SELECT share FROM secagg_stored_share WHERE round = $round AND member = $member AND chunk_index = $index", round, members[i], index);
            shares[i] = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[]
                ?? throw new InvalidDataException($"Member '{members[i]}' has no share of chunk {index} in round {round}.");
        }

        return shares;
    }

    /// <inheritdoc/>
    public async Task DeleteRoundAsync(long round, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "DELETE FROM secagg_stored_share WHERE round = $round";
        command.Parameters.AddWithValue("$round", round);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, long round, string member, int index)
    {
        SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$round", round);
        command.Parameters.AddWithValue("$member", member);
        command.Parameters.AddWithValue("$index", index);
        return command;
    }
}
