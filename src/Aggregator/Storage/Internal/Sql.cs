using System.Data.Common;
using System.Globalization;

namespace SecAgg.Aggregator.Storage.Internal;

/// <summary>
/// The ADO.NET helpers every part of the store uses: a command with named parameters (<c>@name</c>, which both
/// Microsoft.Data.Sqlite and Npgsql accept), and executing it as a statement, a scalar or a list of rows.
/// </summary>
internal static class Sql
{
    /// <summary>A parameter value; null becomes SQL NULL.</summary>
    public static (string Name, object? Value) P(string name, object? value) => (name, value);

    public static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
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

    /// <summary>Runs a statement; returns the rows it affected.</summary>
    public static async Task<int> ExecAsync(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var cmd = Command(c, tx, sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The first column of the first row, or null (no row, or SQL NULL).</summary>
    public static async Task<object?> ScalarAsync(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var cmd = Command(c, tx, sql, parameters);
        var v = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return v is DBNull ? null : v;
    }

    /// <summary>An integer scalar (SQLite answers 64-bit integers, PostgreSQL whatever the column is), or null.</summary>
    public static async Task<long?> LongAsync(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string, object?)[] parameters) =>
        await ScalarAsync(c, tx, sql, ct, parameters).ConfigureAwait(false) is { } v ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : null;

    /// <summary>Every row, each mapped by <paramref name="map"/>.</summary>
    public static async Task<List<T>> QueryAsync<T>(DbConnection c, DbTransaction? tx, string sql, Func<DbDataReader, T> map, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var cmd = Command(c, tx, sql, parameters);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var result = new List<T>();
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            result.Add(map(r));
        }

        return result;
    }

    /// <summary>The current time as stored (ISO 8601, UTC).</summary>
    public static string Now() => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
}
