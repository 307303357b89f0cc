using SecAgg.Aggregator.Tests.Support;
using SecAgg.Proto.V1;
using Grpc.Core;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// The aggregator service as its own process (CrashChild serve: AggregatorHost over loopback mutual TLS), SIGKILLed
/// mid-upload (one upload counted, one half-sent and acknowledged, one stream open) and mid-decryption (one member
/// done, one half-way through its shares), restarted on the same database each time: the round publishes the right
/// average with every upload counted once. SQLite always, PostgreSQL when SECAGG_TEST_POSTGRES is set.
/// </summary>
public sealed class ServiceKillNineTests
{
    public static TheoryData<string> Engines => StoreFactory.Engines;

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task KilledServiceResumesTheRoundAndCountsEveryUploadOnce(string engine)
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync(engine);
        try
        {
            await RunAsync(h);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException || !h.ChildErrors.IsEmpty)
        {
            throw new Xunit.Sdk.XunitException($"{e}{Environment.NewLine}--- the aggregator process's stderr ---{Environment.NewLine}{string.Join(Environment.NewLine, h.ChildErrors)}");
        }
    }

    private static async Task RunAsync(ServiceHarness h)
    {
        await h.StartProcessAsync();
        TestParticipant[] ps = h.Ids.Select(h.Participant).ToArray();
        await h.JoinEpochAsync();
        await h.WaitForStageAsync(1, WireStage.Open);
        float[][] updates = [.. ps.Select((_, i) => TestParticipant.RandomUpdate(900 + i))];
        Assert.True((await ps[0].UploadAsync(1, updates[0])).Complete);

        // hospital-b: chunk 0 acknowledged, the rest not sent. hospital-c: a stream left open after chunk 0.
        List<CiphertextUploadMessage> b = await ps[1].EncryptAsync(1, updates[1]);
        List<CiphertextUploadMessage> c = await ps[2].EncryptAsync(1, updates[2]);
        Assert.True(b.Count > 2, "the test needs uploads of at least two chunks");
        Assert.Equal(1u, (await ps[1].SendAsync(b.Take(2))).AcceptedCount);
        var hold = new TaskCompletionSource();
        Task<UploadCiphertextsResponse> open = ps[2].Client.Rounds.UploadCiphertexts().SendAsync(HeldOpen(c.Take(2), hold.Task));
        await Task.Delay(300);

        await h.KillProcessAsync(); // mid-upload
        hold.SetResult(); // the client finds the connection gone
        await Assert.ThrowsAnyAsync<Exception>(() => open);
        await h.StartProcessAsync();

        RoundStatus s = await h.WaitForStageAsync(1, WireStage.Collecting);
        Assert.Equal(1u, s.ParticipantsSubmitted);
        await ServiceHarness.AssertStatusAsync(StatusCode.AlreadyExists, () => ps[0].UploadAsync(1, updates[0])); // never counted twice
        Assert.True((await Resume(ps[1], b)).Complete);
        Assert.True((await Resume(ps[2], c)).Complete);
        await h.ApproveAllAsync(1, ps);

        RoundStatus decrypting = await h.WaitForStageAsync(1, WireStage.Decrypting);
        Assert.Equal(3u, decrypting.ParticipantsSubmitted);

        // Decryption: hospital-a answers everything, hospital-b half, then the service dies.
        Assert.True((await ps[0].DecryptAsync(1))!.Complete);
        List<Proto.V1.DecryptionShare> bShares = (await ps[1].PrepareSharesAsync(1))!;
        Assert.False((await ps[1].Client.Rounds.UploadDecryptionShares().SendAsync(ServiceHarness.Stream(bShares.Take(1)))).Complete);
        await h.KillProcessAsync(); // mid-decryption
        await h.StartProcessAsync();

        Assert.Equal(WireStage.Decrypting, (await h.WaitForStageAsync(1, WireStage.Decrypting)).Stage);
        Assert.True((await ps[1].Client.Rounds.UploadDecryptionShares().SendAsync(ServiceHarness.Stream(bShares))).Complete); // the held share again, then the rest
        Assert.True((await ps[2].DecryptAsync(1))!.Complete);
        await h.WaitForStageAsync(1, WireStage.Published);
        var (header, values) = await ps[0].DownloadModelAsync();
        Assert.Equal(3u, header.ParticipantsCounted);
        Assert.Equal(updates[0].Length, values.Length);
        WholeRoundTests.AssertMeanWithinBound(await ps[0].RoundAsync(1), updates, values);
    }

    /// <summary>Asks the aggregator what it holds of this upload and sends the rest (the whole upload when it knows none of it).</summary>
    private static async Task<UploadCiphertextsResponse> Resume(TestParticipant p, List<CiphertextUploadMessage> upload)
    {
        uint held;
        try
        {
            UploadProgress progress = await p.Client.Rounds.GetUploadProgressAsync(new GetUploadProgressRequest { Round = 1, UploadId = upload[0].Header.UploadId });
            held = progress.AcceptedCount;
            Assert.True(progress.Accepted.All(r => r.First == 0), "held chunks are a prefix");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            held = 0; // the header never reached the store
        }

        return await p.SendAsync(upload.Take(1).Concat(upload.Skip(1 + (int)held)));
    }

    private static async IAsyncEnumerable<CiphertextUploadMessage> HeldOpen(IEnumerable<CiphertextUploadMessage> first, Task until)
    {
        foreach (CiphertextUploadMessage m in first)
        {
            yield return m;
        }

        await until;
    }
}
