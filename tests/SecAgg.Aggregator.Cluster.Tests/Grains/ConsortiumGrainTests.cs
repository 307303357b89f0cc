using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Tests.V2;

namespace SecAgg.Aggregator.Cluster.Tests.Grains;

/// <summary>
/// The consortium grain: rounds open from 1, one at a time, only while the privacy budget allows a round that may publish
/// with min-participants summands; a round's spend is recorded once, and the ledger survives the silos that wrote it.
/// The accountant here is a stand-in with exact arithmetic, ε(s₁..s_k) = Σ 1/sᵢ (monotone as the real one must be), so
/// every boundary is known; the real accountant (RoundPrivacyCost) is the single-process aggregator's, tested there.
/// </summary>
public sealed class ConsortiumGrainTests
{
    private static readonly RoundOpening Opening = new([.. Enumerable.Range(1, 32).Select(i => (byte)i)], ChunkCount: 2);

    [Fact]
    public async Task RoundsOpenFromOneAndOnlyAfterThePreviousOneFinished()
    {
        await using var c = await ConsortiumCluster.StartAsync(budget: 10);
        IConsortiumGrain consortium = c.Consortium;
        Assert.Equal(1, await consortium.NextRoundAsync());

        var skipped = await Assert.ThrowsAsync<RoundRefusedException>(() => consortium.OpenRoundAsync(2, Opening));
        Assert.Equal(RoundError.BadSequence, skipped.Error);
        Assert.Contains("the next round to open is 1, not 2", skipped.Message, StringComparison.Ordinal);

        RoundView opened = await consortium.OpenRoundAsync(1, Opening);
        Assert.Equal(1, opened.Number);
        Assert.Equal(RoundStages.Open, opened.Stage);
        var early = await Assert.ThrowsAsync<RoundRefusedException>(consortium.NextRoundAsync);
        Assert.Equal(RoundError.BadSequence, early.Error);
        Assert.Contains("round 1 is still open", early.Message, StringComparison.Ordinal);

        // Opening the same round again is a no-op on its round grain, not a second round.
        Assert.Equal(1, (await consortium.OpenRoundAsync(1, Opening)).Number);

        await c.Client.GetGrain<IRoundGrain>(1).AbortAsync("operator stopped it");
        Assert.Equal(2, await consortium.NextRoundAsync());
        Assert.Equal(2, (await consortium.OpenRoundAsync(2, Opening)).Number);
    }

