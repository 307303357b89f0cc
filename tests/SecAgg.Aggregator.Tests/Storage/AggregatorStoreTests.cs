using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;
using SecAgg.Aggregator.Tests.Support;

namespace SecAgg.Aggregator.Tests.Storage;

/// <summary>The store contract, on every engine (SQLite always; PostgreSQL when SECAGG_TEST_POSTGRES is set).</summary>
public sealed class AggregatorStoreTests
{
    public static TheoryData<string> Engines => StoreFactory.Engines;

    [Fact]
    public void PostgresIsConfiguredForTheSharedSuite()
    {
        // Visible reminder: without SECAGG_TEST_POSTGRES the suite below runs on SQLite only.
        if (StoreFactory.PostgresConnectionString is null)
        {
            Assert.DoesNotContain("postgres", ((IEnumerable<object[]>)Engines).Select(row => (string)row[0]));
        }
        else
        {
            Assert.Contains("postgres", ((IEnumerable<object[]>)Engines).Select(row => (string)row[0]));
        }
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task MigrationReachesTheLatestVersionAndIsIdempotent(string engine)
    {
        await using var f = await StoreFactory.CreateAsync(engine);
        await using (var s = await f.OpenAsync())
        {
            Assert.Equal(3, await s.GetSchemaVersionAsync());
        }

        await using var again = await f.OpenAsync();
        Assert.Equal(3, await again.GetSchemaVersionAsync());
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task SchemaFromANewerAggregatorIsRefused(string engine)
    {
        await using var f = await StoreFactory.CreateAsync(engine);
        await (await f.OpenAsync()).DisposeAsync();
        await f.ExecuteRawAsync("INSERT INTO schema_version (version, description, applied_at) VALUES (4, 'future', 'now')");
        var e = await Assert.ThrowsAsync<StoreSchemaException>(() => f.OpenAsync());
        Assert.Contains("version 4, newer than this aggregator's 3", e.Message, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task RoundInProgressContinuesAfterTheUpgradeFromVersionTwo(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var a = h.MakeUpload(1, "a");
        var b = h.MakeUpload(1, "b");
        var c = h.MakeUpload(1, "c");
        await h.SendAsync(1, "a", a);
        await h.SendAsync(1, "b", b);
        await h.AssertSumIsAsync(1, a, b);

        // Version 2 added every counted upload into the sums as it counted: the layout a seal leaves, without the column.
        await h.Store.DisposeAsync();
        await h.Factory.ExecuteRawAsync("ALTER TABLE counted_uploads DROP COLUMN sealed");
        await h.Factory.ExecuteRawAsync("DELETE FROM schema_version WHERE version = 3");
        await h.RestartAsync();

        Assert.Equal(3, await h.Store.GetSchemaVersionAsync());
        Assert.Equal(new SumContents(1, 3, 2, []), await h.Store.GetSumContentsAsync(1), SumContentsComparer.Instance);
        await h.SendAsync(1, "c", c);
        await h.AssertSumIsAsync(1, a, b, c);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task RoundsRoundTripThroughTheStore(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        Assert.Null(await h.Store.GetLatestRoundAsync());
        var r1 = await h.OpenRoundAsync();
        var read = await h.Store.GetRoundAsync(1);
        Assert.NotNull(read);
        Assert.Equal(r1.CollectDeadline, read.CollectDeadline);
        Assert.Equal(Harness.Digest, read.ParameterDigest.ToArray());
        Assert.Equal(RoundStage.Open, read.Stage);
        Assert.Equal(1, (await h.Store.GetLatestRoundAsync())!.Number);
        Assert.Single(await h.Store.GetUnfinishedRoundsAsync());
        await Assert.ThrowsAsync<StoreConflictException>(() => h.Store.InsertRoundAsync(r1));

        var aborted = await h.Store.UpdateRoundAsync(1, r => RoundLifecycle.Abort(r, "operator stopped it", h.Time.GetUtcNow()));
        Assert.Equal(RoundStage.Aborted, aborted.Stage);
        Assert.Equal("operator stopped it", (await h.Store.GetRoundAsync(1))!.AbortReason);
        Assert.Empty(await h.Store.GetUnfinishedRoundsAsync());
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task RefusedTransitionLeavesTheRoundAsItWas(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var e = await Assert.ThrowsAsync<RoundStateException>(() => h.Store.UpdateRoundAsync(1, r => RoundLifecycle.Publish(r, 2, h.Time.GetUtcNow())));
        Assert.Equal(RoundError.WrongStage, e.Error);
        Assert.Equal(RoundStage.Open, (await h.Store.GetRoundAsync(1))!.Stage);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task StagingKeepsTheFirstBytesAndReportsResendsAndConflicts(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var up = h.MakeUpload(1, "a");
        Assert.Equal(StageOutcome.Stored, await h.Store.StageChunkAsync(Harness.Chunk(1, "a", 0, up[0])));
        Assert.Equal(StageOutcome.AlreadyHeld, await h.Store.StageChunkAsync(Harness.Chunk(1, "a", 0, up[0])));
        Assert.Equal(StageOutcome.Conflict, await h.Store.StageChunkAsync(Harness.Chunk(1, "a", 0, up[1])));
        Assert.Equal(StageOutcome.Stored, await h.Store.StageChunkAsync(Harness.Chunk(1, "a", 2, up[2])));
        var p = await h.Store.GetUploadProgressAsync(1, "a");
        Assert.Equal([0, 2], p.HeldChunks);
        Assert.Equal(1, p.NextChunkIndex);
        Assert.False(p.Counted);
        Assert.Equal(["a"], await h.Store.GetParticipantsWithStagedChunksAsync(1));
        await h.Store.DiscardStagedChunksAsync(1, "a");
        Assert.Empty((await h.Store.GetUploadProgressAsync(1, "a")).HeldChunks);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task CountNeedsEveryChunkAndCountsOnce(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var up = h.MakeUpload(1, "a");
        await h.Store.StageChunkAsync(Harness.Chunk(1, "a", 0, up[0]));
        await h.Store.StageChunkAsync(Harness.Chunk(1, "a", 1, up[1]));
        Func<RoundState, string, RoundState> count = (r, who) => h.Lifecycle.CountUpload(r, who, h.Time.GetUtcNow());
        Assert.IsType<InvalidOperationException>(Assert.Single(await h.Store.CountUploadsAsync(1, ["a"], count)).Error);
        await h.AssertSumIsAsync(1);

        await h.Store.StageChunkAsync(Harness.Chunk(1, "a", 2, up[2]));
        var after = Assert.Single(await h.Store.CountUploadsAsync(1, ["a"], count)).Round!;
        Assert.Equal(1, after.Summands);
        Assert.Equal(RoundStage.Collecting, after.Stage);
        Assert.True((await h.Store.GetUploadProgressAsync(1, "a")).Counted);
        Assert.Empty((await h.Store.GetUploadProgressAsync(1, "a")).HeldChunks);
        Assert.Empty(await h.Store.GetParticipantsWithStagedChunksAsync(1));

        // Counted, not sealed: the staged chunks are the upload's bytes and a restart cannot discard them.
        Assert.Equal(new SumContents(1, 3, 0, ["a"]), await h.Store.GetSumContentsAsync(1), SumContentsComparer.Instance);
        await h.Store.DiscardStagedChunksAsync(1, "a");
        await h.AssertSumIsAsync(1, up);

        // Staged again (a replayed stream) and counted again: refused by the counted record, sum unchanged.
        foreach (int i in new[] { 0, 1, 2 })
        {
            await h.Store.StageChunkAsync(Harness.Chunk(1, "a", i, up[i]));
        }

        var e = Assert.IsType<RoundStateException>(Assert.Single(await h.Store.CountUploadsAsync(1, ["a"], (r, _) => r)).Error);
        Assert.Equal(RoundError.Duplicate, e.Error);
        await h.AssertSumIsAsync(1, up);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task SealRefusesASumThatDoesNotAddEveryPendingUpload(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var a = h.MakeUpload(1, "a");
        var b = h.MakeUpload(1, "b");
        await h.SendAsync(1, "a", a);
        await h.SendAsync(1, "b", b);
        ReadOnlyMemory<byte>[] onlyA = [.. a.Select(c => (ReadOnlyMemory<byte>)c)];

        // Another process's view (a alone pending, or a sum already sealed) is refused and nothing changes.
        await Assert.ThrowsAsync<StoreConflictException>(() => h.Store.SealSumAsync(1, 0, ["a"], onlyA));
        await Assert.ThrowsAsync<StoreConflictException>(() => h.Store.SealSumAsync(1, 1, ["a", "b"], onlyA));
        Assert.Equal(new SumContents(1, 3, 0, ["a", "b"]), await h.Store.GetSumContentsAsync(1), SumContentsComparer.Instance);
        Assert.Null(await h.Store.ReadSumChunkAsync(1, 0));
        await h.AssertSumIsAsync(1, a, b);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task LeavingCollectionDiscardsStagedChunks(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        await h.Store.StageChunkAsync(Harness.Chunk(1, "a", 0, h.MakeUpload(1, "a")[0]));
        await h.Store.UpdateRoundAsync(1, r => RoundLifecycle.Abort(r, "test", h.Time.GetUtcNow()));
        Assert.Empty(await h.Store.GetParticipantsWithStagedChunksAsync(1));
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task DecryptionKeepsTheCountedUploadsUntilTheirSumIsSealed(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var a = h.MakeUpload(1, "a");
        var b = h.MakeUpload(1, "b");
        await h.SendAsync(1, "a", a);
        await h.SendAsync(1, "b", b);
        await h.Accumulator.ReceiveChunkAsync(Harness.Chunk(1, "c", 0, h.MakeUpload(1, "c")[0]));
        h.Time.Advance(TimeSpan.FromMinutes(31));
        await h.BeginDecryptionAsync(1, ["a", "b"], new byte[] { 9 });

        // c's chunk could never count and is gone; a's and b's are the only copy of their bytes until the sum is sealed.
        Assert.Empty(await h.Store.GetParticipantsWithStagedChunksAsync(1));
        Assert.Equal(["a", "b"], (await h.Store.GetSumContentsAsync(1)).Pending);
        await h.RestartAsync();
        await h.AssertSumIsAsync(1, a, b);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task AnUploadListIsPutUpForApprovalInOneRoundOnly(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        byte[] aggregate = [7, 7, 7];
        for (long round = 1; round <= 2; round++)
        {
            await h.OpenRoundAsync();
            await h.SendAsync(round, "a", h.MakeUpload(round, "a"));
            await h.SendAsync(round, "b", h.MakeUpload(round, "b"));
            h.Time.Advance(TimeSpan.FromMinutes(31));
            if (round == 1)
            {
                await h.Coordinator.BeginApprovalAsync(1, aggregate);
                await h.Store.UpdateRoundAsync(1, r => RoundLifecycle.Abort(r, "test", h.Time.GetUtcNow()));
            }
        }

        var e = await Assert.ThrowsAsync<RoundStateException>(() => h.Coordinator.BeginApprovalAsync(2, aggregate));
        Assert.Equal(RoundError.ListReused, e.Error);
        Assert.Contains("already put up for approval in round 1", e.Message, StringComparison.Ordinal);
        Assert.Equal(RoundStage.Collecting, (await h.Store.GetRoundAsync(2))!.Stage);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task LedgerEntryIsWrittenWithThePublication(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var entry = new LedgerEntry(1, 3, 0.5, 0.5, 1e-6, Harness.Start);
        var e = await Assert.ThrowsAsync<RoundStateException>(() => h.Store.UpdateRoundAsync(1, r => RoundLifecycle.Publish(r, 2, h.Time.GetUtcNow()), entry));
        Assert.Empty(await h.Store.GetLedgerAsync());
        await h.Store.UpdateRoundAsync(1, r => RoundLifecycle.Abort(r, "x", h.Time.GetUtcNow()), entry);
        Assert.Equal([entry], await h.Store.GetLedgerAsync());
    }
}

/// <summary>Compares sum contents by value (the pending list compares by reference otherwise).</summary>
internal sealed class SumContentsComparer : IEqualityComparer<SumContents>
{
    public static readonly SumContentsComparer Instance = new();

    public bool Equals(SumContents? x, SumContents? y) => x is null || y is null
        ? x is null && y is null
        : x.Round == y.Round && x.ChunkCount == y.ChunkCount && x.SealedSummands == y.SealedSummands && x.Pending.SequenceEqual(y.Pending);

    public int GetHashCode(SumContents obj) => 0;
}
