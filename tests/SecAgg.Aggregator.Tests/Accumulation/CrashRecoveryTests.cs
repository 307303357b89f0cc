using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Tests.Support;

namespace SecAgg.Aggregator.Tests.Accumulation;

/// <summary>
/// A simulated crash at every step of accepting an upload and of publishing: the store's fault hook throws at the
/// step (abandoning the open transaction, as a killed process would), the store is reopened as after a restart,
/// and the round must hold every accepted upload exactly once.
/// </summary>
public sealed class CrashRecoveryTests
{
    private sealed class SimulatedCrash(string step) : Exception($"simulated crash at {step}");

    /// <summary>Every step the store reports while the last chunk of an upload arrives, is counted and folded (3 chunks).</summary>
    public static readonly string[] LastChunkSteps =
    [
        "stage.before-insert", "stage.before-commit", "stage.after-commit",
        "count.begin", "count.recorded", "count.before-commit", "count.after-commit",
        "read.staged:0", "read.staged:1", "read.staged:2",
    ];

    /// <summary>Every step of sealing a round's sum (3 chunks) whose running sum is in memory.</summary>
    public static readonly string[] SealSteps =
    [
        "seal.begin", "seal.sum-written:0", "seal.sum-written:1", "seal.sum-written:2", "seal.before-commit", "seal.after-commit",
    ];

