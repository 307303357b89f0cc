using SecAgg.Protocol.Consortium;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Tests.Support;

namespace SecAgg.Aggregator.Tests.Rounds;

/// <summary>Rounds driven against the store with an injected clock, and the privacy ledger (test cost: 2/n per round, additive).</summary>
public sealed class RoundCoordinatorTests
{
    public static TheoryData<string> Engines => StoreFactory.Engines;

    private static async Task RunToPublication(Harness h, long round, params string[] submitters)
    {
        foreach (string id in submitters)
        {
            await h.SendAsync(round, id, h.MakeUpload(round, id));
        }

        h.Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(CollectionDecision.Close, await h.Coordinator.DecideCollectionAsync(round));
        await h.BeginDecryptionAsync(round, ["a", "b"], BitConverter.GetBytes(round));
        foreach (string m in new[] { "a", "b" })
        {
            await h.Coordinator.ReceiveShareAsync(round, m);
        }

        await h.Coordinator.PublishAsync(round, round + 1);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task LedgerChargesTheActualSummandCount(string engine)
    {
        await using var h = await Harness.CreateAsync(engine, new PrivacyBudget(10, 1e-6));
        await h.OpenRoundAsync();
        await RunToPublication(h, 1, "a", "b", "c", "d"); // e and f dropped out before submitting
        var entry = Assert.Single(await h.Store.GetLedgerAsync());
        Assert.Equal(4, entry.Summands);
        Assert.Equal(0.5, entry.EpsilonRound, 12);
        Assert.Equal(0.5, entry.EpsilonTotal, 12);
        Assert.Equal(1e-6, entry.Delta);
        Assert.Equal(h.Time.GetUtcNow(), entry.RecordedAt);

        await h.OpenRoundAsync();
        await RunToPublication(h, 2, "a", "b");
        var ledger = await h.Store.GetLedgerAsync();
        Assert.Equal([1L, 2L], ledger.Select(e => e.Round));
        Assert.Equal(1.0, ledger[1].EpsilonRound, 12);
        Assert.Equal(1.5, ledger[1].EpsilonTotal, 12);
        Assert.Equal(3, (await h.Store.GetRoundAsync(2))!.ModelVersion);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task RoundThatCouldExceedTheBudgetIsNotOpened(string engine)
    {
        // Budget 2.0; a round with the minimum 2 summands costs 1.0.
        await using var h = await Harness.CreateAsync(engine, new PrivacyBudget(2.0, 1e-6));
        await h.OpenRoundAsync();
        await RunToPublication(h, 1, "a", "b", "c", "d"); // 0.5
        await h.OpenRoundAsync();                         // worst case 0.5 + 1.0 = 1.5
        await RunToPublication(h, 2, "a", "b");          // 1.5 spent
        var e = await Assert.ThrowsAsync<RoundStateException>(() => h.OpenRoundAsync()); // worst case 2.5
        Assert.Equal(RoundError.PrivacyBudgetExceeded, e.Error);
        Assert.Contains("opening round 3 could bring the total epsilon to 2.5", e.Message, StringComparison.Ordinal);
        Assert.Contains("budget of 2", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await h.Store.GetLatestRoundAsync())!.Number);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task AbortedRoundsChargeNothing(string engine)
    {
        await using var h = await Harness.CreateAsync(engine, new PrivacyBudget(1.0, 1e-6));
        for (long round = 1; round <= 3; round++)
        {
            await h.OpenRoundAsync();
            await h.SendAsync(round, "a", h.MakeUpload(round, "a"));
            h.Time.Advance(TimeSpan.FromMinutes(30));
            Assert.Empty(await h.Coordinator.ApplyDeadlinesAsync());
            Assert.Equal(RoundStage.Aborted, (await h.Store.GetRoundAsync(round))!.Stage);
        }

        Assert.Empty(await h.Store.GetLedgerAsync());
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task NextRoundWaitsForThePreviousToFinish(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        var e = await Assert.ThrowsAsync<RoundStateException>(() => h.OpenRoundAsync());
        Assert.Equal(RoundError.BadSequence, e.Error);
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task DecryptDeadlineAbortsARoundWithMissingShares(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        await h.SendAsync(1, "a", h.MakeUpload(1, "a"));
        await h.SendAsync(1, "b", h.MakeUpload(1, "b"));
        Assert.Equal(CollectionDecision.KeepCollecting, await h.Coordinator.DecideCollectionAsync(1));
        h.Time.Advance(TimeSpan.FromMinutes(30));
        await h.BeginDecryptionAsync(1, ["a", "b"], new byte[] { 3 });
        await h.Coordinator.ReceiveShareAsync(1, "a");
        h.Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Single(await h.Coordinator.ApplyDeadlinesAsync());
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await h.Coordinator.ApplyDeadlinesAsync());
        var r = await h.Store.GetRoundAsync(1);
        Assert.Equal(RoundStage.Aborted, r!.Stage);
        Assert.Contains("missing at the deadline from b", r.AbortReason, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RoundStateException>(() => h.Coordinator.PublishAsync(1, 2));
        Assert.Empty(await h.Store.GetLedgerAsync());
    }

    [Theory, MemberData(nameof(Engines))]
    public async Task DropoutDuringDecryptionAbortsTheRound(string engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.OpenRoundAsync();
        foreach (string id in Harness.Enrolled)
        {
            await h.SendAsync(1, id, h.MakeUpload(1, id));
        }

        Assert.Equal(CollectionDecision.Close, await h.Coordinator.DecideCollectionAsync(1)); // everyone in before the deadline
        await h.BeginDecryptionAsync(1, ["a", "b"], new byte[] { 4 });
        var r = await h.Coordinator.DropOutAsync(1, "b");
        Assert.Equal(RoundStage.Aborted, r.Stage);
        await Assert.ThrowsAsync<RoundStateException>(() => h.Coordinator.ReceiveShareAsync(1, "a"));
        Assert.Empty(await h.Store.GetLedgerAsync());
    }
}