    [Fact]
    public async Task ARoundThatCouldTakeTheConsortiumOverItsBudgetDoesNotOpen()
    {
        // min-participants m = 2: a round may publish with 2 summands, costing 1/2 in the stand-in accountant.
        await using var c = await ConsortiumCluster.StartAsync(budget: 1.0);
        IConsortiumGrain consortium = c.Consortium;
        await consortium.OpenRoundAsync(1, Opening);
        SpentRound first = await consortium.RecordSpendAsync(1, summands: 4);
        Assert.Equal(0.25, first.EpsilonRound, 12);
        Assert.Equal(0.25, first.EpsilonTotal, 12);
        await c.Client.GetGrain<IRoundGrain>(1).AbortAsync("a member of D dropped out after the spend was recorded");

        // 0.25 + 0.5 ≤ 1: round 2 may open; it spends 1/2.
        await consortium.OpenRoundAsync(await consortium.NextRoundAsync(), Opening);
        SpentRound second = await consortium.RecordSpendAsync(2, summands: 2);
        Assert.Equal(0.75, second.EpsilonTotal, 12);
        await c.Client.GetGrain<IRoundGrain>(2).AbortAsync("test");

        // 0.75 + 0.5 > 1: refused with the figures, and nothing was opened.
        var refused = await Assert.ThrowsAsync<RoundRefusedException>(consortium.NextRoundAsync);
        Assert.Equal(RoundError.PrivacyBudgetExceeded, refused.Error);
        Assert.Contains("round 3 could bring the total epsilon to 1.25", refused.Message, StringComparison.Ordinal);
        Assert.Contains("budget of 1 at delta", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RoundRefusedException>(() => consortium.OpenRoundAsync(3, Opening));
        Assert.Equal("none", (await c.Client.GetGrain<IRoundGrain>(3).GetAsync()).Stage);
    }

    [Fact]
    public async Task ARoundsSpendIsRecordedOnceAndOnlyForTheCurrentRound()
    {
        await using var c = await ConsortiumCluster.StartAsync(budget: 10);
        IConsortiumGrain consortium = c.Consortium;
        var none = await Assert.ThrowsAsync<RoundRefusedException>(() => consortium.RecordSpendAsync(1, 3));
        Assert.Equal(RoundError.BadSequence, none.Error);

        await consortium.OpenRoundAsync(1, Opening);
        var tooFew = await Assert.ThrowsAsync<RoundRefusedException>(() => consortium.RecordSpendAsync(1, 1));
        Assert.Equal(RoundError.TooFewParticipants, tooFew.Error);

        SpentRound line = await consortium.RecordSpendAsync(1, 3);
        Assert.Equal(line, await consortium.RecordSpendAsync(1, 3));
        var other = await Assert.ThrowsAsync<RoundRefusedException>(() => consortium.RecordSpendAsync(1, 4));
        Assert.Equal(RoundError.InvalidArgument, other.Error);
        Assert.Equal([line], await consortium.GetLedgerAsync());
    }

    [Fact]
    public async Task TheLedgerAndTheSequenceOutliveTheSilosThatWroteThem()
    {
        await using var c = await ConsortiumCluster.StartAsync(budget: 10);
        await c.Consortium.OpenRoundAsync(1, Opening);
        SpentRound line = await c.Consortium.RecordSpendAsync(1, 4);

        // A new silo joins; every silo that held an activation dies: the grains reactivate on the joiner from storage.
        var originals = c.Cluster.Silos.ToArray();
        await c.Cluster.StartAdditionalSiloAsync();
        foreach (var silo in originals.Skip(1))
        {
            await c.Cluster.KillSiloAsync(silo);
        }

        await c.Cluster.KillSiloAsync(originals[0]);
        Assert.Equal([line], await ClusterDriver.RetryAsync(c.Consortium.GetLedgerAsync));
        var early = await Assert.ThrowsAsync<RoundRefusedException>(() => ClusterDriver.RetryAsync(c.Consortium.NextRoundAsync));
        Assert.Contains("round 1 is still open", early.Message, StringComparison.Ordinal);
        await ClusterDriver.RetryAsync(() => c.Client.GetGrain<IRoundGrain>(1).AbortAsync("test"));
        Assert.Equal(2, await ClusterDriver.RetryAsync(c.Consortium.NextRoundAsync));
    }

    /// <summary>Σ 1/sᵢ: monotone in rounds and in fewer summands, with exact boundaries.</summary>
    private sealed class HarmonicCost : IPrivacyCost
    {
        public double ComposedEpsilon(IReadOnlyList<int> summandsPerRound, double delta) => summandsPerRound.Sum(s => 1.0 / s);
    }

    /// <summary>Two in-process silos over a store outside both (SharedGrainStorage), with the 4-site test consortium's policy.</summary>
    private sealed class ConsortiumCluster : IAsyncDisposable
    {
        private readonly InProcessRound _sites;

        private ConsortiumCluster(InProcessRound sites, InProcessTestCluster cluster)
        {
            _sites = sites;
            Cluster = cluster;
        }

        public InProcessTestCluster Cluster { get; }

        public IClusterClient Client => Cluster.Client;

        public IConsortiumGrain Consortium => Client.GetGrain<IConsortiumGrain>(0);

        public static async Task<ConsortiumCluster> StartAsync(double budget)
        {
            InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
            var policy = new RoundPolicy(r.Consortium.Ids, r.Consortium.Descriptor.MinParticipants, r.Consortium.Descriptor.Threshold, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30));
            var consortium = new ClusterConsortium(r.AggregatorRoster, InProcessRound.EpochId, r.AggregatorPreset.Scheme, policy, partitions: 2);
            var privacy = new ClusterPrivacy(new PrivacyBudget(budget, 1e-5), new HarmonicCost());
            var storage = new SharedGrainStorage();
            var chunks = new MemoryStagedChunks();
            var shares = new MemoryStoredShares();
            var reminders = new SharedReminderTable();
            var builder = new InProcessTestClusterBuilder(2);
            builder.Options.ConfigureFileLogging = false;
            builder.ConfigureSilo((_, silo) =>
            {
                silo.AddSecAggGrains(consortium, privacy);
                silo.Services.AddSingleton<IStagedChunks>(chunks);
                silo.Services.AddSingleton<IStoredShares>(shares);
                silo.AddReminders();
                silo.Services.AddSingleton<IReminderTable>(reminders);
                silo.Services.AddKeyedSingleton<IGrainStorage>(ClusterHosting.StorageName, (sp, _) => storage.For(sp.GetRequiredService<Serializer>()));
                ClusterHarness.DetectDeathsFast(silo);
            });
            builder.ConfigureClient(ClusterHarness.FollowDeathsFast);
            InProcessTestCluster cluster = builder.Build();
            try
            {
                await cluster.DeployAsync();
            }
            catch
            {
                await cluster.DisposeAsync();
                r.Dispose();
                throw;
            }

            return new ConsortiumCluster(r, cluster);
        }

        public async ValueTask DisposeAsync()
        {
            await Cluster.DisposeAsync();
            _sites.Dispose();
        }
    }
}
