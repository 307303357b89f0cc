using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Tests.Support;

namespace SecAgg.Aggregator.Tests.Accumulation;

/// <summary>Streaming accumulation on every engine: exactly-once counting and each bad upload refused with its own kind.</summary>
public sealed class UploadAccumulatorTests
{
    public static TheoryData<string> Engines => StoreFactory.Engines;

    private static async Task<UploadRefusal> RefusalOf(Func<Task> action) =>
        (await Assert.ThrowsAsync<UploadRefusedException>(action)).Refusal;

    [Theory, MemberData(nameof(Engines))]
    public async Task EveryUploadIsCountedOnceInTheSum(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var uploads = new[] { "a", "b", "c" }.Select(id => h.MakeUpload(1, id)).ToArray();
        for (int k = 0; k < 3; k++)
        {
            var receipt = await h.SendAsync(1, "abc"[k].ToString(), uploads[k]);
            Assert.True(receipt.Counted);
            Assert.Equal(k + 1, receipt.Summands);
            Assert.Equal(3, receipt.NextChunkIndex);
        }

        await h.AssertSumIsAsync(1, uploads);
        Assert.Equal(RoundStage.Collecting, (await h.Store.GetRoundAsync(1))!.Stage);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task ConcurrentUploadsAreAllCountedExactlyOnce(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var uploads = Harness.Enrolled.ToDictionary(id => id, id => h.MakeUpload(1, id));
        await Task.WhenAll(uploads.Select(kv => Task.Run(() => h.SendAsync(1, kv.Key, kv.Value))));
        await h.AssertSumIsAsync(1, [.. uploads.Values]);
        Assert.Equal(Harness.Enrolled, (await h.Store.GetRoundAsync(1))!.Contributors.ToArray());
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task SecondUploadFromTheSameParticipantIsADuplicate(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var up = h.MakeUpload(1, "a");
        await h.SendAsync(1, "a", up);
        Assert.Equal(UploadRefusal.Duplicate, await RefusalOf(() => h.SendAsync(1, "a", up)));
        Assert.Equal(UploadRefusal.Duplicate, await RefusalOf(() => h.SendAsync(1, "a", h.MakeUpload(1, "b"))));
        Assert.Equal(6, UploadRefusal.Duplicate.GrpcStatusCode());
        await h.AssertSumIsAsync(1, up);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task UploadReplayedFromAnEarlierRoundIsRefused(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var old = h.MakeUpload(1, "a");
        await h.SendAsync(1, "a", old);
        await h.Store.UpdateRoundAsync(1, r => RoundLifecycle.Abort(r, "test", h.Time.GetUtcNow()));
        await h.OpenRoundAsync();
        Assert.Equal(UploadRefusal.Replayed, await RefusalOf(() => h.SendAsync(1, "b", h.MakeUpload(1, "b"))));
        Assert.Equal(UploadRefusal.Replayed, await RefusalOf(() => h.SendAsync(1, "a", old)));
        Assert.Equal(9, UploadRefusal.Replayed.GrpcStatusCode());
        await h.AssertSumIsAsync(2);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task UploadForARoundNotYetOpenIsRefused(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        Assert.Equal(UploadRefusal.NoSuchRound, await RefusalOf(() => h.SendAsync(1, "a", h.MakeUpload(1, "a"))));
        await h.OpenRoundAsync();
        Assert.Equal(UploadRefusal.NoSuchRound, await RefusalOf(() => h.SendAsync(2, "a", h.MakeUpload(2, "a"))));
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task UploadAfterTheCollectDeadlineIsLate(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var up = h.MakeUpload(1, "a");
        await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, up[0]));
        await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 1, up[1]));
        h.Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(UploadRefusal.Late, await RefusalOf(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 2, up[2]))));
        Assert.Equal(4, UploadRefusal.Late.GrpcStatusCode());
        await h.AssertSumIsAsync(1);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task UploadToADecryptingRoundIsLate(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var ups = Harness.Enrolled.Take(5).Select(id => (id, up: h.MakeUpload(1, id))).ToArray();
        foreach (var (id, up) in ups)
        {
            await h.SendAsync(1, id, up);
        }

        h.Time.Advance(TimeSpan.FromMinutes(31));
        await h.BeginDecryptionAsync(1, ["a", "b"], new byte[] { 1 });
        Assert.Equal(UploadRefusal.Late, await RefusalOf(() => h.SendAsync(1, "f", h.MakeUpload(1, "f"))));
        await h.AssertSumIsAsync(1, [.. ups.Select(u => u.up)]);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task WrongParametersAreInvalidArguments(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var up = h.MakeUpload(1, "a");
        var e = await Assert.ThrowsAsync<UploadRefusedException>(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, up[0], digest: [0xBA, 0xD0])));
        Assert.Equal(UploadRefusal.WrongParameters, e.Refusal);
        Assert.Contains("parameter digest mismatch", e.Message, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<UploadRefusedException>(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, up[0], total: 4)));
        Assert.Equal(UploadRefusal.WrongParameters, e.Refusal);
        Assert.Contains("says it has 4 chunks; round 1 expects 3", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, UploadRefusal.WrongParameters.GrpcStatusCode());
        Assert.Empty((await h.Store.GetUploadProgressAsync(1, "a")).HeldChunks);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task MalformedChunksAreRefusedBeforeStaging(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var up = h.MakeUpload(1, "a");
        Assert.Equal(UploadRefusal.Malformed, await RefusalOf(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, up[0][..^8]))));
        var unreduced = (byte[])up[0].Clone();
        BitConverter.TryWriteBytes(unreduced.AsSpan(8), ulong.MaxValue);
        var e = await Assert.ThrowsAsync<UploadRefusedException>(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, unreduced)));
        Assert.Equal(UploadRefusal.Malformed, e.Refusal);
        Assert.Contains("element 1 is not reduced", e.Message, StringComparison.Ordinal);
        Assert.Equal(UploadRefusal.Malformed, await RefusalOf(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 3, up[0]))));
        Assert.Equal(UploadRefusal.Malformed, await RefusalOf(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", -1, up[0]))));
        Assert.Empty((await h.Store.GetUploadProgressAsync(1, "a")).HeldChunks);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task OutOfOrderChunkIsRefusedAndNamesTheNextIndex(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var up = h.MakeUpload(1, "a");
        await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, up[0]));
        var e = await Assert.ThrowsAsync<UploadRefusedException>(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 2, up[2])));
        Assert.Equal(UploadRefusal.OutOfOrder, e.Refusal);
        Assert.Contains("resume from chunk 1", e.Message, StringComparison.Ordinal);
        Assert.Equal([0], (await h.Store.GetUploadProgressAsync(1, "a")).HeldChunks);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task StrangerIsRefused(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        Assert.Equal(UploadRefusal.NotEnrolled, await RefusalOf(() => h.SendAsync(1, "mallory", h.MakeUpload(1, "m"))));
        Assert.Equal(UploadRefusal.NotEnrolled, await RefusalOf(() => h.Accumulator.GetProgressAsync(1, "mallory")));
        Assert.Equal(7, UploadRefusal.NotEnrolled.GrpcStatusCode());
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task ResentChunkIsAcknowledgedAndADifferentOneConflicts(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var up = h.MakeUpload(1, "a");
        Assert.False((await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, up[0]))).AlreadyHeld);
        var again = await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, up[0]));
        Assert.True(again.AlreadyHeld);
        Assert.Equal(1, again.NextChunkIndex);
        Assert.Equal(UploadRefusal.ConflictingChunk, await RefusalOf(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, up[1]))));
        await h.SendAsync(1, "a", up, from: 1);
        await h.AssertSumIsAsync(1, up);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task BrokenStreamResumesFromTheHeldChunksAfterARestart(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var up = h.MakeUpload(1, "a");
        await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, up[0]));
        await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 1, up[1]));
        await h.RestartAsync();
        var progress = await h.Accumulator.GetProgressAsync(1, "a");
        Assert.Equal(2, progress.NextChunkIndex);
        Assert.False(progress.Counted);
        var receipt = await h.SendAsync(1, "a", up, from: progress.NextChunkIndex);
        Assert.True(receipt.Counted);
        await h.AssertSumIsAsync(1, up);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task RestartedUploadReplacesTheStagedChunks(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var first = h.MakeUpload(1, "a");
        var second = h.MakeUpload(1, "b");
        await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, first[0]));
        await h.Accumulator.RestartUploadAsync(1, "a");
        Assert.Equal(0, (await h.Accumulator.GetProgressAsync(1, "a")).NextChunkIndex);
        await h.SendAsync(1, "a", second);
        await h.AssertSumIsAsync(1, second);
        Assert.Equal(UploadRefusal.Duplicate, await RefusalOf(() => h.Accumulator.RestartUploadAsync(1, "a")));
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task RefusalsLeaveTheRoundUnaffected(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var a = h.MakeUpload(1, "a");
        await h.SendAsync(1, "a", a);
        var before = await h.Store.GetRoundAsync(1);
        await RefusalOf(() => h.SendAsync(1, "a", a));
        await RefusalOf(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "b", 1, a[1])));
        await RefusalOf(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "b", 0, a[0], digest: [1])));
        await RefusalOf(() => h.SendAsync(7, "b", a));
        Assert.Equal(before, await h.Store.GetRoundAsync(1), RoundStateComparer.Instance);
        await h.AssertSumIsAsync(1, a);
        var b = h.MakeUpload(1, "b");
        await h.SendAsync(1, "b", b);
        await h.AssertSumIsAsync(1, a, b);
    }

    [Fact]
    public void EveryRefusalHasAGrpcStatus()
    {
        foreach (var r in Enum.GetValues<UploadRefusal>())
        {
            Assert.InRange(r.GrpcStatusCode(), 1, 16);
        }

        Assert.Equal(9, UploadRefusal.OutOfOrder.GrpcStatusCode());
        Assert.Equal(6, UploadRefusal.ConflictingChunk.GrpcStatusCode());
        Assert.Equal(3, UploadRefusal.Malformed.GrpcStatusCode());
    }
}

/// <summary>Compares round snapshots by value (immutable arrays compare by reference otherwise).</summary>
internal sealed class RoundStateComparer : IEqualityComparer<RoundState?>
{
    public static readonly RoundStateComparer Instance = new();

    public bool Equals(RoundState? x, RoundState? y) => x is null || y is null
        ? x is null && y is null
        : SecAgg.Aggregator.Storage.Internal.RoundStateJson.Serialize(x) == SecAgg.Aggregator.Storage.Internal.RoundStateJson.Serialize(y);

    public int GetHashCode(RoundState? obj) => 0;
}