    public static TheoryData<string, string> EnginesAndSteps
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var row in (IEnumerable<object[]>)StoreFactory.Engines)
            {
                foreach (string step in LastChunkSteps)
                {
                    data.Add((string)row[0], step);
                }
            }

            return data;
        }
    }

    /// <summary>The seal's steps on a payload layout: with blobs in the database there are no sum files to write.</summary>
    private static IEnumerable<string> SealStepsOf(string layout) =>
        layout is "sqlite" or "postgres+files" ? SealSteps : SealSteps.Where(s => !s.StartsWith("seal.sum-written", StringComparison.Ordinal));

    public static TheoryData<string, string> EnginesAndSealSteps
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var row in (IEnumerable<object[]>)StoreFactory.PayloadLayouts)
            {
                string layout = (string)row[0];
                foreach (string step in SealStepsOf(layout).Append("read.staged:1"))
                {
                    data.Add(layout, step);
                }
            }

            return data;
        }
    }

    public static TheoryData<string> Engines => StoreFactory.Engines;

    private static Action<string> CrashAt(string step) => s =>
    {
        if (s == step)
        {
            throw new SimulatedCrash(s);
        }
    };

    [Theory, MemberData(nameof(Engines))]
    public async Task TheStepListCoversEveryStepOfTheLastChunk(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var up = h.MakeUpload(1, "a");
        await h.SendAsync(1, "a", up, until: 2);
        var seen = new List<string>();
        await h.RestartAsync(seen.Add);
        await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 2, up[2]));
        Assert.Equal(LastChunkSteps, seen);
    }

    [Theory, MemberData(nameof(EnginesAndSteps))]
    public async Task CrashAtAnyStepOfAnUploadLosesNothingAndCountsNothingTwice(string engine, string step)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var a = h.MakeUpload(1, "a");
        var b = h.MakeUpload(1, "b");
        await h.SendAsync(1, "a", a);
        await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "b", 0, b[0]));
        await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "b", 1, b[1]));

        await h.RestartAsync(CrashAt(step));
        await Assert.ThrowsAsync<SimulatedCrash>(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "b", 2, b[2])));

        // Restart: recover what was staged completely, then b resumes from what the aggregator says it holds.
        await h.RestartAsync();
        await h.Accumulator.RecoverAsync();
        var progress = await h.Accumulator.GetProgressAsync(1, "b");
        if (!progress.Counted)
        {
            Assert.True((await h.SendAsync(1, "b", b, from: progress.NextChunkIndex)).Counted);
        }

        // A client unsure whether it got through and sending everything again changes nothing.
        var e = await Assert.ThrowsAsync<UploadRefusedException>(() => h.SendAsync(1, "b", b));
        Assert.Equal(UploadRefusal.Duplicate, e.Refusal);
        await h.AssertSumIsAsync(1, a, b);
        Assert.Empty(await h.Store.GetParticipantsWithStagedChunksAsync(1));
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task TheStepListCoversEveryStepOfTheSeal(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        await h.SendAsync(1, "a", h.MakeUpload(1, "a"));
        await h.SendAsync(1, "b", h.MakeUpload(1, "b"));
        var seen = new List<string>();
        ((SecAgg.Aggregator.Storage.SqlAggregatorStore)h.Store).FaultHook = seen.Add;
        await h.Accumulator.SealAsync(1);
        Assert.Equal(SealStepsOf(engine), seen);
    }

    [Theory, MemberData(nameof(EnginesAndSealSteps))]
    public async Task CrashAtAnyStepOfTheSealLosesNothingAndCountsNothingTwice(string layout, string step)
    {
        await using var h = await Harness.CreateAsync(layout);
        await h.OpenRoundAsync();
        var a = h.MakeUpload(1, "a");
        var b = h.MakeUpload(1, "b");
        var c = h.MakeUpload(1, "c");
        await h.SendAsync(1, "a", a);
        await h.SendAsync(1, "b", b);

        // After a restart the running sum is rebuilt from the staged chunks (read.staged), then sealed.
        await h.RestartAsync(CrashAt(step));
        await Assert.ThrowsAsync<SimulatedCrash>(() => h.Accumulator.SealAsync(1));
        await h.RestartAsync();
        await h.Accumulator.RecoverAsync();
        await h.SendAsync(1, "c", c);
        await h.AssertSumIsAsync(1, a, b, c);
        if (h.Factory.DataDirectory is { } data)
        {
            await h.RestartAsync(); // the file maintenance at open removes what the crash left behind
            Assert.Empty(Directory.GetFiles(Path.Combine(data, "round-1", "staged")));
            Assert.Equal(3, Directory.GetFiles(Path.Combine(data, "round-1"), "sum.*").Length);
        }
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task CompleteStagedUploadIsCountedAtStartUp(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var b = h.MakeUpload(1, "b");
        await h.SendAsync(1, "b", b, until: 2);
        await h.RestartAsync(CrashAt("count.begin"));
        await Assert.ThrowsAsync<SimulatedCrash>(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "b", 2, b[2])));
        await h.RestartAsync();
        Assert.Equal(1, await h.Accumulator.RecoverAsync());
        Assert.Equal(0, await h.Accumulator.RecoverAsync());
        await h.AssertSumIsAsync(1, b);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task StagedUploadIsNotCountedAfterTheDeadlineEvenAtStartUp(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var b = h.MakeUpload(1, "b");
        await h.SendAsync(1, "b", b, until: 2);
        await h.RestartAsync(CrashAt("count.begin"));
        await Assert.ThrowsAsync<SimulatedCrash>(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "b", 2, b[2])));
        h.Time.Advance(TimeSpan.FromHours(1));
        await h.RestartAsync();
        Assert.Equal(0, await h.Accumulator.RecoverAsync());
        await h.AssertSumIsAsync(1);
    }

    public static TheoryData<string, string> EnginesAndPublishSteps
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var row in (IEnumerable<object[]>)StoreFactory.Engines)
            {
                data.Add((string)row[0], "update.before-write");
                data.Add((string)row[0], "update.before-commit");
            }

            return data;
        }
    }

    [Theory, MemberData(nameof(EnginesAndPublishSteps))]
    public async Task CrashWhilePublishingLeavesTheRoundDecryptingAndTheLedgerUncharged(string engine, string step)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        await h.SendAsync(1, "a", h.MakeUpload(1, "a"));
        await h.SendAsync(1, "b", h.MakeUpload(1, "b"));
        h.Time.Advance(TimeSpan.FromMinutes(30));
        await h.BeginDecryptionAsync(1, ["a", "b"], new byte[] { 5 });
        foreach (string m in new[] { "a", "b" })
        {
            await h.Coordinator.ReceiveShareAsync(1, m);
        }

        await h.RestartAsync(CrashAt(step));
        await Assert.ThrowsAsync<SimulatedCrash>(() => h.Coordinator.PublishAsync(1, 2));
        await h.RestartAsync();
        Assert.Equal(RoundStage.Decrypting, (await h.Store.GetRoundAsync(1))!.Stage);
        Assert.Empty(await h.Store.GetLedgerAsync());

        var published = await h.Coordinator.PublishAsync(1, 2);
        Assert.Equal(RoundStage.Published, published.Stage);
        var entry = Assert.Single(await h.Store.GetLedgerAsync());
        Assert.Equal(2, entry.Summands);
        await Assert.ThrowsAsync<RoundStateException>(() => h.Coordinator.PublishAsync(1, 2));
        Assert.Single(await h.Store.GetLedgerAsync());
    }
}
