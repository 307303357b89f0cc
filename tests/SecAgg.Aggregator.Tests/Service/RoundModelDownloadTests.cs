using Grpc.Core;
using SecAgg.Proto.V1;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// DownloadGlobalModel for a round (DownloadGlobalModelRequest.round): one request asked before the round publishes waits
/// for the publication and streams that round's model; a round still running when the wait ends is WRONG_STAGE (ask
/// again), an aborted one says why, a round that does not exist is NOT_FOUND, and a request that names a round and a
/// version is malformed.
/// </summary>
public sealed class RoundModelDownloadTests
{
    [Fact]
    public async Task ARequestForARoundWaitsForItsPublicationAndStreamsItsModel()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 2);
        await h.StartWithEpochAsync();
        TestParticipant[] all = [.. h.Ids.Select(h.Participant)];
        float[][] updates = [.. all.Select((_, i) => TestParticipant.RandomUpdate(30 + i))];
        RoundParameters p = await all[0].RoundAsync(1);
        for (int i = 0; i < all.Length; i++)
        {
            Assert.True((await all[i].UploadAsync(1, updates[i])).Complete);
        }

        await h.ApproveAllAsync(1, all);
        await h.WaitForStageAsync(1, Proto.V1.RoundStage.Decrypting);
        Task<(GlobalModelHeader Header, float[] Values)> waiting = DownloadRoundAsync(all[0], 1, waitMillis: 60_000);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted, "the request answered before the round was published");
        foreach (TestParticipant t in all)
        {
            await t.DecryptAsync(1);
        }

        (GlobalModelHeader header, float[] values) = await waiting;
        Assert.Equal(1UL, header.Round);
        RoundStatus published = await h.WaitForStageAsync(1, Proto.V1.RoundStage.Published);
        Assert.Equal(published.PublishedModelVersion, header.ModelVersion);
        Assert.Equal((await all[1].DownloadModelAsync(published.PublishedModelVersion)).Values, values);
        WholeRoundTests.AssertMeanWithinBound(p, updates, values);

        // Asked after the publication: the same model at once.
        Assert.Equal(values, (await DownloadRoundAsync(all[2], 1, waitMillis: 0)).Values);
    }

    [Fact]
    public async Task ARoundStillRunningWhenTheWaitEndsIsWrongStageAndOneThatDoesNotExistIsNotFound()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 2);
        await h.StartWithEpochAsync();
        TestParticipant a = h.Participant(h.Ids[0]);
        await h.WaitForStageAsync(1, Proto.V1.RoundStage.Open);
        RpcException running = await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => DownloadRoundAsync(a, 1, waitMillis: 150));
        Assert.Equal(ErrorReason.WrongStage, Reason(running));
        Assert.Contains("has not published its model yet", running.Status.Detail, StringComparison.Ordinal);
        RpcException missing = await ServiceHarness.AssertStatusAsync(StatusCode.NotFound, () => DownloadRoundAsync(a, 99, waitMillis: 150));
        Assert.Contains("round 99 does not exist", missing.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestNamingARoundAndAVersionIsMalformed()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 2);
        await h.StartWithEpochAsync();
        TestParticipant a = h.Participant(h.Ids[0]);
        RpcException e = await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => DrainAsync(a, new DownloadGlobalModelRequest { Round = 1, ModelVersion = 1 }));
        Assert.Equal(ErrorReason.Malformed, Reason(e));
        Assert.Contains("give one of them", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestWaitingForARoundThatIsAbortedSaysWhy()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 2, approve: "2s");
        await h.StartWithEpochAsync();
        TestParticipant[] all = [.. h.Ids.Select(h.Participant)];
        await ServiceHarness.UploadAllAsync(1, all);

        await h.WaitForStageAsync(1, Proto.V1.RoundStage.Approving);
        RpcException e = await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => DownloadRoundAsync(all[0], 1, waitMillis: 60_000));
        Assert.Equal(ErrorReason.RoundAborted, Reason(e));
        Assert.Contains("was aborted (ApprovalMissing)", e.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task<(GlobalModelHeader Header, float[] Values)> DownloadRoundAsync(TestParticipant t, ulong round, uint waitMillis)
    {
        List<GlobalModelMessage> messages = await DrainAsync(t, new DownloadGlobalModelRequest { Round = round, WaitMillis = waitMillis });
        GlobalModelHeader header = messages[0].Header;
        float[] values = [.. messages.Skip(1).SelectMany(m => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(m.Data.Data.Span).ToArray())];
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())), header.DataDigest.ToByteArray());
        return (header, values);
    }

    private static async Task<List<GlobalModelMessage>> DrainAsync(TestParticipant t, DownloadGlobalModelRequest request)
    {
        var messages = new List<GlobalModelMessage>();
        await foreach (GlobalModelMessage m in t.Client.Rounds.DownloadGlobalModel(request).ResponseStream.ReadAllAsync())
        {
            messages.Add(m);
        }

        return messages;
    }

    private static ErrorReason Reason(RpcException e) => ErrorDetail.Parser.ParseFrom(e.Trailers.GetValueBytes(WireKeys.ErrorDetailTrailer)).Reason;
}
