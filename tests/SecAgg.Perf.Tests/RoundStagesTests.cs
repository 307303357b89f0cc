using SecAgg.Perf.Reporting;
using SecAgg.RoundBench.Orchestration;

namespace SecAgg.Perf.Tests;

public sealed class RoundStagesTests
{
    // Two participants, go at t = 100 s: quantize 0.2 s, ciphertexts stored at 101.0 and 102.0, uploads counted at 102.5
    // and 103.0, collection closed 103.25, approvals in (decryption begins) 103.5, shares complete 103.75 and 104.0, published 104.5, models fetched 104.75 and 105.
    private static readonly ParticipantRound[] Reports =
    [
        new(1, 100.0, 101.0, 102.4, 103.8, 104.75, 0.2, 1000, 2, 10, 1.5),
        new(1, 100.0, 102.0, 102.9, 104.1, 105.0, 0.2, 1000, 2, 20, 1.6),
    ];

    private static readonly ServerEvent[] Events =
    [
        new("counted", 1, "a", 102.5), new("counted", 1, "b", 103.0), new("closed", 1, "", 103.25),
        new("decrypting", 1, "", 103.5), new("shares", 1, "a", 103.75), new("shares", 1, "b", 104.0), new("decrypted", 1, "", 104.3),
        new("published", 1, "", 104.5),
    ];

    [Fact]
    public void CriticalPathStagesAddUpToTheWholeRound()
    {
        Dictionary<string, double> stages = SweepRunner.Stages(100.0, Reports, Events, secure: true);
        Assert.Equal(5.0, stages[Stage.Round], 9);
        Assert.Equal(stages[Stage.Round], Stage.CriticalPath.Sum(s => stages[s]), 9);
        Assert.Equal(0.2, stages[Stage.Quantize], 9);
        Assert.Equal(1.8, stages[Stage.Encrypt], 9);
        Assert.Equal(1.0, stages[Stage.Upload], 9);
        Assert.Equal(0.25, stages[Stage.Aggregate], 9);
        Assert.Equal(0.25, stages[Stage.Approve], 9);
        Assert.Equal(0.5, stages[Stage.DecryptionShares], 9);
        Assert.Equal(0.5, stages[Stage.CombinePublish], 9);
        Assert.Equal(0.5, stages[Stage.Download], 9);
        Assert.Equal(1.5, stages[Stage.ParticipantEncrypt], 9);
        Assert.Equal(1.15, stages[Stage.ParticipantUpload], 9);
        Assert.Equal(0.3, stages[Stage.Decrypt], 9); // part of combine + publish, not a stage of its own
    }

    [Fact]
    public void AnUploadLoggedAfterCollectionClosedDoesNotMakeANegativeStage()
    {
        ServerEvent[] late = [.. Events.Select(e => e.Kind == "counted" && e.Participant == "b" ? e with { Time = 103.3 } : e)];
        Dictionary<string, double> stages = SweepRunner.Stages(100.0, Reports, late, secure: true);
        Assert.Equal(0.0, stages[Stage.Aggregate], 9);
        Assert.All(Stage.CriticalPath, s => Assert.True(stages[s] >= 0, s));
        Assert.Equal(stages[Stage.Round], Stage.CriticalPath.Sum(s => stages[s]), 9);
    }

    [Fact]
    public void ThePlaintextPathHasNoDecryptionStages()
    {
        ServerEvent[] plain = [new("counted", 1, "a", 102.5), new("counted", 1, "b", 103.0), new("published", 1, "", 103.1)];
        Dictionary<string, double> stages = SweepRunner.Stages(100.0, Reports, plain, secure: false);
        Assert.Equal(0.0, stages[Stage.Approve]);
        Assert.Equal(0.0, stages[Stage.DecryptionShares]);
        Assert.Equal(0.0, stages[Stage.CombinePublish]);
        Assert.Equal(0.0, stages[Stage.Decrypt]);
        Assert.Equal(0.1, stages[Stage.Aggregate], 9);
        Assert.Equal(stages[Stage.Round], Stage.CriticalPath.Sum(s => stages[s]), 9);
    }

    [Fact]
    public void DpOffUsesTheLeastNoiseTheAggregatorAccepts()
    {
        double z = SweepRunner.MinimalNoiseMultiplier(10, 100_000);
        double sigma = new SecAgg.Protocol.DdgSettings(16, 1.0, z).Create(10, 100_000).SigmaInt;
        Assert.InRange(sigma, 1.0, 1.6);
    }
}
