using SecAgg.Proto.V1;
using Grpc.Core;
using SecAgg.Participant.Client;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// Key-epoch relay (long-polled fetch), the liveness-aware t-of-N decryption set, and weighted uploads, over loopback
/// mutual TLS with the typed stubs (SQLite).
/// </summary>
public sealed class EpochAndDecryptionSetTests
{
    private static async Task<TestParticipant[]> EnrollAndDealAsync(ServiceHarness h)
    {
        TestParticipant[] ps = h.Ids.Select(h.Participant).ToArray();
        foreach (TestParticipant p in ps)
        {
            await p.UploadKeyShareAsync();
        }

        foreach (TestParticipant p in ps)
        {
            await p.DealAsync();
        }

        foreach (TestParticipant p in ps)
        {
            Assert.Equal(ps.Length - 1, await p.CollectAsync());
        }

        return ps;
    }

    private static void AssertClose(float[] actual, double[] expected, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < actual.Length; j++)
        {
            Assert.True(Math.Abs(actual[j] - expected[j]) <= tolerance, $"coordinate {j}: {actual[j]} vs {expected[j]}");
        }
    }

    [Fact]
    public async Task FetchThresholdSharesWaitsForBlobsAsTheyArriveAndSkipsHeldSenders()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 2);
        await h.StartAsync();
        TestParticipant[] ps = h.Ids.Select(h.Participant).ToArray();
        foreach (TestParticipant p in ps)
        {
            await p.UploadKeyShareAsync();
        }

        await ps[2].DealAsync();
        Task<int> waiting = ps[2].CollectAsync(waitMillis: 30_000);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted, "the long-poll must stay open while blobs are missing");
        await ps[0].DealAsync();
        await ps[1].DealAsync();
        Assert.Equal(2, await waiting.WaitAsync(TimeSpan.FromSeconds(20)));

        // Senders the caller already holds are not sent again; with nothing missing the stream ends at once.
        var request = new FetchThresholdSharesRequest { EpochId = 1, WaitMillis = 30_000 };
        request.HaveSenderIds.Add(ps[0].Id);
        var senders = new List<string>();
        await foreach (ThresholdShareBlob b in ps[2].Client.KeyEpoch.FetchThresholdShares(request).ResponseStream.ReadAllAsync())
        {
            senders.Add(b.SenderId);
        }

        Assert.Equal([ps[1].Id], senders);
    }

    [Fact]
    public async Task AParticipantThatWentSilentAfterUploadingIsNotChosenWhenTOthersAreLive()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", parties: 4, minParticipants: 2, threshold: 2);
        h.LivenessWindow = TimeSpan.FromSeconds(2);
        await h.StartAsync();
        TestParticipant[] ps = await EnrollAndDealAsync(h);
        await h.WaitForStageAsync(1, WireStage.Open, observer: h.Ids[3]);
        float[][] updates = [.. ps.Select((_, i) => TestParticipant.RandomUpdate(900 + i))];

        // hospital-a (Shamir point 1, first by the old rule) and hospital-b upload, then go silent.
        await ps[0].UploadAsync(1, updates[0]);
        await ps[1].UploadAsync(1, updates[1]);
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        // hospital-c and hospital-d upload last (collection closes when all four are in): only they are live.
        List<CiphertextUploadMessage> c = await ps[2].EncryptAsync(1, updates[2]);
        List<CiphertextUploadMessage> d = await ps[3].EncryptAsync(1, updates[3]);
        Assert.True((await ps[2].SendAsync(c)).Complete);
        Assert.True((await ps[3].SendAsync(d)).Complete);
        RoundStatus s = await h.WaitForStageAsync(1, WireStage.Decrypting, observer: h.Ids[3]);
        await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, () => ps[0].DecryptAsync(1));
        await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, () => ps[1].DecryptAsync(1));
        Assert.True((await ps[2].DecryptAsync(1)).Complete);
        Assert.True((await ps[3].DecryptAsync(1)).Complete);
        s = await h.WaitForStageAsync(1, WireStage.Published, observer: h.Ids[3]);
        Assert.Equal(4u, s.ParticipantsSubmitted);
        AssertClose((await ps[3].DownloadModelAsync()).Values, [.. Enumerable.Range(0, updates[0].Length).Select(j => updates.Average(u => (double)u[j]))], 0.003);
        Assert.Contains(h.Logs, l => l.Contains("hospital-c, hospital-d", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AChosenMemberThatDropsOutAbortsTheRoundAndIsNeverAskedAgain()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", parties: 3, minParticipants: 2, threshold: 2, decrypt: "2s");
        await h.StartAsync();
        TestParticipant[] ps = await EnrollAndDealAsync(h);
        await h.WaitForStageAsync(1, WireStage.Open);
        foreach (TestParticipant p in ps)
        {
            await p.UploadAsync(1, TestParticipant.RandomUpdate(950));
        }

        // All live: the set is points 1 and 2. hospital-b fetches its request, then crashes before answering.
        await h.WaitForStageAsync(1, WireStage.Decrypting);
        Assert.True((await ps[0].DecryptAsync(1)).Complete);
        await ps[1].PrepareSharesAsync(1);
        RoundStatus s = await h.WaitForStageAsync(1, WireStage.Aborted, timeout: TimeSpan.FromSeconds(20), observer: h.Ids[2]);
        Assert.Equal(AbortReason.DecryptionMemberDropped, s.AbortReason);
        await ServiceHarness.AssertStatusAsync(StatusCode.NotFound, () => ps[2].DownloadModelAsync(1));

        // The aborted round hands out no ciphertext again, to the member that dropped or to anyone else.
        await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => ps[1].DecryptAsync(1));
        await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => ps[2].DecryptAsync(1));
    }

    [Fact]
    public async Task WeightedUploadsPublishTheWeightedMeanAndOutOfRangeWeightsAreRefused()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", parties: 3, maxWeight: 4);
        await h.StartAsync();
        TestParticipant[] ps = h.Ids.Select(h.Participant).ToArray();
        foreach (TestParticipant p in ps)
        {
            await p.UploadKeyShareAsync();
        }

        await h.WaitForStageAsync(1, WireStage.Open);
        RoundConfig config = await ps[0].Client.Rounds.GetRoundConfigAsync(new GetRoundConfigRequest { Round = 1 });
        Assert.Equal(4ul, config.Quantization.MaxWeight);

        List<CiphertextUploadMessage> probe = await ps[0].EncryptAsync(1, TestParticipant.RandomUpdate(990));
        foreach (ulong bad in (ulong[])[0, 5])
        {
            var header = new CiphertextUploadMessage { Header = new UploadHeader(probe[0].Header) { Weight = bad } };
            RpcException e = await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => ps[0].SendAsync([header]));
            Assert.Contains($"weight {bad} is out of range", e.Status.Detail, StringComparison.Ordinal);
            Assert.Contains("1 <= weight <= max_weight = 4", e.Status.Detail, StringComparison.Ordinal);
        }

        ulong[] weights = [1, 2, 4];
        // Light participant shifted down, heavy one up (norms stay under the clip 1.0), so the two means differ clearly.
        float[] shift = [-0.03f, 0f, 0.03f];
        float[][] updates = [.. ps.Select((_, i) => TestParticipant.RandomUpdate(1000 + i).Select(v => v + shift[i]).ToArray())];
        List<CiphertextUploadMessage> a = await ps[0].EncryptAsync(1, updates[0], weights[0]);
        Assert.False((await ps[0].SendAsync(a.Take(2))).Complete);

        // Resuming the same upload id with another weight is refused; the first weight stays.
        var reweighed = a.ToList();
        reweighed[0] = new CiphertextUploadMessage { Header = new UploadHeader(a[0].Header) { Weight = 3 } };
        RpcException changed = await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => ps[0].SendAsync(reweighed.Take(1)));
        Assert.Contains("differs from the weight 1", changed.Status.Detail, StringComparison.Ordinal);
        Assert.True((await ps[0].SendAsync(a.Take(1).Concat(a.Skip(2)))).Complete);
        for (int i = 1; i < ps.Length; i++)
        {
            Assert.True((await ps[i].UploadAsync(1, updates[i], weights[i])).Complete);
        }

        await h.WaitForStageAsync(1, WireStage.Decrypting);
        foreach (TestParticipant p in ps)
        {
            await p.DecryptAsync(1);
        }

        await h.WaitForStageAsync(1, WireStage.Published);
        double total = weights.Sum(w => (double)w);
        double[] expected = [.. Enumerable.Range(0, updates[0].Length).Select(j => Enumerable.Range(0, ps.Length).Sum(i => weights[i] * (double)updates[i][j]) / total)];
        float[] model = (await ps[1].DownloadModelAsync()).Values;

        // The weighted sum is decoded divided by Σw/max_weight = 7/4 instead of 3: the rounding/noise error grows by 3/1.75.
        AssertClose(model, expected, 0.006);
        double[] unweighted = [.. Enumerable.Range(0, updates[0].Length).Select(j => updates.Average(u => (double)u[j]))];
        Assert.True(Enumerable.Range(0, expected.Length).Average(j => Math.Abs(expected[j] - unweighted[j])) > 0.01, "the test data must tell the weighted from the unweighted mean");
        Assert.True(Enumerable.Range(0, expected.Length).Average(j => Math.Abs(model[j] - unweighted[j])) > 0.008);
    }
}
