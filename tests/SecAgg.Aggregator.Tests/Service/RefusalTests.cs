using System.Security.Cryptography;
using Grpc.Core;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Statements;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// What the aggregator refuses, with the status and reason a client acts on: statements that are not the caller's own
/// (signed by another participant, another epoch), an upload whose commitment does not match its chunks, a second
/// different upload, an approval from outside U, a share for another session, and a round that will never open.
/// </summary>
public sealed class RefusalTests
{
    private static ErrorDetail Detail(RpcException e) =>
        ErrorDetail.Parser.ParseFrom(e.Trailers.GetValueBytes(WireKeys.ErrorDetailTrailer)!);

    [Fact]
    public async Task ACommitSignedByAnotherParticipantIsRejectedAndTheEpochGoesOn()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite");
        await h.StartAsync();
        TestParticipant a = h.Participant(h.Ids[0]), b = h.Participant(h.Ids[1]);
        using var epochA = ParticipantKeyEpoch.Start(a.Preset, RosterOf(h), a.Signer, a.Id, 1);
        SignedStatement genuine = epochA.CreateCommit();

        // A's commit re-signed with B's enrollment key, sent by A: the signature is B's (whose certificate the aggregator
        // admitted when B connected), not A's.
        await b.Client.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest());
        SignedStatement forged = b.Signer.Sign(Statement.Parse(genuine.Statement.Span));
        var e = await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, async () =>
            await a.Client.KeyEpoch.SubmitCommitAsync(new SubmitStatementRequest { EpochId = 1, Statement = TestParticipant.ToWire(forged) }));
        Assert.Equal(ErrorReason.StatementRejected, Detail(e).Reason);
        Assert.Contains($"signed with the enrollment key of '{b.Id}'", e.Status.Detail, StringComparison.Ordinal);

        // A's genuine commit relayed by B: a participant submits only its own statements.
        e = await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, async () =>
            await b.Client.KeyEpoch.SubmitCommitAsync(new SubmitStatementRequest { EpochId = 1, Statement = TestParticipant.ToWire(genuine) }));
        Assert.Equal(ErrorReason.StatementRejected, Detail(e).Reason);
        Assert.Contains($"names participant '{a.Id}'", e.Status.Detail, StringComparison.Ordinal);

        EpochInfo info = await a.Client.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest());
        Assert.All(info.Participants, p => Assert.False(p.CommitReceived));
        await h.JoinEpochAsync();
        await h.WaitForStageAsync(1, Proto.V1.RoundStage.Open);
        Assert.Equal(KeyEpochStage.Ready, (await a.Client.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest())).Stage);
    }

    [Fact]
    public async Task AStatementForAnotherEpochIsRejected()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite");
        await h.StartAsync();
        TestParticipant a = h.Participant(h.Ids[0]);
        using var other = ParticipantKeyEpoch.Start(a.Preset, RosterOf(h), a.Signer, a.Id, 2);
        var e = await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, async () =>
            await a.Client.KeyEpoch.SubmitCommitAsync(new SubmitStatementRequest { EpochId = 1, Statement = TestParticipant.ToWire(other.CreateCommit()) }));
        Assert.Equal(ErrorReason.StatementRejected, Detail(e).Reason);
        Assert.Contains("key epoch 2", e.Status.Detail, StringComparison.Ordinal);

        e = await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, async () =>
            await a.Client.KeyEpoch.SubmitCommitAsync(new SubmitStatementRequest { EpochId = 2, Statement = TestParticipant.ToWire(other.CreateCommit()) }));
        Assert.Contains("not the current key epoch 1", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUploadWhoseCommitmentDoesNotMatchItsChunksIsNotCounted()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite");
        await h.StartWithEpochAsync();
        TestParticipant a = h.Participant(h.Ids[0]);
        RoundParameters p = await a.RoundAsync(1);
        var encryptor = new UpdateEncryptor(p, a.Keys.Secret, a.Signer, a.Id);
        Guid id = Guid.NewGuid();
        EncryptedUpload committed = encryptor.Encrypt(TestParticipant.RandomUpdate(1), 1, id);
        EncryptedUpload sent = encryptor.Encrypt(TestParticipant.RandomUpdate(2), 1, id);

        // The chunks of one encryption with the commitment of another (same upload id, round and weight).
        List<CiphertextUploadMessage> messages = TestParticipant.Messages(1, p.ParameterDigest, sent, withCommitment: false);
        messages.Add(new CiphertextUploadMessage { Commitment = TestParticipant.ToWire(committed.SignedCommitment) });
        var e = await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => a.SendAsync(messages));
        Assert.Equal(ErrorReason.DigestMismatch, Detail(e).Reason);
        Assert.Contains("does not match", e.Status.Detail, StringComparison.Ordinal);
        RoundStatus status = await a.Client.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 1 });
        Assert.Equal(0u, status.ParticipantsSubmitted);

        // Nothing was committed, so a fresh upload (new id) replaces it and counts.
        UploadCiphertextsResponse fresh = await a.UploadAsync(1, TestParticipant.RandomUpdate(3));
        Assert.True(fresh.Complete);
    }

    [Fact]
    public async Task ASecondDifferentUploadIsRefusedNamingTheFirstAndAnIdenticalResendIsAnsweredAgain()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite");
        await h.StartWithEpochAsync();
        TestParticipant a = h.Participant(h.Ids[0]);
        List<CiphertextUploadMessage> first = await a.EncryptAsync(1, TestParticipant.RandomUpdate(1));
        Assert.True((await a.SendAsync(first)).Complete);
        string firstId = Convert.ToHexString(first[0].Header.UploadId.ToByteArray()).ToLowerInvariant();

        UploadCiphertextsResponse again = await a.SendAsync(first);
        Assert.True(again.Complete);

        var e = await ServiceHarness.AssertStatusAsync(StatusCode.AlreadyExists, async () => await a.UploadAsync(1, TestParticipant.RandomUpdate(2)));
        Assert.Contains(firstId, e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("second, different upload", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1u, (await a.Client.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 1 })).ParticipantsSubmitted);
    }

    [Fact]
    public async Task AnApprovalFromOutsideTheUploadListIsRefused()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, minParticipants: 2, threshold: 2, collect: "2s");
        await h.StartWithEpochAsync();
        TestParticipant a = h.Participant(h.Ids[0]), b = h.Participant(h.Ids[1]), c = h.Participant(h.Ids[2]);
        await a.UploadAsync(1, TestParticipant.RandomUpdate(1));
        await b.UploadAsync(1, TestParticipant.RandomUpdate(2));
        RoundStatus approving = await h.WaitForStageAsync(1, Proto.V1.RoundStage.Approving);
        Assert.Equal([a.Id, b.Id], approving.WaitingFor);

        var e = await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, async () =>
            await c.Client.Rounds.GetApprovalRequestAsync(new GetApprovalRequestRequest { Round = 1 }));
        Assert.Equal(ErrorReason.NotInSet, Detail(e).Reason);

        ApprovalRequest request = await a.Client.Rounds.GetApprovalRequestAsync(new GetApprovalRequestRequest { Round = 1 });
        byte[] digest = UploadList.Digest(h.Config.Descriptor, request.Commitments.Select(s => UploadCommitment.Parse(s.Statement.Span)));
        SignedStatement outsider = c.Signer.Sign(new RoundApproval(h.Config.Descriptor.Digest.Span, 1, c.Id, 1, digest));
        e = await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, async () =>
            await c.Client.Rounds.SubmitApprovalAsync(new SubmitApprovalRequest { Round = 1, Approval = TestParticipant.ToWire(outsider) }));
        Assert.Equal(ErrorReason.NotInSet, Detail(e).Reason);

        // A member approving another list is refused too.
        SignedStatement wrongList = a.Signer.Sign(new RoundApproval(h.Config.Descriptor.Digest.Span, 1, a.Id, 1, SHA256.HashData([1])));
        e = await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, async () =>
            await a.Client.Rounds.SubmitApprovalAsync(new SubmitApprovalRequest { Round = 1, Approval = TestParticipant.ToWire(wrongList) }));
        Assert.Equal(ErrorReason.StatementRejected, Detail(e).Reason);

        await a.ApproveAsync(1);
        await b.ApproveAsync(1);
        await h.WaitForStageAsync(1, Proto.V1.RoundStage.Decrypting);
    }

    [Fact]
    public async Task AShareMadeForAnotherSessionIsRefusedAndTheRoundStillPublishes()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 2);
        await h.StartWithEpochAsync();
        TestParticipant[] all = [.. h.Ids.Select(h.Participant)];
        foreach (TestParticipant t in all)
        {
            await t.UploadAsync(1, TestParticipant.RandomUpdate(t.Id.GetHashCode(StringComparison.Ordinal)));
        }

        await h.ApproveAllAsync(1, all);

        RoundStatus decrypting = await h.WaitForStageAsync(1, Proto.V1.RoundStage.Decrypting);
        string member = decrypting.WaitingFor[0];
        string outsider = h.Ids.First(id => !decrypting.WaitingFor.Contains(id));
        TestParticipant m = h.Participant(member);
        List<DecryptionShare> forged = (await m.PrepareSharesAsync(1, [member, outsider]))!;
        var e = await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, async () =>
            await m.Client.Rounds.UploadDecryptionShares().SendAsync(ServiceHarness.Stream(forged)));
        Assert.Contains("refused", e.Status.Detail, StringComparison.Ordinal);

        // A participant outside D may not answer at all.
        TestParticipant o = h.Participant(outsider);
        e = await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, async () =>
            await o.Client.Rounds.UploadDecryptionShares().SendAsync(ServiceHarness.Stream(forged.Select(s => { var x = s.Clone(); x.ParticipantId = outsider; return x; }))));
        Assert.Equal(ErrorReason.NotInSet, Detail(e).Reason);

        foreach (TestParticipant t in all)
        {
            await t.DecryptAsync(1);
        }

        await h.WaitForStageAsync(1, Proto.V1.RoundStage.Published);
    }

    [Fact]
    public async Task ARoundBeyondThePlannedRoundsSaysWhyItWillNeverOpen()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", rounds: 1);
        await h.StartWithEpochAsync();
        TestParticipant a = h.Participant(h.Ids[0]);
        RoundStatus status = await a.Client.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 999 });
        Assert.Equal(Proto.V1.RoundStage.Unspecified, status.Stage);
        Assert.Contains("round 999 is beyond the planned rounds", status.NotOpenReason, StringComparison.Ordinal);
        var e = await ServiceHarness.AssertStatusAsync(StatusCode.NotFound, async () =>
            await a.Client.Rounds.GetRoundConfigAsync(new GetRoundConfigRequest { Round = 999 }));
        Assert.Contains("beyond the planned rounds", e.Status.Detail, StringComparison.Ordinal);
    }

    private static Protocol.Identity.PinnedRoster RosterOf(ServiceHarness h)
    {
        var roster = new Protocol.Identity.PinnedRoster(h.Config.Descriptor, h.Ca.Certificate);
        foreach (var (id, cert) in h.Certificates)
        {
            roster.Admit(id, cert);
        }

        return roster;
    }
}
