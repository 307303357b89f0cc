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
            Assert.Equal(2, await s.GetSchemaVersionAsync());
        }

        await using var again = await f.OpenAsync();
        Assert.Equal(2, await again.GetSchemaVersionAsync());
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task SchemaFromANewerAggregatorIsRefused(string engine)
    {
        await using var f = await StoreFactory.CreateAsync(engine);
        await (await f.OpenAsync()).DisposeAsync();
        await f.ExecuteRawAsync("INSERT INTO schema_version (version, description, applied_at) VALUES (3, 'future', 'now')");
        var e = await Assert.ThrowsAsync<StoreSchemaException>(() => f.OpenAsync());
        Assert.Contains("version 3, newer than this aggregator's 2", e.Message, StringComparison.Ordinal);
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
    public async Task FoldNeedsEveryChunkAndCountsOnce(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var up = h.MakeUpload(1, "a");
        await h.Store.StageChunkAsync(Harness.Chunk(1, "a", 0, up[0]));
        await h.Store.StageChunkAsync(Harness.Chunk(1, "a", 1, up[1]));
        Func<RoundState, RoundState> count = r => h.Lifecycle.CountUpload(r, "a", h.Time.GetUtcNow());
        await Assert.ThrowsAsync<InvalidOperationException>(() => h.Store.FoldUploadAsync(1, "a", h.Adder, count));
        await h.AssertSumIsAsync(1);

        await h.Store.StageChunkAsync(Harness.Chunk(1, "a", 2, up[2]));
        var after = await h.Store.FoldUploadAsync(1, "a", h.Adder, count);
        Assert.Equal(1, after.Summands);
        Assert.Equal(RoundStage.Collecting, after.Stage);
        Assert.True((await h.Store.GetUploadProgressAsync(1, "a")).Counted);
        Assert.Empty((await h.Store.GetUploadProgressAsync(1, "a")).HeldChunks);
        await h.AssertSumIsAsync(1, up);

        // Staged again (a replayed stream) and folded again: refused by the counted record, sum unchanged.
        foreach (int i in new[] { 0, 1, 2 })
        {
            await h.Store.StageChunkAsync(Harness.Chunk(1, "a", i, up[i]));
        }

        var e = await Assert.ThrowsAsync<RoundStateException>(() => h.Store.FoldUploadAsync(1, "a", h.Adder, r => r));
        Assert.Equal(RoundError.Duplicate, e.Error);
        await h.AssertSumIsAsync(1, up);
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
