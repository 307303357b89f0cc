namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>
/// An Orleans reminder table outside every silo of an in-process test cluster (stands in for the PostgreSQL reminder
/// table): a killed silo's reminders are fired by the survivors, as with a database. Orleans' own in-memory table lives in
/// a grain on one silo and dies with it.
/// </summary>
internal sealed class SharedReminderTable : IReminderTable
{
    private readonly Dictionary<(GrainId Grain, string Name), ReminderEntry> _rows = [];

    public Task<ReminderTableData> ReadRows(GrainId grainId) => Read(e => e.GrainId == grainId);

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => Read(e =>
    {
        // Orleans' ring range (begin, end], wrapping when begin >= end.
        uint hash = e.GrainId.GetUniformHashCode();
        return begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;
    });

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        lock (_rows)
        {
            return Task.FromResult(_rows.TryGetValue((grainId, reminderName), out ReminderEntry? e) ? Copy(e) : null);
        }
    }

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_rows)
        {
            ReminderEntry row = Copy(entry);
            row.ETag = Guid.NewGuid().ToString("N");
            _rows[(entry.GrainId, entry.ReminderName)] = row;
            return Task.FromResult<string?>(row.ETag);
        }
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        lock (_rows)
        {
            return Task.FromResult(_rows.TryGetValue((grainId, reminderName), out ReminderEntry? e) && e.ETag == eTag && _rows.Remove((grainId, reminderName)));
        }
    }

    public Task TestOnlyClearTable()
    {
        lock (_rows)
        {
            _rows.Clear();
        }

        return Task.CompletedTask;
    }

    private Task<ReminderTableData> Read(Func<ReminderEntry, bool> which)
    {
        lock (_rows)
        {
            return Task.FromResult(new ReminderTableData(_rows.Values.Where(which).Select(Copy).ToList()));
        }
    }

    private static ReminderEntry Copy(ReminderEntry e) =>
        new() { GrainId = e.GrainId, ReminderName = e.ReminderName, StartAt = e.StartAt, Period = e.Period, ETag = e.ETag };
}
