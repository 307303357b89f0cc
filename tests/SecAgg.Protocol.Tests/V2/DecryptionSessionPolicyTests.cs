using System.Security.Cryptography;
using SecAgg.Protocol.Approval;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Tests.V2;

public sealed class DecryptionSessionPolicyTests : IDisposable
{
    private const ulong Round = 7;
    private readonly TestConsortium _tc = TestConsortium.Create(n: 5, t: 3, c: 1, m: 3);

    public void Dispose() => _tc.Dispose();

    private SignedStatement[] Uploads(params string[] ids) => [.. ids.Select(id => _tc.Upload(id, Round).Signed)];

    /// <summary>Approvals of <paramref name="approvers"/> over the list <paramref name="list"/> (signed by each approver directly).</summary>
    private SignedStatement[] Approvals(IEnumerable<SignedStatement> list, params string[] approvers)
    {
        byte[] digest = UploadList.Digest(_tc.Descriptor, list.Select(s => UploadCommitment.Parse(s.Statement.Span)));
        return [.. approvers.Select(id => _tc.Signer(id).Sign(new RoundApproval(_tc.Digest, 1, id, Round, digest)))];
    }

    private RoundDecision<DecryptionSession> Check(string member, SignedStatement[] uploads, SignedStatement[] approvals, params string[] d) =>
        new DecryptionSessionPolicy(_tc.NewRoster(), member, 1).Check(Round, uploads, approvals, d);

