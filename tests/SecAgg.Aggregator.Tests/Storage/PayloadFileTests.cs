using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;
using SecAgg.Aggregator.Tests.Support;

namespace SecAgg.Aggregator.Tests.Storage;

/// <summary>
/// Ciphertext payloads as files (SQLite's default, PostgreSQL with a data directory) and as database blobs: group
/// folds, what a lost or damaged file does, and that no file outlives the row that refers to it.
/// </summary>
public sealed class PayloadFileTests
{
    public static TheoryData<string> Layouts => StoreFactory.PayloadLayouts;

    public static TheoryData<string> FileLayouts
    {
        get
        {
            var data = new TheoryData<string> { "sqlite" };
            if (StoreFactory.PostgresConnectionString is not null)
            {
                data.Add("postgres+files");
            }

            return data;
        }
    }

    [Theory, MemberData(nameof(Layouts))]
    public async Task GroupFoldCountsTheCompleteUploadsTogetherAndLeavesOutTheIncompleteOne(string layout)
    {
        await using var h = await Harness.CreateAsync(layout);
        await h.OpenRoundAsync();
        var a = h.MakeUpload(1, "a");
        var b = h.MakeUpload(1, "b");
        var c = h.MakeUpload(1, "c");
        var d = h.MakeUpload(1, "d");
        await h.SendAsync(1, "a", a);
        foreach (var (who, up, until) in new[] { ("b", b, 3), ("c", c, 2), ("d", d, 3) })
        {
            for (int i = 0; i < until; i++)
            {
                await h.Store.StageChunkAsync(Harness.Chunk(1, who, i, up[i]));
            }
        }

        var outcomes = await h.Store.FoldUploadsAsync(1, ["b", "c", "d", "a"], h.Adder, (r, who) => h.Lifecycle.CountUpload(r, who, h.Time.GetUtcNow()));
        Assert.Equal(["b", "c", "d", "a"], outcomes.Select(o => o.ParticipantId));
        Assert.Null(outcomes[0].Error);
        Assert.IsType<InvalidOperationException>(outcomes[1].Error);
        Assert.Null(outcomes[2].Error);
        Assert.Equal(RoundError.Duplicate, Assert.IsType<RoundStateException>(outcomes[3].Error).Error);
        Assert.Equal(3, outcomes[2].Round!.Summands);
        await h.AssertSumIsAsync(1, a, b, d);
        Assert.Equal(2, (await h.Store.GetUploadProgressAsync(1, "c")).NextChunkIndex); // c keeps what it staged
    }

    [Theory, MemberData(nameof(FileLayouts))]
    public async Task NoPayloadFileOutlivesTheRowThatNamesIt(string layout)
    {
        await using var h = await Harness.CreateAsync(layout);
        await h.OpenRoundAsync();
        var a = h.MakeUpload(1, "a");
        var b = h.MakeUpload(1, "b");
        await h.SendAsync(1, "a", a);
        await h.SendAsync(1, "b", b);
        await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "c", 0, h.MakeUpload(1, "c")[0]));

        string round = Path.Combine(h.Factory.DataDirectory!, "round-1");
        Assert.Equal(["sum.0.2", "sum.1.2", "sum.2.2"], Directory.GetFiles(round).Select(f => Path.GetFileName(f)![..7]).Order(StringComparer.Ordinal));
        Assert.Single(Directory.GetFiles(Path.Combine(round, "staged"))); // c's chunk 0 only

        await h.Accumulator.RestartUploadAsync(1, "c");
        Assert.Empty(Directory.GetFiles(Path.Combine(round, "staged")));
        await h.AssertSumIsAsync(1, a, b);
    }

    [Theory, MemberData(nameof(FileLayouts))]
    public async Task StagedChunkLostInAPowerCutIsDroppedAndTheUploadResumesFromIt(string layout)
    {
        await using var h = await Harness.CreateAsync(layout);
        await h.OpenRoundAsync();
        var a = h.MakeUpload(1, "a");
        await h.SendAsync(1, "a", a, until: 3 - 1);

        // A power cut lost chunk 1's file (staged chunks are not fsynced): it is found at the next open.
        string staged = Path.Combine(h.Factory.DataDirectory!, "round-1", "staged");
        string lost = Directory.GetFiles(staged).Single(f => Path.GetFileName(f).StartsWith("a.1.", StringComparison.Ordinal));
        File.WriteAllBytes(lost, new byte[new FileInfo(lost).Length]); // same size, zeros: only the hash tells
        await h.RestartAsync();

        Assert.Equal(1, (await h.Accumulator.GetProgressAsync(1, "a")).NextChunkIndex);
        await h.SendAsync(1, "a", a, from: 1);
        await h.AssertSumIsAsync(1, a);
    }

    [Theory, MemberData(nameof(FileLayouts))]
    public async Task StagedChunkLostWhileRunningIsRefusedWithTheIndexToResumeFrom(string layout)
    {
        await using var h = await Harness.CreateAsync(layout);
        await h.OpenRoundAsync();
        var a = h.MakeUpload(1, "a");
        await h.SendAsync(1, "a", a, until: 2);
        string staged = Path.Combine(h.Factory.DataDirectory!, "round-1", "staged");
        File.Delete(Directory.GetFiles(staged).Single(f => Path.GetFileName(f).StartsWith("a.0.", StringComparison.Ordinal)));

        var e = await Assert.ThrowsAsync<SecAgg.Aggregator.Accumulation.UploadRefusedException>(() => h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "a", 2, a[2])));
        Assert.Equal(SecAgg.Aggregator.Accumulation.UploadRefusal.OutOfOrder, e.Refusal);
        Assert.Contains("resume the upload from chunk 0", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await h.Accumulator.GetProgressAsync(1, "a")).NextChunkIndex);
        await h.SendAsync(1, "a", a);
        await h.AssertSumIsAsync(1, a);
    }

    [Theory, MemberData(nameof(FileLayouts))]
    public async Task DamagedSumFileIsReportedNeverUsed(string layout)
    {
        await using var h = await Harness.CreateAsync(layout);
        await h.OpenRoundAsync();
        await h.SendAsync(1, "a", h.MakeUpload(1, "a"));
        string sum = Directory.GetFiles(Path.Combine(h.Factory.DataDirectory!, "round-1"), "sum.1.1.*").Single();
        byte[] bytes = File.ReadAllBytes(sum);
        bytes[5] ^= 1;
        File.WriteAllBytes(sum, bytes);

        var e = await Assert.ThrowsAsync<StoreCorruptException>(() => h.Store.ReadSumChunkAsync(1, 1));
        Assert.Contains("sum.1.1", e.Message, StringComparison.Ordinal);
        Assert.Contains("missing or damaged", e.Message, StringComparison.Ordinal);
        var b = h.MakeUpload(1, "b");
        await Assert.ThrowsAsync<StoreCorruptException>(() => h.SendAsync(1, "b", b));
    }
}
