using Microsoft.Data.Sqlite;

namespace SecAgg.Aggregator.Cluster.Storage;

/// <summary>
/// Orleans reminders in the one-machine node's SQLite file (table <c>secagg_reminder</c>: service id, grain id, reminder
/// name, the grain's uniform hash, start time and period in ticks, version), so a reminder registered before the node
/// was killed fires again after it restarts on the same folder, as reminders in PostgreSQL do for a cluster. The ETag is
/// the row's version: an upsert bumps it, a removal succeeds only with the current one (as Orleans' ADO.NET table).
/// </summary>
public sealed class SqliteReminderTable : IReminderTable
{
    private const string Columns = "grain_id, reminder_name, start_at, period, version";

    private readonly SqliteClusterDatabase _database;
    private readonly string _serviceId;

    /// <summary>Creates the table view of <paramref name="serviceId"/>'s reminders in <paramref name="database"/>.</summary>
    public SqliteReminderTable(SqliteClusterDatabase database, string serviceId)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        _database = database;
        _serviceId = serviceId;
    }

    /// <inheritdoc/>
    public Task Init() => Task.CompletedTask;

    /// <inheritdoc/>
    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        ReadAsync($"SELECT {Columns} FROM secagg_reminder WHERE service_id = $service AND grain_id = $grain", c => c.Parameters.AddWithValue("$grain", grainId.ToString()));

    /// <inheritdoc/>
    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        ReadAsync(
            $"SELECT {Columns} FROM secagg_reminder WHERE service_id = $service AND "
            + (begin < end ? "grain_hash > $begin AND grain_hash <= $end" : "(grain_hash > $begin OR grain_hash <= $end)"),
            c =>
            {
                c.Parameters.AddWithValue("$begin", (long)begin);
                c.Parameters.AddWithValue("$end", (long)end);
            });

    /// <inheritdoc/>
    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        ReminderTableData rows = await ReadAsync(
            $"SELECT {Columns} FROM secagg_reminder WHERE service_id = $service AND grain_id = $grain AND reminder_name = $name",
            c =>
            {
                c.Parameters.AddWithValue("$grain", grainId.ToString());
                c.Parameters.AddWithValue("$name", reminderName);
            }).ConfigureAwait(false);
        return rows.Reminders.Count == 0 ? null : rows.Reminders[0];
    }

    /// <inheritdoc/>
    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using SqliteConnection connection = await _database.OpenConnectionAsync().ConfigureAwait(false);
        await using SqliteCommand command = Command(connection, """
            INSERT INTO secagg_reminder (service_id, grain_id, reminder_name, grain_hash, start_at, period, version)
            VALUES ($service, $grain, $name, $hash, $start, $period, 1)
            ON CONFLICT (service_id, grain_id, reminder_name)
            DO UPDATE SET grain_hash = excluded.grain_hash, start_at = excluded.start_at, period = excluded.period, version = version + 1
            RETURNING version
            """);
        command.Parameters.AddWithValue("$grain", entry.GrainId.ToString());
        command.Parameters.AddWithValue("$name", entry.ReminderName);
        command.Parameters.AddWithValue("$hash", (long)entry.GrainId.GetUniformHashCode());
        command.Parameters.AddWithValue("$start", entry.StartAt.ToUniversalTime().Ticks);
        command.Parameters.AddWithValue("$period", entry.Period.Ticks);
        long version = (long)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
        return Etag(version);
    }

    /// <inheritdoc/>
    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        if (!long.TryParse(eTag, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long version))
        {
            return false;
        }

        await using SqliteConnection connection = await _database.OpenConnectionAsync().ConfigureAwait(false);
        await using SqliteCommand command = Command(connection,
            "DELETE FROM secagg_reminder WHERE service_id = $service AND grain_id = $grain AND reminder_name = $name AND version = $version");
        command.Parameters.AddWithValue("$grain", grainId.ToString());
        command.Parameters.AddWithValue("$name", reminderName);
        command.Parameters.AddWithValue("$version", version);
        return await command.ExecuteNonQueryAsync().ConfigureAwait(false) == 1;
    }

    /// <inheritdoc/>
    public async Task TestOnlyClearTable()
    {
        await using SqliteConnection connection = await _database.OpenConnectionAsync().ConfigureAwait(false);
        await using SqliteCommand command = Command(connection, "DELETE FROM secagg_reminder WHERE service_id = $service");
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private async Task<ReminderTableData> ReadAsync(string sql, Action<SqliteCommand> bind)
    {
        await using SqliteConnection connection = await _database.OpenConnectionAsync().ConfigureAwait(false);
        await using SqliteCommand command = Command(connection, sql);
        bind(command);
        var entries = new List<ReminderEntry>();
        await using SqliteDataReader reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
                Period = TimeSpan.FromTicks(reader.GetInt64(3)),
                ETag = Etag(reader.GetInt64(4)),
            });
        }

        return new ReminderTableData(entries);
    }

    private SqliteCommand Command(SqliteConnection connection, string sql)
    {
        SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$service", _serviceId);
        return command;
    }

    private static string Etag(long version) => version.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
