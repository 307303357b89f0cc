using Google.Protobuf;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Proto.V1;
using Grpc.Core;
using Grpc.Health.V1;
using SecAgg.Participant.Client;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// Whole rounds over loopback mutual TLS with the typed stubs: key epoch, uploads, decryption, publication,
/// dropouts, bad inputs and a restart of the service; SQLite always, PostgreSQL when SECAGG_TEST_POSTGRES is set.
/// </summary>
public sealed class AggregatorServiceTests
{
    public static TheoryData<string> Engines => StoreFactory.Engines;

    /// <summary>Per coordinate: 6 standard deviations of γ·(noise + rounding) of a sum of k uploads, divided by k (test preset, z = 0.001).</summary>
    private const double Tolerance = 0.003;

    private static async Task<TestParticipant[]> EnrollAsync(ServiceHarness h)
    {
        TestParticipant[] ps = h.Ids.Select(h.Participant).ToArray();
        foreach (TestParticipant p in ps)
        {
            await p.UploadKeyShareAsync();
        }

        return ps;
    }

    private static void AssertMean(float[] actual, params float[][] updates)
    {
        Assert.Equal(updates[0].Length, actual.Length);
        for (int j = 0; j < actual.Length; j++)
        {
            double expected = updates.Average(u => (double)u[j]);
            Assert.True(Math.Abs(actual[j] - expected) <= Tolerance, $"coordinate {j}: {actual[j]} vs {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task WholeRoundPublishesTheAverageAndReplaysAreRefused(string engine)
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync(engine, rounds: 2);
        await h.StartAsync();
        TestParticipant[] ps = await EnrollAsync(h);
        await ServiceHarness.AssertStatusAsync(StatusCode.AlreadyExists, ps[0].UploadKeyShareAsync);
        await h.WaitForStageAsync(1, WireStage.Open);

        float[][] updates = [.. ps.Select((_, i) => TestParticipant.RandomUpdate(100 + i))];
        var uploads = new List<CiphertextUploadMessage>[ps.Length];
        for (int i = 0; i < ps.Length; i++)
        {
            uploads[i] = await ps[i].EncryptAsync(1, updates[i]);
            UploadCiphertextsResponse r = await ps[i].SendAsync(uploads[i]);
            Assert.True(r.Complete);
            Assert.Equal((uint)uploads[i].Count - 1, r.AcceptedCount);
        }

        await h.WaitForStageAsync(1, WireStage.Decrypting);
        foreach (TestParticipant p in ps)
        {
            Assert.True((await p.DecryptAsync(1)).Complete);
        }

        RoundStatus published = await h.WaitForStageAsync(1, WireStage.Published);
        Assert.Equal(3u, published.ParticipantsSubmitted);
        Assert.Equal(1u, published.PublishedModelVersion);
        (GlobalModelHeader header, float[] model) = await ps[1].DownloadModelAsync();
        Assert.Equal(1ul, header.ModelVersion);
        Assert.Equal(3u, header.ParticipantsCounted);
        AssertMean(model, updates);

        // Round 2 opens on its own; round 1's upload replayed into it is refused and changes nothing.
        await h.WaitForStageAsync(2, WireStage.Open);
        RpcException e = await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => ps[0].SendAsync(uploads[0]));
        Assert.Contains("round 1 is over", e.Status.Detail, StringComparison.Ordinal);
        var replayedChunks = uploads[0].ToList();
        replayedChunks[0] = new CiphertextUploadMessage { Header = new UploadHeader(uploads[0][0].Header) { Round = 2 } };
        e = await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => ps[0].SendAsync(replayedChunks));
        Assert.Contains("parameter_digest", e.Status.Detail, StringComparison.Ordinal);
        RoundStatus round2 = await ps[0].Client.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 2 });
        Assert.Equal(0u, round2.ParticipantsSubmitted);
    }

    [Fact]
    public async Task BadInputsGetPreciseStatusesAndTheRoundIsUnaffected()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite");
        await h.StartAsync();
        TestParticipant[] ps = await EnrollAsync(h);
        await h.WaitForStageAsync(1, WireStage.Open);
        float[][] updates = [.. ps.Select((_, i) => TestParticipant.RandomUpdate(200 + i))];
        List<CiphertextUploadMessage> good = await ps[0].EncryptAsync(1, updates[0]);
        List<CiphertextUploadMessage> With(int index, Func<CiphertextUploadMessage, CiphertextUploadMessage> change)
        {
            var copy = good.Select(m => m.Clone()).ToList();
            copy[index] = change(copy[index]);
            return copy;
        }

        CiphertextUploadMessage Chunk(CiphertextUploadMessage m, byte[] bytes) => new() { Chunk = new CiphertextChunk(m.Chunk) { Ciphertext = ByteString.CopyFrom(bytes) } };
        byte[] first = good[1].Chunk.Ciphertext.ToByteArray();

        // Truncated, garbage (unreduced coefficients), oversized (beyond the message limit).
        await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => ps[0].SendAsync(With(1, m => Chunk(m, first[..^10]))));
        byte[] garbage = (byte[])first.Clone();
        garbage.AsSpan(40).Fill(0xFF);
        await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => ps[0].SendAsync(With(1, m => Chunk(m, garbage))));
        await ServiceHarness.AssertStatusAsync(StatusCode.ResourceExhausted, () => ps[0].SendAsync(With(1, m => Chunk(m, new byte[200_000]))));

        // Wrong digest, wrong chunk count, chunk index out of range, chunk before header, chunk of another round.
        await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => ps[0].SendAsync(With(0, m => new() { Header = new UploadHeader(m.Header) { ParameterDigest = ByteString.CopyFrom(new byte[32]) } })));
        await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => ps[0].SendAsync(With(0, m => new() { Header = new UploadHeader(m.Header) { TotalChunks = 7 } })));
        await ServiceHarness.AssertStatusAsync(StatusCode.OutOfRange, () => ps[0].SendAsync(With(1, m => new() { Chunk = new CiphertextChunk(m.Chunk) { ChunkIndex = 99 } })));
        await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => ps[0].SendAsync(good.Skip(1)));
        await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => ps[0].SendAsync(With(1, m => new() { Chunk = new CiphertextChunk(m.Chunk) { Round = 5 } })));
        await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => ps[0].SendAsync(With(0, m => new() { Header = new UploadHeader(m.Header) { Round = 9 } })));

        // Identity: a valid certificate claiming another participant's id; an unenrolled certificate; no certificate at all.
        await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, () => ps[1].SendAsync(good));
        await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, () => h.Client(h.Intruder).Rounds.GetRoundStatusAsync(new GetRoundStatusRequest()).ResponseAsync);
        await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, () => ps[1].Client.KeyEpoch.UploadPublicKeyShareAsync(new UploadPublicKeyShareRequest { EpochId = 1, ParticipantId = ps[0].Id }).ResponseAsync);
        RpcException anonymous = await Assert.ThrowsAsync<RpcException>(() => h.Client(null).Health.CheckAsync(new HealthCheckRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, anonymous.StatusCode); // refused in the TLS handshake, before any payload

        // Nothing was counted or staged by the refusals: the participant's real upload still goes through, once.
        RoundStatus status = await ps[0].Client.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 1 });
        Assert.Equal(0u, status.ParticipantsSubmitted);
        Assert.True((await ps[0].SendAsync(good)).Complete);
        await ServiceHarness.AssertStatusAsync(StatusCode.AlreadyExists, () => ps[0].SendAsync(good));
        Assert.True((await ps[1].UploadAsync(1, updates[1])).Complete);
        Assert.True((await ps[2].UploadAsync(1, updates[2])).Complete);
        await h.WaitForStageAsync(1, WireStage.Decrypting);

        // Decryption shares: for another chunk's ciphertext, truncated, sent by someone else, before fetching, twice.
        List<DecryptionShare> shares = await ps[0].PrepareSharesAsync(1);
        Task<UploadDecryptionSharesResponse> SendShares(TestParticipant p, IEnumerable<DecryptionShare> s) =>
            p.Client.Rounds.UploadDecryptionShares().SendAsync(ServiceHarness.Stream(s.ToList()));
        await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => SendShares(ps[0], [new DecryptionShare(shares[0]) { CiphertextDigest = shares[1].CiphertextDigest }]));
        await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => SendShares(ps[0], [new DecryptionShare(shares[0]) { Share = ByteString.CopyFrom(shares[0].Share.Span[..^8]) }]));
        await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => SendShares(ps[0], [new DecryptionShare(shares[0]) { Share = shares[1].Share }]));
        await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, () => SendShares(ps[1], shares));
        await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => SendShares(ps[2], shares.Select(x => new DecryptionShare(x) { ParticipantId = ps[2].Id })));
        await ServiceHarness.AssertStatusAsync(StatusCode.OutOfRange, () => SendShares(ps[0], [new DecryptionShare(shares[0]) { ChunkIndex = 50 }]));
        Assert.True((await SendShares(ps[0], shares)).Complete);
        Assert.True((await SendShares(ps[0], shares)).Complete); // the same bytes again: harmless
        List<DecryptionShare> second = await ps[0].PrepareSharesAsync(1);
        await ServiceHarness.AssertStatusAsync(StatusCode.AlreadyExists, () => SendShares(ps[0], second));
        Assert.True((await ps[1].DecryptAsync(1)).Complete);
        Assert.True((await ps[2].DecryptAsync(1)).Complete);

        await h.WaitForStageAsync(1, WireStage.Published);
        AssertMean((await ps[2].DownloadModelAsync()).Values, updates);
        HealthCheckResponse health = await ps[0].Client.Health.CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task DropoutBeforeUploadProceedsWithFewerSummands()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", collect: "3s");
        await h.StartAsync();
        TestParticipant[] ps = await EnrollAsync(h);
        await h.WaitForStageAsync(1, WireStage.Open);
        float[][] updates = [TestParticipant.RandomUpdate(300), TestParticipant.RandomUpdate(301)];
        Assert.True((await ps[0].UploadAsync(1, updates[0])).Complete);
        Assert.True((await ps[1].UploadAsync(1, updates[1])).Complete);

        // hospital-c never uploads; at the deadline the round decrypts the two uploads it has.
        await h.WaitForStageAsync(1, WireStage.Decrypting);
        foreach (TestParticipant p in ps)
        {
            await p.DecryptAsync(1);
        }

        RoundStatus s = await h.WaitForStageAsync(1, WireStage.Published);
        Assert.Equal(2u, s.ParticipantsSubmitted);
        (GlobalModelHeader header, float[] model) = await ps[2].DownloadModelAsync();
        Assert.Equal(2u, header.ParticipantsCounted);
        AssertMean(model, updates);
        await ServiceHarness.AssertStatusAsync(StatusCode.DeadlineExceeded, () => ps[2].UploadAsync(1, TestParticipant.RandomUpdate(302))); // late: the round stopped collecting
    }

    [Fact]
    public async Task DropoutDuringDecryptionAbortsWithoutDecrypting()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", decrypt: "2s");
        await h.StartAsync();
        TestParticipant[] ps = await EnrollAsync(h);
        await h.WaitForStageAsync(1, WireStage.Open);
        foreach (TestParticipant p in ps)
        {
            await p.UploadAsync(1, TestParticipant.RandomUpdate(400));
        }

        await h.WaitForStageAsync(1, WireStage.Decrypting);
        await ps[0].DecryptAsync(1);
        await ps[1].DecryptAsync(1);

        // hospital-c drops out: nothing is decrypted, no model version 1 exists.
        RoundStatus s = await h.WaitForStageAsync(1, WireStage.Aborted);
        Assert.Equal(AbortReason.DecryptionMemberDropped, s.AbortReason);
        await ServiceHarness.AssertStatusAsync(StatusCode.NotFound, () => ps[0].DownloadModelAsync(1));
        await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => ps[2].DecryptAsync(1));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task RestartMidRoundCompletesWithTheRightSum(string engine)
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync(engine);
        await h.StartAsync();
        TestParticipant[] ps = await EnrollAsync(h);
        await h.WaitForStageAsync(1, WireStage.Open);
        float[][] updates = [.. ps.Select((_, i) => TestParticipant.RandomUpdate(500 + i))];
        await ps[0].UploadAsync(1, updates[0]);

        // Half of hospital-b's upload arrives, then the service stops.
        List<CiphertextUploadMessage> b = await ps[1].EncryptAsync(1, updates[1]);
        UploadCiphertextsResponse partial = await ps[1].SendAsync(b.Take(2));
        Assert.False(partial.Complete);
        Assert.Equal(1u, partial.AcceptedCount);
        await h.StopAsync();

        await h.StartAsync();
        RoundStatus s = await h.WaitForStageAsync(1, WireStage.Collecting);
        Assert.Equal(1u, s.ParticipantsSubmitted);
        UploadProgress progress = await ps[1].Client.Rounds.GetUploadProgressAsync(new GetUploadProgressRequest { Round = 1, UploadId = b[0].Header.UploadId });
        Assert.Equal(1u, progress.AcceptedCount);
        Assert.True((await ps[1].SendAsync(b.Take(1).Concat(b.Skip(2)))).Complete); // resume after chunk 0
        Assert.True((await ps[2].UploadAsync(1, updates[2])).Complete);
        await h.WaitForStageAsync(1, WireStage.Decrypting);
        foreach (TestParticipant p in ps)
        {
            await p.DecryptAsync(1);
        }

        await h.WaitForStageAsync(1, WireStage.Published);
        AssertMean((await ps[0].DownloadModelAsync()).Values, updates);
    }

    [Fact]
    public async Task ThresholdRoundDecryptsWithTMembersAfterRelayingShamirShares()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", parties: 3, minParticipants: 2, threshold: 2);
        await h.StartAsync();
        TestParticipant[] ps = await EnrollAsync(h);
        foreach (TestParticipant p in ps)
        {
            UploadThresholdSharesResponse r = await p.DealAsync();
            Assert.Equal(2, r.StoredRecipientIds.Count);
        }

        // The relay takes each blob once; a different blob to the same recipient, or one to oneself, is refused.
        var again = new ThresholdShareBlob { EpochId = 1, SenderId = ps[0].Id, RecipientId = ps[1].Id, Ciphertext = ByteString.CopyFrom([1, 2, 3]) };
        await ServiceHarness.AssertStatusAsync(StatusCode.AlreadyExists, () => ps[0].Client.KeyEpoch.UploadThresholdShares().SendAsync(ServiceHarness.Stream([again])));
        await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => ps[0].Client.KeyEpoch.UploadThresholdShares().SendAsync(ServiceHarness.Stream([new ThresholdShareBlob(again) { RecipientId = ps[0].Id }])));
        await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, () => ps[1].Client.KeyEpoch.UploadThresholdShares().SendAsync(ServiceHarness.Stream([again])));
        foreach (TestParticipant p in ps)
        {
            Assert.Equal(2, await p.CollectAsync());
        }

        await h.WaitForStageAsync(1, WireStage.Open);
        float[][] updates = [.. ps.Select((_, i) => TestParticipant.RandomUpdate(600 + i))];
        for (int i = 0; i < ps.Length; i++)
        {
            await ps[i].UploadAsync(1, updates[i]);
        }

        await h.WaitForStageAsync(1, WireStage.Decrypting);

        // The set is t = 2 members (Shamir points 1 and 2); the third is not asked and may not answer.
        await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, () => ps[2].DecryptAsync(1));
        Assert.True((await ps[0].DecryptAsync(1)).Complete);
        Assert.True((await ps[1].DecryptAsync(1)).Complete);
        RoundStatus s = await h.WaitForStageAsync(1, WireStage.Published);
        Assert.Equal(2u, s.DecryptionSharesComplete);
        AssertMean((await ps[2].DownloadModelAsync()).Values, updates);
    }

    [Fact]
    public async Task MetricsCountBytesAndLogsCarryNoCiphertextAndShutdownStopsServing()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", parties: 2);
        long bytes = 0, counted = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == SecAgg.Aggregator.Service.AggregatorMetrics.MeterName)
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) =>
        {
            // Other tests' aggregators run in parallel with meters of the same name: count this host's only.
            if (i.Meter != h.Host?.Metrics.Meter)
            {
                return;
            }

            if (i.Name == "secagg.aggregator.bytes_received")
            {
                Interlocked.Add(ref bytes, v);
            }
            else if (i.Name == "secagg.aggregator.uploads_counted")
            {
                Interlocked.Add(ref counted, v);
            }
        });
        listener.Start();
        await h.StartAsync();
        TestParticipant[] ps = await EnrollAsync(h);
        await h.WaitForStageAsync(1, WireStage.Open);
        var sent = new List<byte[]>();
        foreach (TestParticipant p in ps)
        {
            List<CiphertextUploadMessage> m = await p.EncryptAsync(1, TestParticipant.RandomUpdate(700));
            sent.AddRange(m.Skip(1).Select(x => x.Chunk.Ciphertext.ToByteArray()));
            await p.SendAsync(m);
        }

        await h.WaitForStageAsync(1, WireStage.Decrypting);
        foreach (TestParticipant p in ps)
        {
            await p.DecryptAsync(1);
        }

        await h.WaitForStageAsync(1, WireStage.Published);
        listener.RecordObservableInstruments();
        Assert.True(Interlocked.Read(ref bytes) >= sent.Sum(b => (long)b.Length), $"bytes_received {bytes}");
        Assert.Equal(2, Interlocked.Read(ref counted));

        string all = string.Join("\n", h.Logs);
        Assert.Contains("[203]", all, StringComparison.Ordinal); // upload counted
        Assert.Contains("[1009]", all, StringComparison.Ordinal); // published, with the epsilon spent
        foreach (byte[] chunk in sent)
        {
            Assert.DoesNotContain(Convert.ToHexString(chunk.AsSpan(20, 16)), all, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(chunk.AsSpan(20, 24)), all, StringComparison.Ordinal);
        }

        TestClient c = ps[0].Client;
        Task stopping = h.StopAsync();
        await stopping;
        Assert.Contains("[211]", string.Join("\n", h.Logs), StringComparison.Ordinal);
        await Assert.ThrowsAsync<RpcException>(() => c.Health.CheckAsync(new HealthCheckRequest()).ResponseAsync);
    }

    [Fact]
    public async Task NoRoundOpensThatCouldExceedThePrivacyBudget()
    {
        // Budget between round 1's worst case (2 summands) and rounds 1 + 2 (3 published, then 2 worst case).
        Quantize.Ddg.DdgParameters ddg = Protocol.ProtocolPresets.InsecureForTests(3, 3).Ddg.Create(3, ServiceHarness.Layout.TotalLength);
        double first = Protocol.RoundPrivacy.ComposedEpsilon(ddg, [2], 1e-6);
        double both = Protocol.RoundPrivacy.ComposedEpsilon(ddg, [3, 2], 1e-6);
        Assert.True(first < both);
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", rounds: 5, budget: (first + both) / 2);
        await h.StartAsync();
        TestParticipant[] ps = await EnrollAsync(h);
        await h.WaitForStageAsync(1, WireStage.Open);
        foreach (TestParticipant p in ps)
        {
            await p.UploadAsync(1, TestParticipant.RandomUpdate(800));
        }

        await h.WaitForStageAsync(1, WireStage.Decrypting);
        foreach (TestParticipant p in ps)
        {
            await p.DecryptAsync(1);
        }

        await h.WaitForStageAsync(1, WireStage.Published);
        await Task.Delay(800); // several driver ticks
        await ServiceHarness.AssertStatusAsync(StatusCode.NotFound, () => ps[0].Client.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 2 }).ResponseAsync);
        Assert.Contains(h.Logs, l => l.Contains("[209]", StringComparison.Ordinal) && l.Contains("budget", StringComparison.Ordinal));
    }
}