    private static void AssertRefused(RoundDecision<DecryptionSession> d, RoundRefusal refusal, string text)
    {
        Assert.False(d.IsAccepted);
        Assert.Null(d.Value);
        Assert.Equal(refusal, d.Refusal);
        Assert.Contains(text, d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AFullyApprovedSessionIsAcceptedWithPartyIdsInRosterOrder()
    {
        SignedStatement[] u = Uploads("hospital-4", "hospital-1", "hospital-2");
        RoundDecision<DecryptionSession> d = Check("hospital-5", u, Approvals(u, "hospital-2", "hospital-4", "hospital-1"), "hospital-5", "hospital-3", "hospital-1");
        Assert.True(d.IsAccepted, d.Reason);
        DecryptionSession s = d.Value!;
        Assert.Equal([1, 2, 4], s.UploaderParties.ToArray());
        Assert.Equal(3, s.UploaderCount);
        Assert.Equal([1, 3, 5], s.DecryptionParties.ToArray());
        Assert.Equal(5, s.MemberParty);
        Assert.Equal(3, s.TotalChunks);
        Assert.Equal(["hospital-1", "hospital-2", "hospital-4"], s.Commitments.Select(c => c.ParticipantId));

        // Independent reference for the session digest.
        byte[] expected = SHA256.HashData([.. "secagg/v2/decryption-session"u8.ToArray(), .. _tc.Digest, .. BitConverter.GetBytes(1UL), .. BitConverter.GetBytes(Round),
            .. s.ListDigest.ToArray(), .. BitConverter.GetBytes((ushort)3), .. BitConverter.GetBytes((ushort)1), .. BitConverter.GetBytes((ushort)3), .. BitConverter.GetBytes((ushort)5)]);
        Assert.Equal(expected, s.SessionDigest.ToArray());
    }

    [Fact]
    public void HostileSessionWithOneApprovalMissingIsRefused()
    {
        SignedStatement[] u = Uploads("hospital-1", "hospital-2", "hospital-3", "hospital-4");
        AssertRefused(Check("hospital-1", u, Approvals(u, "hospital-1", "hospital-2", "hospital-4"), "hospital-1", "hospital-2", "hospital-3"),
            RoundRefusal.ApprovalMissing, "from 'hospital-3'");
    }

    [Fact]
    public void HostileSessionWithApprovalsOverTwoDifferentListsIsRefused()
    {
        // hospital-4 was shown (and approved) a list without hospital-3; the others approved the full list.
        SignedStatement[] u = Uploads("hospital-1", "hospital-2", "hospital-3", "hospital-4");
        SignedStatement[] shown4 = Uploads("hospital-1", "hospital-2", "hospital-4");
        SignedStatement[] approvals = [.. Approvals(u, "hospital-1", "hospital-2", "hospital-3"), .. Approvals(shown4, "hospital-4")];
        AssertRefused(Check("hospital-5", u, approvals, "hospital-5", "hospital-2", "hospital-3"), RoundRefusal.ApprovalOverAnotherList, "'hospital-4' approved another upload list");
        AssertRefused(Check("hospital-5", shown4, approvals.Where(a => !RoundApproval.Parse(a.Statement.Span).ParticipantId.Equals("hospital-3", StringComparison.Ordinal)).ToArray(), "hospital-5", "hospital-2", "hospital-3"),
            RoundRefusal.ApprovalOverAnotherList, "approved another upload list");
    }

    [Fact]
    public void HostileDecryptionSetOfTheWrongSizeIsRefused()
    {
        SignedStatement[] u = Uploads("hospital-1", "hospital-2", "hospital-3");
        SignedStatement[] a = Approvals(u, "hospital-1", "hospital-2", "hospital-3");
        AssertRefused(Check("hospital-1", u, a, "hospital-1", "hospital-2"), RoundRefusal.DecryptionSetWrongSize, "2 members; it must have exactly t = 3");
        AssertRefused(Check("hospital-1", u, a, "hospital-1", "hospital-2", "hospital-3", "hospital-4"), RoundRefusal.DecryptionSetWrongSize, "exactly t = 3");
    }

    [Fact]
    public void HostileDecryptionSetWithoutTheMemberIsRefused()
    {
        SignedStatement[] u = Uploads("hospital-1", "hospital-2", "hospital-3");
        AssertRefused(Check("hospital-5", u, Approvals(u, "hospital-1", "hospital-2", "hospital-3"), "hospital-1", "hospital-2", "hospital-3"),
            RoundRefusal.MemberNotInDecryptionSet, "'hospital-5' is not in the decryption set");
    }

    [Fact]
    public void HostileDecryptionSetWithStrangersOrRepeatsIsRefused()
    {
        SignedStatement[] u = Uploads("hospital-1", "hospital-2", "hospital-3");
        SignedStatement[] a = Approvals(u, "hospital-1", "hospital-2", "hospital-3");
        AssertRefused(Check("hospital-1", u, a, "hospital-1", "hospital-2", "aggregator"), RoundRefusal.DecryptionSetInvalid, "'aggregator' is not in the roster");
        AssertRefused(Check("hospital-1", u, a, "hospital-1", "hospital-2", "hospital-2"), RoundRefusal.DecryptionSetInvalid, "listed twice");
    }

    [Fact]
    public void HostileSessionOverFewerThanMinParticipantsIsRefused()
    {
        // A colluder's approval and one victim's are not enough: the member checks |U| itself.
        SignedStatement[] u = Uploads("hospital-1", "hospital-2");
        AssertRefused(Check("hospital-3", u, Approvals(u, "hospital-1", "hospital-2"), "hospital-3", "hospital-4", "hospital-5"),
            RoundRefusal.TooFewUploads, "at least min-participants = 3");
    }

    [Fact]
    public void HostileSingleUploadSessionIsRefused()
    {
        SignedStatement[] u = Uploads("hospital-2");
        AssertRefused(Check("hospital-3", u, Approvals(u, "hospital-2"), "hospital-3", "hospital-4", "hospital-5"), RoundRefusal.TooFewUploads, "1 upload in U");
    }

    [Fact]
    public void HostileCommitmentOrApprovalFromAnotherRoundOrEpochIsRefused()
    {
        SignedStatement[] u = Uploads("hospital-1", "hospital-2", "hospital-3");
        SignedStatement[] a = Approvals(u, "hospital-1", "hospital-2", "hospital-3");
        SignedStatement[] oldRound = [u[0], u[1], _tc.Upload("hospital-3", Round - 1).Signed];
        AssertRefused(Check("hospital-1", oldRound, a, "hospital-1", "hospital-2", "hospital-3"), RoundRefusal.OtherRound, "for round 6, not round 7");
        SignedStatement[] oldEpoch = [u[0], u[1], _tc.Upload("hospital-3", Round, epoch: 0).Signed];
        AssertRefused(Check("hospital-1", oldEpoch, a, "hospital-1", "hospital-2", "hospital-3"), RoundRefusal.StatementRejected, "epoch 0, not the current epoch 1");

        byte[] digest = UploadList.Digest(_tc.Descriptor, u.Select(s => UploadCommitment.Parse(s.Statement.Span)));
        SignedStatement staleApproval = _tc.Signer("hospital-3").Sign(new RoundApproval(_tc.Digest, 1, "hospital-3", Round - 1, digest));
        AssertRefused(Check("hospital-1", u, [a[0], a[1], staleApproval], "hospital-1", "hospital-2", "hospital-3"), RoundRefusal.OtherRound, "approval of 'hospital-3' is for round 6");
    }

    [Fact]
    public void HostileForgedOrOutsideApprovalsAreRefused()
    {
        SignedStatement[] u = Uploads("hospital-1", "hospital-2", "hospital-3");
        SignedStatement[] a = Approvals(u, "hospital-1", "hospital-2", "hospital-3");
        SignedStatement crossAttributed = _tc.Signer("hospital-4").Sign(RoundApproval.Parse(a[2].Statement.Span));
        SignedStatement secondOfHospital3 = Approvals(u, "hospital-3")[0];
        AssertRefused(Check("hospital-1", u, [a[0], a[1], crossAttributed], "hospital-1", "hospital-2", "hospital-3"), RoundRefusal.StatementRejected, "signed with the enrollment key of 'hospital-4'");
        AssertRefused(Check("hospital-1", u, [.. a, .. Approvals(u, "hospital-5")], "hospital-1", "hospital-2", "hospital-3"), RoundRefusal.ApprovalFromOutsideSet, "'hospital-5', who has no upload in U");
        AssertRefused(Check("hospital-1", u, [.. a, secondOfHospital3], "hospital-1", "hospital-2", "hospital-3"), RoundRefusal.DuplicateStatement, "two approvals of 'hospital-3'");
    }

    [Fact]
    public void HostileUploadsWithDifferentChunkCountsAreRefused()
    {
        SignedStatement[] u = [.. Uploads("hospital-1", "hospital-2"), _tc.Upload("hospital-3", Round, chunks: 2).Signed];
        AssertRefused(Check("hospital-1", u, Approvals(u, "hospital-1", "hospital-2", "hospital-3"), "hospital-1", "hospital-2", "hospital-3"),
            RoundRefusal.ChunkCountsDiffer, "'hospital-3' has 2 chunks");
    }

    [Fact]
    public void ApprovalsFromTheHonestPolicyOpenTheSession()
    {
        string dir = Path.Combine(Path.GetTempPath(), "secagg-session-" + Guid.NewGuid().ToString("N"));
        try
        {
            string[] ids = ["hospital-1", "hospital-2", "hospital-3"];
            var uploads = ids.Select(id => _tc.Upload(id, Round)).ToArray();
            SignedStatement[] list = [.. uploads.Select(x => x.Signed)];
            SignedStatement[] approvals = [.. ids.Select((id, i) =>
                new RoundApprovalPolicy(_tc.NewRoster(), _tc.Signer(id), id, 1, new FileApprovalRecord(Path.Combine(dir, id)), _ => true)
                    .Decide(Round, uploads[i].Commitment, list).Value!)];
            RoundDecision<DecryptionSession> d = Check("hospital-4", list, approvals, "hospital-4", "hospital-5", "hospital-1");
            Assert.True(d.IsAccepted, d.Reason);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
