using Google.Protobuf;
using SecAgg.Participant.Client;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;

namespace SecAgg.Participant.Tests.Hostile;

/// <summary>
/// A round through a hostile aggregator (docs/threat-model.md, "Round r" and "Approval"): an announcement that differs
/// from the site's own file is refused naming the field before anything is encrypted or sent; a list the site must not
/// approve gets no RoundApproval, and the site's durable state (approval record, privacy ledger) is unchanged.
/// </summary>
public sealed class HostileRoundTests
{
    private const string Victim = HostileConsortium.Victim;

    [Theory]
    [InlineData("rotation_seed")]
    [InlineData("clip_l2_norm")]
    [InlineData("noise_sigma")]
    public async Task HostileAnnouncementDifferingFromTheOwnFileIsRefusedNamingTheFieldAndNothingIsSent(string field)
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(90));
        await c.JoinAllAsync(timeout.Token);
        c.Hostile.Alter = (caller, answer) =>
        {
            if (caller != Victim || answer is not RoundConfig config)
            {
                return answer;
            }

            RoundConfig altered = config.Clone();
            switch (field)
            {
                case "rotation_seed":
                    byte[] seed = altered.Quantization.RotationSeed.ToByteArray();
                    seed[5] ^= 0x10;
                    altered.Quantization.RotationSeed = ByteString.CopyFrom(seed);
                    break;
                case "clip_l2_norm":
                    altered.Quantization.ClipL2Norm *= 8;
                    break;
                default:
                    altered.Quantization.NoiseSigmaNumerator *= 2;
                    break;
            }

            return altered;
        };

        ParameterMismatchException e = await Assert.ThrowsAsync<ParameterMismatchException>(() => c.VictimClient.SubmitAsync(HostileConsortium.Update(2), 1, 1, timeout.Token));
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.Empty(c.Hostile.Sent<CiphertextUploadMessage>(Victim, "UploadCiphertexts"));
        Assert.Empty(Directory.EnumerateFiles(c.VictimState, "upload-round-*"));
    }

    /// <summary>
    /// An aggregator that breaks a site's upload streams on purpose and asks it to send again must get the very same
    /// ciphertext each time: a second encryption would carry a second, independent draw of the DP noise for the same
    /// update, and averaging draws weakens the noise. The client waits longer before each new stream and the upload
    /// then completes as one upload.
    /// </summary>
    [Fact]
    public async Task HostileBrokenUploadStreamsGetTheSameBytesEveryTimeAndTheUploadCompletesOnce()
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(120));
        await c.JoinAllAsync(timeout.Token);
        int dropped = 0;
        c.Hostile.DropStream = (caller, method) => caller == Victim && method == "UploadCiphertexts" && Interlocked.Increment(ref dropped) <= 2;

        SubmitResult result = await c.VictimClient.SubmitAsync(HostileConsortium.Update(2), 1, 1, timeout.Token);

        Assert.Equal(3, Volatile.Read(ref dropped));
        Assert.Equal(3, result.Attempts);
        CiphertextUploadMessage[] sent = [.. c.Hostile.Sent<CiphertextUploadMessage>(Victim, "UploadCiphertexts")];
        var chunks = sent.Where(m => m.Chunk is not null).Select(m => m.Chunk).ToArray();
        var headers = sent.Where(m => m.Header is not null).Select(m => m.Header).ToArray();
        Assert.Equal(3, headers.Length);
        Assert.Single(headers.Select(h => h.UploadId).Distinct());
        Assert.Equal(3 * result.Chunks, chunks.Length); // nothing was accepted by the dropped streams: all sent again
        foreach (IGrouping<uint, CiphertextChunk> byIndex in chunks.GroupBy(ch => ch.ChunkIndex))
        {
            Assert.Single(byIndex.Select(ch => ch.Ciphertext).Distinct());
        }

        Assert.Single(sent.Where(m => m.Commitment is not null).Select(m => m.Commitment).Distinct());
    }

    [Fact]
    public async Task HostileStatusThatIgnoresTheWaitIsAskedAgainOnlyAfterThePollIntervalAndItsAbortEndsTheWait()
    {
        // The wait for publication long-polls GetRoundStatus past the stage it last saw. An aggregator that answers at once
        // (ignoring wait_millis) must not make the site hammer it, and its "aborted" ends the wait with its reason.
        await using HostileConsortium c = await HostileConsortium.StartAsync();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));
        int answered = 0;
        c.Hostile.Script = (caller, method, _) =>
        {
            if (caller != Victim || method != "GetRoundStatus")
            {
                return null;
            }

            return Interlocked.Increment(ref answered) <= 4
                ? new RoundStatus { Round = 1, Stage = RoundStage.Decrypting }
                : new RoundStatus { Round = 1, Stage = RoundStage.Aborted, AbortReason = AbortReason.DecryptionFailed, AbortMessage = "hostile abort" };
        };

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => c.VictimClient.WaitForPublicationAsync(1, timeout.Token));
        clock.Stop();

        Assert.Contains("Round 1 was aborted", e.Message, StringComparison.Ordinal);
        Assert.Contains("hostile abort", e.Message, StringComparison.Ordinal);
        GetRoundStatusRequest[] asked = [.. c.Hostile.Sent<GetRoundStatusRequest>(Victim, "GetRoundStatus")];
        Assert.Equal(5, asked.Length);
        Assert.All(asked, r => Assert.True(r.Round == 1 && r.WaitMillis > 0, r.ToString()));
        Assert.Equal(RoundStage.Unspecified, asked[0].KnownStage);
        Assert.All(asked[1..], r => Assert.Equal(RoundStage.Decrypting, r.KnownStage));
        // Four immediate non-final answers, each followed by the client's poll interval (50 ms in these tests).
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(4 * 50), $"five status calls in {clock.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task HostileListOfFewerThanMinParticipantsGetsNoApproval() =>
        await RefusedAsync((_, list) => list.Commitments.RemoveAt(0), "TooFewUploads");

    [Fact]
    public async Task HostileListWithoutTheSitesOwnCommitmentGetsNoApproval() =>
        await RefusedAsync((_, list) => list.Commitments.RemoveAt(2), "OwnCommitmentMissing");

    [Fact]
    public async Task HostileListWithTheSitesOwnCommitmentAlteredGetsNoApproval()
    {
        // Another commitment that the victim did sign (e.g. of an upload it abandoned): validly signed, but not the upload it approves.
        await RefusedAsync(
            (c, list) =>
            {
                using StatementSigner victim = c.SignerOf(Victim);
                var own = UploadCommitment.Parse(list.Commitments[2].Statement.Span);
                list.Commitments[2] = HostileConsortium.ToWire(victim.Sign(new UploadCommitment(
                    own.ConsortiumDigest.Span, own.Epoch, Victim, own.Round, Guid.NewGuid(), own.Weight, own.TotalChunks, own.ChunksDigest.Span)));
            },
            "OwnCommitmentAltered");
        await RefusedAsync(
            (_, list) =>
            {
                byte[] statement = list.Commitments[2].Statement.ToByteArray();
                statement[^1] ^= 1; // its chunks digest altered: the signature no longer verifies
                list.Commitments[2] = HostileConsortium.WithStatement(list.Commitments[2], statement);
            },
            "StatementRejected");
    }

    [Fact]
    public async Task HostileListWithABadSignatureGetsNoApproval() =>
        await RefusedAsync(
            (_, list) =>
            {
                byte[] signature = list.Commitments[0].Signature.ToByteArray();
                signature[10] ^= 1;
                list.Commitments[0] = new Proto.V1.SignedStatement { Statement = list.Commitments[0].Statement, Signature = ByteString.CopyFrom(signature) };
            },
            "StatementRejected");

    [Fact]
    public async Task HostileSecondDifferentListForTheSameRoundAfterOneWasApprovedGetsNoApproval()
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(90));
        await c.JoinAndSubmitAllAsync(1, timeout.Token);
        RoundAnswer first = await c.VictimClient.ApproveAsync(1, timeout.Token);
        Assert.True(first.Done, first.Detail);
        Dictionary<string, string> before = HostileConsortium.Snapshot(c.VictimState);

        // hospital-1 colludes: it signs a second upload commitment for round 1, and the aggregator shows the victim a list with it.
        using StatementSigner colluder = c.SignerOf("hospital-1");
        c.Hostile.Alter = (caller, answer) =>
        {
            if (caller != Victim || answer is not ApprovalRequest request)
            {
                return answer;
            }

            ApprovalRequest second = request.Clone();
            second.Stage = RoundStage.Approving;
            if (second.Commitments.Count == 0)
            {
                second.Commitments.AddRange(c.Hostile.Sent<CiphertextUploadMessage>("hospital-1", "UploadCiphertexts").Where(m => m.Commitment is not null).Select(m => m.Commitment).Take(1));
                second.Commitments.AddRange(c.Hostile.Sent<CiphertextUploadMessage>("hospital-2", "UploadCiphertexts").Where(m => m.Commitment is not null).Select(m => m.Commitment).Take(1));
                second.Commitments.AddRange(c.Hostile.Sent<CiphertextUploadMessage>(Victim, "UploadCiphertexts").Where(m => m.Commitment is not null).Select(m => m.Commitment).Take(1));
            }

            var original = UploadCommitment.Parse(second.Commitments[0].Statement.Span);
            second.Commitments[0] = HostileConsortium.ToWire(colluder.Sign(new UploadCommitment(
                original.ConsortiumDigest.Span, original.Epoch, original.ParticipantId, original.Round, Guid.NewGuid(), original.Weight, original.TotalChunks, original.ChunksDigest.Span)));
            return second;
        };

        RoundAnswer again = await c.VictimClient.ApproveAsync(1, timeout.Token);
        Assert.False(again.Done, again.Detail);
        Assert.Contains("AnotherListApproved", again.Detail, StringComparison.Ordinal);
        Assert.Single(c.Hostile.Sent<SubmitApprovalRequest>(Victim, "SubmitApproval"));
        Assert.Equal(before, HostileConsortium.Snapshot(c.VictimState));
    }

    /// <summary>Everyone submits to round 1; the victim is shown U's list altered by <paramref name="alter"/> and must refuse it.</summary>
    private static async Task RefusedAsync(Action<HostileConsortium, ApprovalRequest> alter, string refusal)
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(90));
        await c.JoinAndSubmitAllAsync(1, timeout.Token);
        Dictionary<string, string> before = HostileConsortium.Snapshot(c.VictimState);
        c.Hostile.Alter = (caller, answer) =>
        {
            if (caller != Victim || answer is not ApprovalRequest { Stage: RoundStage.Approving } request)
            {
                return answer;
            }

            ApprovalRequest altered = request.Clone();
            alter(c, altered);
            return altered;
        };

        RoundAnswer answer = await c.VictimClient.ApproveAsync(1, timeout.Token);
        Assert.False(answer.Done, answer.Detail);
        Assert.Contains(refusal, answer.Detail, StringComparison.Ordinal);
        Assert.Empty(c.Hostile.Sent<SubmitApprovalRequest>(Victim, "SubmitApproval"));
        Assert.Equal(before, HostileConsortium.Snapshot(c.VictimState));
    }
}
