using Grpc.Core;
using SecAgg.Aggregator.Cluster.FrontEnd;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Tests.V2;
using HeScheme = SecAgg.Protocol.HeScheme;
using RoundStage = SecAgg.Proto.V1.RoundStage;
using RoundStages = SecAgg.Aggregator.Rounds.RoundStages;

namespace SecAgg.Aggregator.Cluster.Tests.FrontEnd;

/// <summary>
/// The round opener every silo runs: nothing before the key epoch is ready; then round 1 on the initial model; the next
/// round only once the previous one finished, on the newest published model; the planned rounds and no more; and silos
/// racing to open the same round open it once.
/// </summary>
public sealed class ClusterRoundOpenerTests
{
    [Fact]
    public async Task TheOpenerOpensNothingBeforeTheKeyEpochIsReadyAndRoundOneOnTheInitialModelOnceItIs()
    {
        using InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        await using ClusterHarness harness = await ClusterHarness.StartAsync(r, "memory");
        var rig = new FrontEndRig(harness, r, epochReady: false);
        float[] initial = Support.Rounds.Updates(1, seed: 1911)[0];
        ClusterRoundOpener opener = rig.Opener(initial);

        Assert.Null(await opener.TryOpenAsync(CancellationToken.None));
        Assert.Equal(0, await rig.Book.LatestAsync());
        RoundStatus status = await rig.Service.GetRoundStatus(new GetRoundStatusRequest(), FrontEndRig.As("hospital-1"));
        Assert.Contains("the key epoch 1 is not ready", status.NotOpenReason, StringComparison.Ordinal);
        await FrontEndRig.RefusedAsync(() => rig.Service.GetRoundConfig(new GetRoundConfigRequest(), FrontEndRig.As("hospital-1")),
            StatusCode.NotFound, ErrorReason.NotFound, "no round is open: the key epoch 1 is not ready");
        Assert.Equal(initial, (await harness.Driver.Model(0).GetAsync())!.Values); // the initial model is held even before

        rig.Readiness.Seed = r.EpochSeed;
        Assert.Equal(1, await opener.TryOpenAsync(CancellationToken.None));
        RoundConfig config = await rig.Service.GetRoundConfig(new GetRoundConfigRequest(), FrontEndRig.As("hospital-1"));
        Assert.Equal((1ul, 0ul, RoundStage.Open), (config.Round, config.ModelVersion, config.Stage));
        Assert.Equal(r.Announce(1).ParameterDigest, config.ParameterDigest.ToByteArray());
        Assert.All(r.Sites, s => s.Join(config)); // every site's own computation agrees

        // Round 1 runs: no second round opens, and the answer says why.
        Assert.Null(await opener.TryOpenAsync(CancellationToken.None));
        Assert.Equal(1, await rig.Book.LatestAsync());
    }

    [Fact]
    public async Task TheOpenerOpensRoundTwoOnTheModelRoundOnePublished()
    {
        await using ClusterRound c = await ClusterRound.OpenAsync("memory", seed: 1912);
        var rig = new FrontEndRig(c.Harness, c.Consortium);
        ClusterRoundOpener opener = rig.Opener();
        Assert.Null(await opener.TryOpenAsync(CancellationToken.None)); // round 1 is collecting
        foreach (var u in c.Uploads)
        {
            await c.Driver.UploadAsync(ClusterRound.Number, u.Upload);
        }

        await c.FinishAndCheckAsync(["hospital-1", "hospital-2", "hospital-3"]);
        Assert.Equal(2, await opener.TryOpenAsync(CancellationToken.None));
        RoundConfig config = await rig.Service.GetRoundConfig(new GetRoundConfigRequest { Round = 2 }, FrontEndRig.As("hospital-2"));
        Assert.Equal((2ul, 1ul), (config.Round, config.ModelVersion));
        Assert.Equal(c.Consortium.Announce(2, modelVersion: 1).ParameterDigest, config.ParameterDigest.ToByteArray());
    }

    [Fact]
    public async Task TwoOpenersRacingOpenEachRoundOnceAndStopAtThePlannedRounds()
    {
        using InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        await using ClusterHarness harness = await ClusterHarness.StartAsync(r, "memory");
        var rig = new FrontEndRig(harness, r);
        ClusterRoundOpener a = rig.Opener(), b = rig.Opener();

        // As hosted services on two silos: round 1 opens; aborted, round 2 opens on the initial model (round 1 published nothing).
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            await WaitForLatestAsync(rig, 1);
            await harness.Driver.Round(1).AbortAsync("operator stopped it");
            await WaitForLatestAsync(rig, 2);
        }
        finally
        {
            await a.StopAsync(CancellationToken.None);
            await b.StopAsync(CancellationToken.None);
        }

        Assert.Equal(2, await rig.Book.LatestAsync());
        RoundOpening opening = await harness.Driver.Round(2).GetOpeningAsync();
        Assert.Equal(r.Announce(2, modelVersion: 0).ParameterDigest, opening.ParameterDigest);

        // Racing attempts on the same finished round open the next one once: each answers it, or that none may open now.
        for (long next = 3; next <= r.Consortium.Descriptor.Rounds; next++)
        {
            await harness.Driver.Round(next - 1).AbortAsync("operator stopped it");
            long?[] opened = await Task.WhenAll(a.TryOpenAsync(CancellationToken.None), b.TryOpenAsync(CancellationToken.None));
            Assert.All(opened, o => Assert.True(o is null || o == next, $"an opener opened round {o}, not {next}"));
            Assert.Contains(next, opened);
            Assert.Equal(next, await rig.Book.LatestAsync());
        }

        // The planned rounds are all opened: none more, and the status says why.
        await harness.Driver.Round(r.Consortium.Descriptor.Rounds).AbortAsync("operator stopped it");
        Assert.Null(await a.TryOpenAsync(CancellationToken.None));
        Assert.Equal(r.Consortium.Descriptor.Rounds, await rig.Book.LatestAsync());
        RoundStatus status = await rig.Service.GetRoundStatus(new GetRoundStatusRequest(), FrontEndRig.As("hospital-1"));
        Assert.Contains("is beyond the planned rounds", status.NotOpenReason, StringComparison.Ordinal);
    }

    private static async Task WaitForLatestAsync(FrontEndRig rig, long round)
    {
        // The consortium records the round, then opens its grain: wait for both.
        DateTime until = DateTime.UtcNow + ClusterDriver.WaitFor;
        while (await rig.Book.LatestAsync() < round || (await rig.Harness.Driver.Round(round).GetAsync()).Stage != RoundStages.Open)
        {
            Assert.True(DateTime.UtcNow < until, $"round {round} was not opened within {ClusterDriver.WaitFor.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
