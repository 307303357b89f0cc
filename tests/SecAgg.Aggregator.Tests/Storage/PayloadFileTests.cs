using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;
using SecAgg.Aggregator.Tests.Support;

namespace SecAgg.Aggregator.Tests.Storage;

/// <summary>
/// Ciphertext payloads as files (SQLite's default, PostgreSQL with a data directory) and as database blobs: group
/// counts, what a lost or damaged file does, and that no file outlives the row that refers to it.
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
    public async Task GroupCountTakesTheCompleteUploadsTogetherAndLeavesOutTheIncompleteOne(string layout)
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

        var outcomes = await h.Store.CountUploadsAsync(1, ["b", "c", "d", "a"], (r, who) => h.Lifecycle.CountUpload(r, who, h.Time.GetUtcNow()));
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
        var c = h.MakeUpload(1, "c");
        await h.SendAsync(1, "a", a);
        await h.SendAsync(1, "b", b);
        await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "c", 0, c[0]));

        // Counted uploads keep their staged chunks (their bytes until the sum is sealed); no sum is written before.
        string round = Path.Combine(h.Factory.DataDirectory!, "round-1");
        string staged = Path.Combine(round, "staged");
        Assert.Empty(Directory.GetFiles(round));
        Assert.Equal(7, Directory.GetFiles(staged).Length);

        await h.AssertSumIsAsync(1, a, b);
        Assert.Equal(["sum.0.2", "sum.1.2", "sum.2.2"], SumFiles(round));
        Assert.Single(Directory.GetFiles(staged)); // c's chunk 0 only

        await h.Accumulator.RestartUploadAsync(1, "c");
        Assert.Empty(Directory.GetFiles(staged));
        await h.SendAsync(1, "c", c);
        await h.AssertSumIsAsync(1, a, b, c);
        Assert.Equal(["sum.0.3", "sum.1.3", "sum.2.3"], SumFiles(round)); // the version of two uploads is gone
        Assert.Empty(Directory.GetFiles(staged));
    }

    [Theory, MemberData(nameof(FileLayouts))]
    public async Task CountedUploadLostInAPowerCutBeforeTheSealNoLongerCountsAndMayBeSentAgain(string layout)
    {
        await using var h = await Harness.CreateAsync(layout);
        await h.OpenRoundAsync();
        var a = h.MakeUpload(1, "a");
        var b = h.MakeUpload(1, "b");
        await h.SendAsync(1, "a", a);
        Assert.True((await h.SendAsync(1, "b", b)).Counted);

        // A power cut lost b's chunk 2 (staged chunks are not fsynced; the sum is written only when collection closes).
        string staged = Path.Combine(h.Factory.DataDirectory!, "round-1", "staged");
        File.Delete(Directory.GetFiles(staged).Single(f => Path.GetFileName(f).StartsWith("b.2.", StringComparison.Ordinal)));
        await h.RestartAsync();

        var round = await h.Store.GetRoundAsync(1);
        Assert.Equal(["a"], round!.Contributors.ToArray());
        var progress = await h.Accumulator.GetProgressAsync(1, "b");
        Assert.False(progress.Counted);
        Assert.Equal(2, progress.NextChunkIndex);
        Assert.True((await h.SendAsync(1, "b", b, from: 2)).Counted);
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
        Assert.Equal(1, await h.Accumulator.SealAsync(1));
        string sum = Directory.GetFiles(Path.Combine(h.Factory.DataDirectory!, "round-1"), "sum.1.1.*").Single();
        byte[] bytes = File.ReadAllBytes(sum);
        bytes[5] ^= 1;
        File.WriteAllBytes(sum, bytes);

        var e = await Assert.ThrowsAsync<StoreCorruptException>(() => h.Store.ReadSumChunkAsync(1, 1));
        Assert.Contains("sum.1.1", e.Message, StringComparison.Ordinal);
        Assert.Contains("missing or damaged", e.Message, StringComparison.Ordinal);

        // Adding to it is refused whenever it is read: when the next upload is folded and when the sum is sealed.
        var b = h.MakeUpload(1, "b");
        await Assert.ThrowsAsync<StoreCorruptException>(() => h.SendAsync(1, "b", b));
        await Assert.ThrowsAsync<StoreCorruptException>(() => h.Accumulator.SealAsync(1));
        Assert.Equal(File.ReadAllBytes(sum), bytes);
    }

    private static string[] SumFiles(string roundDirectory) =>
        [.. Directory.GetFiles(roundDirectory).Select(f => Path.GetFileName(f)![..7]).Order(StringComparer.Ordinal)];
}
