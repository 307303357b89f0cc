using Grpc.Core;
using SecAgg.Proto.V1;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// Whole v2 rounds against the running service, with participants that use only the Protocol seam: key epoch by signed
/// commit/reveal and sealed dealing, masked uploads with signed commitments, approval of U, set-bound decryption shares
/// from D, and the published mean compared with the plaintext mean within the quantization bound.
/// </summary>
public sealed class WholeRoundTests
{
    [Theory]
    [InlineData("bfv", 3)]
    [InlineData("bfv", 2)]
    [InlineData("ckks", 3)]
    [InlineData("ckks", 2)]
    public async Task WholeRoundPublishesThePlaintextMeanWithinTheQuantizationBound(string scheme, int threshold)
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: threshold, scheme: scheme);
        await h.StartAsync();
        await h.JoinEpochAsync();
        await PlayRoundAsync(h, round: 1, seeds: [11, 12, 13]);
    }

    [Fact]
    public async Task WholeRoundOnPostgresPublishesTheMean()
    {
        await using var h = await ServiceHarness.CreateAsync("postgres", parties: 3, threshold: 2);
        await h.StartAsync();
        await h.JoinEpochAsync();
        await PlayRoundAsync(h, round: 1, seeds: [21, 22, 23]);
    }

    [Fact]
    public async Task EpochInfoShowsTheConsortiumDigestTheCertificatesAndWhomItWaitsFor()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite");
        await h.StartAsync();
        TestParticipant a = h.Participant(h.Ids[0]);
        await a.CommitAsync();
        EpochInfo info = await a.Client.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest());
        Assert.Equal(KeyEpochStage.Committing, info.Stage);
        Assert.Equal(h.Config.Descriptor.Digest.ToArray(), info.ConsortiumDigest.ToByteArray());
        Assert.Equal(h.Ids.Skip(1), info.WaitingFor);
        Assert.True(info.Participants[0].CommitReceived);
        Assert.Equal(h.Certificates[h.Ids[0]].RawData, info.Participants[0].CertificateDer.ToByteArray());

        // Commits are served only when all N are in: nobody sees another's commit before committing itself.
        StatementList early = await a.Client.KeyEpoch.GetCommitsAsync(new GetStatementsRequest { EpochId = 1 });
        Assert.False(early.Complete);
        Assert.Empty(early.Statements);
        Assert.Equal(h.Ids.Skip(1), early.WaitingFor);
        await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, async () =>
            await a.Client.KeyEpoch.SubmitRevealAsync(new SubmitStatementRequest { EpochId = 1, Statement = new Proto.V1.SignedStatement { Statement = Google.Protobuf.ByteString.CopyFrom([1]) } }));

        RoundStatus status = await a.Client.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest());
        Assert.Contains("key epoch 1", status.NotOpenReason, StringComparison.Ordinal);
        Assert.Contains(h.Ids[1], status.NotOpenReason, StringComparison.Ordinal);
    }

    /// <summary>Everyone uploads, approves, D answers; the published model is the plaintext mean within the bound.</summary>
    internal static async Task<float[]> PlayRoundAsync(ServiceHarness h, ulong round, int[] seeds)
    {
        TestParticipant[] all = [.. h.Ids.Select(h.Participant)];
        float[][] updates = [.. seeds.Select(TestParticipant.RandomUpdate)];
        await h.WaitForStageAsync(round, Proto.V1.RoundStage.Open);
        RoundParameters p = await all[0].RoundAsync(round);
        for (int i = 0; i < all.Length; i++)
        {
            UploadCiphertextsResponse r = await all[i].UploadAsync(round, updates[i]);
            Assert.True(r.Complete);
            Assert.True(r.CommitmentReceived);
            Assert.Equal((uint)p.TotalChunks, r.AcceptedCount);
        }

        await h.ApproveAllAsync(round, all);

        RoundStatus decrypting = await h.WaitForStageAsync(round, Proto.V1.RoundStage.Decrypting);
        Assert.Equal((uint)all.Length, decrypting.ApprovalsReceived);
        Assert.Equal(h.Threshold, decrypting.WaitingFor.Count);
        int answered = 0;
        foreach (TestParticipant t in all)
        {
            if (await t.DecryptAsync(round) is { } shares)
            {
                Assert.True(shares.Complete);
                answered++;
            }
        }

        Assert.Equal(h.Threshold, answered);
        RoundStatus published = await h.WaitForStageAsync(round, Proto.V1.RoundStage.Published);
        (GlobalModelHeader header, float[] model) = await all[0].DownloadModelAsync(published.PublishedModelVersion);
        Assert.Equal((uint)all.Length, header.ParticipantsCounted);
        AssertMeanWithinBound(p, updates, model);
        return model;
    }

    /// <summary>
    /// The published model (base 0 + mean) against the plaintext mean: per rotated coordinate the error is at most γ (rounding)
    /// plus 6·σ_int·γ/√k (the summed noise), so its L2 norm is at most √d'·γ·(1 + 6σ_int).
    /// </summary>
    internal static void AssertMeanWithinBound(RoundParameters p, float[][] updates, float[] model)
    {
        double sq = 0;
        for (int j = 0; j < model.Length; j++)
        {
            double mean = updates.Average(u => (double)u[j]);
            sq += (model[j] - mean) * (model[j] - mean);
        }

        double bound = Math.Sqrt(p.Ddg.PaddedDimension) * p.Ddg.Gamma * (1 + (6 * p.Ddg.SigmaInt));
        Assert.True(Math.Sqrt(sq) <= bound, $"the published mean is {Math.Sqrt(sq):G4} (L2) from the plaintext mean; the quantization bound is {bound:G4}");
        double norm = Math.Sqrt(updates.Select(u => u.Sum(x => (double)x * x)).Average());
        Assert.True(bound < norm, $"the bound {bound:G4} must be tighter than the updates' size {norm:G4} for the check to mean anything");
    }
}
