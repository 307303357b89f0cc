using SecAgg.Aggregator.Tests.Support;
using SecAgg.Proto.V1;
using Grpc.Core;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// Over the wire: a chunk beyond the next expected one is refused (FAILED_PRECONDITION, naming the chunk to resume
/// from) and changes nothing; a broken stream resumes from the next expected chunk; a participant that starts over
/// with a new upload id replaces what was staged. The round then publishes the right average.
/// </summary>
public sealed class UploadResumeTests
{
    public static TheoryData<string> Engines => StoreFactory.Engines;

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task OutOfOrderIsRefusedAndBrokenStreamsResumeOrRestartCleanly(string engine)
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync(engine);
        await h.StartAsync();
        TestParticipant[] ps = h.Ids.Select(h.Participant).ToArray();
        await h.JoinEpochAsync();
        await h.WaitForStageAsync(1, WireStage.Open);
        float[][] updates = [.. ps.Select((_, i) => TestParticipant.RandomUpdate(700 + i))];

        // hospital-a: chunk 1 before chunk 0 is refused and nothing is staged; then chunk 0, the stream breaks; it resumes.
        List<CiphertextUploadMessage> a = await ps[0].EncryptAsync(1, updates[0]);
        Assert.True(a.Count > 2, "the test needs uploads of at least two chunks");
        var e = await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => ps[0].SendAsync([a[0], a[2]]));
        Assert.Contains("resume from chunk 0", e.Status.Detail, StringComparison.Ordinal);
        var none = await ps[0].Client.Rounds.GetUploadProgressAsync(new GetUploadProgressRequest { Round = 1, UploadId = a[0].Header.UploadId });
        Assert.Equal(0u, none.AcceptedCount);
        Assert.Equal(1u, (await ps[0].SendAsync(a.Take(2))).AcceptedCount);
        var progress = await ps[0].Client.Rounds.GetUploadProgressAsync(new GetUploadProgressRequest { Round = 1, UploadId = a[0].Header.UploadId });
        Assert.Equal(1u, progress.AcceptedCount);
        Assert.True((await ps[0].SendAsync(a.Take(1).Concat(a.Skip(2)))).Complete);

        // hospital-b: half an upload, then it starts over with a fresh encryption under a new upload id.
        List<CiphertextUploadMessage> stale = await ps[1].EncryptAsync(1, TestParticipant.RandomUpdate(1));
        Assert.Equal(1u, (await ps[1].SendAsync(stale.Take(2))).AcceptedCount);
        UploadCiphertextsResponse fresh = await ps[1].UploadAsync(1, updates[1]);
        Assert.True(fresh.Complete);

        Assert.True((await ps[2].UploadAsync(1, updates[2])).Complete);
        await h.ApproveAllAsync(1, ps);

        await h.WaitForStageAsync(1, WireStage.Decrypting);
        foreach (TestParticipant p in ps)
        {
            await p.DecryptAsync(1);
        }

        await h.WaitForStageAsync(1, WireStage.Published);
        var (header, values) = await ps[0].DownloadModelAsync();
        Assert.Equal(3u, header.ParticipantsCounted);
        WholeRoundTests.AssertMeanWithinBound(await ps[0].RoundAsync(1), updates, values);
    }
}
