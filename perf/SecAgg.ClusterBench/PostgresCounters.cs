using Npgsql;

namespace SecAgg.ClusterBench;

/// <summary>
/// What PostgreSQL counts, read before and after a round: WAL bytes written (<c>pg_current_wal_lsn()</c>, server-wide) and
/// the database's <c>pg_stat_database</c> block and tuple counters (database-wide: anything else using the database at the
/// same time is counted too; the statistics collector lags by up to its flush interval).
/// </summary>
/// <param name="WalBytes">The WAL position in bytes.</param>
/// <param name="BlocksRead">Blocks read from outside the buffer cache.</param>
/// <param name="BlocksHit">Blocks found in the buffer cache.</param>
/// <param name="TuplesInserted">Rows inserted.</param>
/// <param name="TuplesUpdated">Rows updated.</param>
/// <param name="TuplesFetched">Rows fetched by index scans.</param>
internal sealed record PostgresCounters(long WalBytes, long BlocksRead, long BlocksHit, long TuplesInserted, long TuplesUpdated, long TuplesFetched)
{
    /// <summary>Reads the counters now (after forcing this backend's pending statistics out).</summary>
    public static async Task<PostgresCounters> ReadAsync(NpgsqlDataSource dataSource)
    {
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn, blks_read, blks_hit, tup_inserted, tup_updated, tup_fetched " +
            "FROM pg_stat_database WHERE datname = current_database()", connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        if (!await reader.ReadAsync().ConfigureAwait(false))
        {
            throw new InvalidOperationException("pg_stat_database has no row for the current database");
        }

        return new PostgresCounters((long)reader.GetDecimal(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
    }

    /// <summary>this − <paramref name="before"/>.</summary>
    public PostgresCounters Since(PostgresCounters before) => new(
        WalBytes - before.WalBytes, BlocksRead - before.BlocksRead, BlocksHit - before.BlocksHit,
        TuplesInserted - before.TuplesInserted, TuplesUpdated - before.TuplesUpdated, TuplesFetched - before.TuplesFetched);

    /// <summary>Bytes of the rows the round left in the benchmark's schema: staged chunk payloads, and grain states (the partitions' sums and the round record).</summary>
    public static async Task<(long Staged, long State)> RowBytesAsync(NpgsqlDataSource dataSource)
    {
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT coalesce(sum(octet_length(payload)), 0) FROM secagg_staged_chunk)::bigint, " +
            "(SELECT coalesce(sum(octet_length(payloadbinary)), 0) FROM orleansstorage)::bigint", connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        await reader.ReadAsync().ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
