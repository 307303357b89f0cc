using SecAgg.Aggregator.Storage;
using SecAgg.Proto.V1;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>An aggregator restarted mid-round (collecting, decrypting) resumes from its database and publishes the right mean.</summary>
public sealed class RestartTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task RestartWhileCollectingResumesAndPublishesTheMean(string engine)
    {
        await using var h = await ServiceHarness.CreateAsync(engine, parties: 3, threshold: 2);
        await h.StartWithEpochAsync();
        TestParticipant[] all = [.. h.Ids.Select(h.Participant)];
        float[][] updates = [.. new[] { 31, 32, 33 }.Select(TestParticipant.RandomUpdate)];
        RoundParameters p = await all[0].RoundAsync(1);
        await all[0].UploadAsync(1, updates[0]);
        await all[1].UploadAsync(1, updates[1]);

        await h.StopAsync();
        await h.StartAsync();
        Assert.Equal(KeyEpochStage.Ready, (await all[0].Client.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest())).Stage);
        RoundStatus collecting = await all[2].Client.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 1 });
        Assert.Equal(2u, collecting.ParticipantsSubmitted);
        Assert.Equal([all[2].Id], collecting.WaitingFor);
        await all[2].UploadAsync(1, updates[2]);

        await FinishAsync(h, all, p, updates);
    }

    [Fact]
    public async Task RestartWhileDecryptingKeepsTheSessionAndTheSharesAlreadyInAsFilesDeletedOncePublished()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 3);
        await h.StartWithEpochAsync();
        TestParticipant[] all = [.. h.Ids.Select(h.Participant)];
        float[][] updates = [.. new[] { 41, 42, 43 }.Select(TestParticipant.RandomUpdate)];
        RoundParameters p = await all[0].RoundAsync(1);
        for (int i = 0; i < all.Length; i++)
        {
            await all[i].UploadAsync(1, updates[i]);
        }

        await h.ApproveAllAsync(1, all);

        await h.WaitForStageAsync(1, Proto.V1.RoundStage.Decrypting);
        Assert.True((await all[0].DecryptAsync(1))!.Complete);
        string shares = Path.Combine(SqliteAggregatorStore.DefaultDataDirectory(h.Storage.SqlitePath!), "shares", "round-1");
        Assert.Equal(p.TotalChunks, Directory.GetFiles(shares, all[0].Id + ".*.share").Length);

        await h.StopAsync();
        await h.StartAsync();
        RoundStatus decrypting = await h.WaitForStageAsync(1, Proto.V1.RoundStage.Decrypting);
        Assert.Equal(1u, decrypting.DecryptionSharesComplete);
        Assert.DoesNotContain(all[0].Id, decrypting.WaitingFor);
        await all[1].DecryptAsync(1);
        await all[2].DecryptAsync(1);
        RoundStatus published = await h.WaitForStageAsync(1, Proto.V1.RoundStage.Published);
        (_, float[] model) = await all[0].DownloadModelAsync(published.PublishedModelVersion);
        WholeRoundTests.AssertMeanWithinBound(p, updates, model);
        Assert.Contains(h.Logs, l => l.Contains("[224]", StringComparison.Ordinal) && l.Contains("(0 from shares added up as they arrived", StringComparison.Ordinal)); // the restart lost the fold: read back
        await h.StopAsync(); // the driver's step that published has finished
        Assert.False(Directory.Exists(shares)); // the published round's shares are deleted
    }

    private static async Task FinishAsync(ServiceHarness h, TestParticipant[] all, RoundParameters p, float[][] updates)
    {
        await h.ApproveAllAsync(1, all);

        await h.WaitForStageAsync(1, Proto.V1.RoundStage.Decrypting);
        foreach (TestParticipant t in all)
        {
            await t.DecryptAsync(1);
        }

        RoundStatus published = await h.WaitForStageAsync(1, Proto.V1.RoundStage.Published);
        (_, float[] model) = await all[0].DownloadModelAsync(published.PublishedModelVersion);
        WholeRoundTests.AssertMeanWithinBound(p, updates, model);
    }
}
