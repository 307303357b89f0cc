using System.Collections.Concurrent;
using Orleans.Configuration;
using Orleans.TestingHost;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Storage;
using SecAgg.Aggregator.Cluster.Tests.Support;

namespace SecAgg.Aggregator.Cluster.Tests.Embedded;

/// <summary>
/// The one-machine node's reminders live in its SQLite file: rows keep their ETag discipline (an upsert bumps it, a
/// removal needs the current one), ranges of the grain hash ring are read as Orleans asks, and a reminder registered
/// before the only silo died fires on the silo started next on the same file, with nobody calling the grain.
/// </summary>
public sealed class SqliteReminderTableTests : IDisposable
{
    private const string Service = "test-consortium";
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task ARowIsReadBackAfterTheFileIsReopenedAndRemovedOnlyWithItsCurrentEtag()
    {
        GrainId grain = GrainId.Create("round", "1");
        var start = new DateTime(2026, 12, 6, 8, 0, 0, DateTimeKind.Utc);
        string? first, second;
        using (SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path))
        {
            var table = new SqliteReminderTable(db, Service);
            first = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "drive", StartAt = start, Period = TimeSpan.FromMinutes(1) });
            second = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "drive", StartAt = start, Period = TimeSpan.FromSeconds(30) });
            Assert.Equal("1", first);
            Assert.Equal("2", second);
        }

        using SqliteClusterDatabase reopened = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        var again = new SqliteReminderTable(reopened, Service);
        ReminderEntry? row = await again.ReadRow(grain, "drive");
        Assert.NotNull(row);
        Assert.Equal((grain, "drive", start, TimeSpan.FromSeconds(30), "2"), (row.GrainId, row.ReminderName, row.StartAt, row.Period, row.ETag));
        Assert.Null(await again.ReadRow(grain, "other"));
        Assert.Empty((await new SqliteReminderTable(reopened, "another-service").ReadRows(grain)).Reminders);

        Assert.False(await again.RemoveRow(grain, "drive", first!));
        Assert.Single((await again.ReadRows(grain)).Reminders);
        Assert.True(await again.RemoveRow(grain, "drive", second!));
        Assert.Empty((await again.ReadRows(grain)).Reminders);
        Assert.False(await again.RemoveRow(grain, "drive", second!));
    }

    [Fact]
    public async Task ARangeOfTheHashRingHoldsExactlyTheRowsWhoseHashIsInIt()
    {
        using SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        var table = new SqliteReminderTable(db, Service);
        GrainId[] grains = [.. Enumerable.Range(1, 40).Select(i => GrainId.Create("round", i.ToString(System.Globalization.CultureInfo.InvariantCulture)))];
        foreach (GrainId grain in grains)
        {
            await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "drive", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(1) });
        }

        uint[] hashes = [.. grains.Select(g => g.GetUniformHashCode()).Order()];
        uint begin = hashes[9], end = hashes[29];
        Assert.Equal(Expected(begin, end), await Hashes(table.ReadRows(begin, end)));
        Assert.Equal(20, (await table.ReadRows(begin, end)).Reminders.Count);
        // begin >= end wraps around the ring: (begin, max] and [0, end].
        Assert.Equal(Expected(end, begin), await Hashes(table.ReadRows(end, begin)));
        Assert.Equal(20, (await table.ReadRows(end, begin)).Reminders.Count);
        Assert.Equal(40, (await table.ReadRows(begin, begin)).Reminders.Count);

        uint[] Expected(uint from, uint to) =>
            [.. hashes.Where(h => from < to ? h > from && h <= to : h > from || h <= to)];

        static async Task<uint[]> Hashes(Task<ReminderTableData> rows) =>
            [.. (await rows).Reminders.Select(r => r.GrainId.GetUniformHashCode()).Order()];
    }

    [Fact]
    public async Task AReminderRegisteredBeforeTheOnlySiloDiedFiresOnTheSiloStartedNextWithoutACall()
    {
        using SqliteClusterDatabase db = await SqliteClusterDatabase.OpenAsync(_folder.Path);
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureClient(client => client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1)));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseSqliteStorage(db);
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        });
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            long key = Random.Shared.NextInt64();
            await cluster.Client.GetGrain<IReminderProbeGrain>(key).ArmAsync();
            var table = new SqliteReminderTable(db, cluster.Options.ServiceId);
            Assert.Single((await table.ReadRows(0, 0)).Reminders);

            await cluster.KillSiloAsync(Assert.Single(cluster.Silos));
            int before = ReminderProbeGrain.Ticks(key);
            await cluster.StartAdditionalSiloAsync();

            // Nobody calls the grain now: only the reminder, read back from the file, can activate it.
            DateTime until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (ReminderProbeGrain.Ticks(key) <= before && DateTime.UtcNow < until)
            {
                await Task.Delay(200);
            }

            Assert.True(ReminderProbeGrain.Ticks(key) > before, "the reminder registered before the silo died never fired on the silo started next (waited 60 s)");

            // The client may not have found the new silo yet: retried as a front end would.
            await ClusterDriver.RetryAsync(async () =>
            {
                await cluster.Client.GetGrain<IReminderProbeGrain>(key).DisarmAsync();
                return true;
            });
            Assert.Empty((await table.ReadRows(0, 0)).Reminders);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    public void Dispose() => _folder.Dispose();
}

/// <summary>A grain whose reminder counts its ticks in the test process.</summary>
public interface IReminderProbeGrain : IGrainWithIntegerKey
{
    Task ArmAsync();

    Task DisarmAsync();
}

internal sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    private static readonly ConcurrentDictionary<long, int> Counts = new();

    public static int Ticks(long key) => Counts.GetValueOrDefault(key);

    public Task ArmAsync() => this.RegisterOrUpdateReminder("probe", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));

    public async Task DisarmAsync()
    {
        if (await this.GetReminder("probe") is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Counts.AddOrUpdate(this.GetPrimaryKeyLong(), 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }
}
