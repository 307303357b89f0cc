using System.Diagnostics;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Tests.Support;

namespace SecAgg.Aggregator.Tests.Accumulation;

/// <summary>
/// A real crash: a child process (CrashChild) accepts uploads into the store, folds them into its running sum in
/// memory and seals the sum at the end, and SIGKILLs itself at a chosen point (mid-staging, mid-fold, just before and
/// just after a count's commit, mid-seal, just before and after the seal's commit). Each restart recovers (the running
/// sum is rebuilt from the staged chunks of the counted uploads) and the participants resume from what the store holds.
/// At the end every upload is in the durable sum exactly once.
/// </summary>
public sealed class KillNineTests
{
    private const int Chunks = 4;
    private const int Elements = 1024; // 8 KiB per chunk
    private static readonly string[] Ids = [.. Enumerable.Range(0, 6).Select(i => $"site-{i}")];

    /// <summary>Where successive runs die: the N-th time the store reaches the step in that run.</summary>
    private static readonly string[] KillPoints =
    [
        "stage.before-commit#3",   // inside a staging transaction
        "read.staged:1#1",         // counted, half-way through adding the upload into the running sum
        "count.before-commit#1",   // counted records and round state written, not committed
        "count.after-commit#1",    // committed, before the participant hears of it
        "seal.sum-written:1#1",    // every upload in; half the durable sum's files written
        "seal.before-commit#1",    // the whole sum on disk, not recorded
        "seal.after-commit#1",     // recorded, the staged chunks not deleted yet
    ];

    public static TheoryData<string> Engines => StoreFactory.Engines;

    [Theory, MemberData(nameof(Engines))]
    public async Task KilledAggregatorLosesNoUploadAndCountsNoneTwice(string engine)
    {
        await using var factory = await StoreFactory.CreateAsync(engine);
        await using (var store = await factory.OpenAsync())
        {
            var lifecycle = new RoundLifecycle(new RoundPolicy(Ids, 2, 2, TimeSpan.FromHours(1), TimeSpan.FromHours(1)));
            await store.InsertRoundAsync(lifecycle.Open(null, DateTimeOffset.UtcNow, Harness.Digest, Chunks));
        }

        var countedBeforeKills = new HashSet<string>();
        // With payloads in the database (PostgreSQL's default) there are no sum files to write.
        foreach (string killPoint in KillPoints.Where(k => factory.DataDirectory is not null || !k.StartsWith("seal.sum-written", StringComparison.Ordinal)))
        {
            var (finished, counted) = await RunChildAsync(engine, factory.Location, killPoint);
            Assert.False(finished, $"the child finished instead of dying at {killPoint}");
            countedBeforeKills.UnionWith(counted);
        }

        var (done, _) = await RunChildAsync(engine, factory.Location, killPoint: null);
        Assert.True(done);

        await using var reopened = await factory.OpenAsync();
        var round = await reopened.GetRoundAsync(1);
        Assert.Equal(Ids.Order(StringComparer.Ordinal), round!.Contributors.ToArray());
        Assert.Superset(countedBeforeKills, round.Contributors.ToHashSet());
        var adder = new PrimeFieldChunkAdder(Elements);
        var uploads = Ids.Select(id => adder.MakeUpload(1, id, Chunks)).ToArray();
        for (int i = 0; i < Chunks; i++)
        {
            var sum = await reopened.ReadSumChunkAsync(1, i);
            Assert.Equal(Ids.Length, sum!.Value.Summands);
            Assert.Equal(adder.ReferenceSum(uploads.Select(u => u[i])), sum.Value.Sum);
        }

        Assert.Empty(await reopened.GetParticipantsWithStagedChunksAsync(1));
        Assert.Empty((await reopened.GetSumContentsAsync(1)).Pending);
        if (factory.DataDirectory is { } data)
        {
            Assert.Empty(Directory.GetFiles(Path.Combine(data, "round-1", "staged"))); // removed by the seal, or at the last open
            Assert.Equal(Chunks, Directory.GetFiles(Path.Combine(data, "round-1"), "sum.*").Length);
        }
    }

    /// <summary>Runs the child until it dies or finishes; returns whether it finished and the uploads it reported counted.</summary>
    private static async Task<(bool Finished, List<string> Counted)> RunChildAsync(string engine, string location, string? killPoint)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string child = Path.Combine(AppContext.BaseDirectory, "SecAgg.Aggregator.CrashChild.dll");
        foreach (string? a in new[] { child, engine, location, "1", Chunks.ToString(), Elements.ToString(), string.Join(',', Ids), killPoint })
        {
            if (a is not null)
            {
                psi.ArgumentList.Add(a);
            }
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        string[] lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        bool finished = lines.Contains("done");
        if (finished)
        {
            Assert.Equal(0, p.ExitCode);
        }
        else
        {
            Assert.True(p.ExitCode == 137, $"the child should have died of SIGKILL (exit 137), got {p.ExitCode}: {await stderr}");
        }

        return (finished, [.. lines.Where(l => l.StartsWith("counted ", StringComparison.Ordinal)).Select(l => l["counted ".Length..])]);
    }
}
