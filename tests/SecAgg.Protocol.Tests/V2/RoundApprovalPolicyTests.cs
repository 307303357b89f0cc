using System.Security.Cryptography;
using SecAgg.Protocol.Approval;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Tests.V2;

public sealed class RoundApprovalPolicyTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "secagg-approvals-" + Guid.NewGuid().ToString("N"));
    private readonly TestConsortium _tc = TestConsortium.Create(n: 4, t: 3, c: 1, m: 3);
    private readonly List<int> _privacyAsked = [];

    public void Dispose()
    {
        _tc.Dispose();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private RoundApprovalPolicy Policy(string id = "hospital-1", bool privacyAllows = true) =>
        new(_tc.NewRoster(), _tc.Signer(id), id, 1, new FileApprovalRecord(_dir), honest =>
        {
            _privacyAsked.Add(honest);
            return privacyAllows;
        });

    private SignedStatement[] Uploads(ulong round, params string[] ids) => [.. ids.Select(id => _tc.Upload(id, round).Signed)];

    private void AssertRefused(RoundDecision<SignedStatement> d, RoundRefusal refusal, string text, ulong round = 7)
    {
        Assert.False(d.IsAccepted);
        Assert.Null(d.Value);
        Assert.Equal(refusal, d.Refusal);
        Assert.Contains(text, d.Reason, StringComparison.Ordinal);
        Assert.Null(new FileApprovalRecord(_dir).Find(1, round));
    }

    [Fact]
    public void AnHonestListIsApprovedWithASignedApprovalOverItsDigest()
    {
        var (own, _) = _tc.Upload("hospital-1", 7);
        RoundDecision<SignedStatement> d = Policy().Decide(7, own, [.. Uploads(7, "hospital-3", "hospital-1", "hospital-2").Reverse()]);
        Assert.True(d.IsAccepted, d.Reason);
        Assert.Null(d.Refusal);

        RoundApproval approval = new StatementVerifier(_tc.Roster, 1).Verify<RoundApproval>(d.Value!);
        Assert.Equal(("hospital-1", 7UL), (approval.ParticipantId, approval.Round));

        // Independent reference: the list digest over the statements in roster order.
        byte[] listed = [.. "secagg/v2/upload-list"u8.ToArray(), .. BitConverter.GetBytes(3u),
            .. new[] { "hospital-1", "hospital-2", "hospital-3" }.SelectMany(id =>
            {
                byte[] bytes = _tc.Upload(id, 7).Commitment.Encode();
                return (byte[])[.. BitConverter.GetBytes((ushort)bytes.Length), .. bytes];
            })];
        Assert.Equal(SHA256.HashData(listed), approval.ListDigest.ToArray());
        Assert.Equal(SHA256.HashData(listed), new FileApprovalRecord(_dir).Find(1, 7));
        Assert.Equal([2], _privacyAsked);
    }

    [Fact]
    public void TheSameListShownAgainIsApprovedAgainWithoutCountingPrivacyTwice()
    {
        var (own, _) = _tc.Upload("hospital-1", 7);
        SignedStatement[] list = Uploads(7, "hospital-1", "hospital-2", "hospital-3");
        Assert.True(Policy().Decide(7, own, list).IsAccepted);
        RoundDecision<SignedStatement> again = Policy().Decide(7, own, list);
        Assert.True(again.IsAccepted, again.Reason);
        Assert.Equal([2], _privacyAsked);
    }

    [Fact]
    public void HostileListWithTheParticipantsOwnCommitmentAlteredIsRefused()
    {
        var (own, signedOwn) = _tc.Upload("hospital-1", 7);
        byte[] altered = signedOwn.Statement.ToArray();
        altered[^1] ^= 1;
        SignedStatement[] list = [new SignedStatement(altered, signedOwn.Signature.Span), .. Uploads(7, "hospital-2", "hospital-3")];
        AssertRefused(Policy().Decide(7, own, list), RoundRefusal.StatementRejected, "signature does not verify under the pinned certificate of 'hospital-1'");

        // A validly signed but earlier commitment of hospital-1 for the round (an upload it abandoned) is not its upload either.
        SignedStatement abandoned = _tc.Upload("hospital-1", 7, salt: 1).Signed;
        AssertRefused(Policy().Decide(7, own, [abandoned, .. Uploads(7, "hospital-2", "hospital-3")]), RoundRefusal.OwnCommitmentAltered, "not the one it made");
        Assert.Empty(_privacyAsked);
    }

    [Fact]
    public void HostileListWithoutTheParticipantsOwnCommitmentIsRefused()
    {
        var (own, _) = _tc.Upload("hospital-1", 7);
        AssertRefused(Policy().Decide(7, own, Uploads(7, "hospital-2", "hospital-3", "hospital-4")), RoundRefusal.OwnCommitmentMissing, "does not contain the commitment of 'hospital-1'");
    }

    [Fact]
    public void HostileListOfFewerThanMinParticipantsIsRefused()
    {
        var (own, _) = _tc.Upload("hospital-1", 7);
        AssertRefused(Policy().Decide(7, own, Uploads(7, "hospital-1", "hospital-2")), RoundRefusal.TooFewUploads, "2 uploads in U; the consortium decrypts only sums of at least min-participants = 3");
        Assert.Empty(_privacyAsked);
    }

    [Fact]
    public void HostileCommitmentFromAnotherRoundIsRefused()
    {
        var (own, _) = _tc.Upload("hospital-1", 7);
        SignedStatement[] list = [.. Uploads(7, "hospital-1", "hospital-2"), _tc.Upload("hospital-3", 6).Signed];
        AssertRefused(Policy().Decide(7, own, list), RoundRefusal.OtherRound, "commitment of 'hospital-3' is for round 6, not round 7");
    }

    [Fact]
    public void HostileCommitmentFromAnotherEpochIsRefused()
    {
        var (own, _) = _tc.Upload("hospital-1", 7);
        SignedStatement[] list = [.. Uploads(7, "hospital-1", "hospital-2"), _tc.Upload("hospital-3", 7, epoch: 0).Signed];
        AssertRefused(Policy().Decide(7, own, list), RoundRefusal.StatementRejected, "signed for key epoch 0, not the current epoch 1");
    }

    [Fact]
    public void HostileDuplicatedUploaderIsRefused()
    {
        var (own, _) = _tc.Upload("hospital-1", 7);
        SignedStatement[] list = [.. Uploads(7, "hospital-1", "hospital-2"), _tc.Upload("hospital-2", 7, salt: 5).Signed];
        AssertRefused(Policy().Decide(7, own, list), RoundRefusal.DuplicateStatement, "more than one commitment of 'hospital-2'");
    }

    [Fact]
    public void HostileSecondDifferentListForTheSameRoundIsRefusedAlsoAfterARestart()
    {
        var (own, _) = _tc.Upload("hospital-1", 7);
        Assert.True(Policy().Decide(7, own, Uploads(7, "hospital-1", "hospital-2", "hospital-3", "hospital-4")).IsAccepted);
        byte[] first = new FileApprovalRecord(_dir).Find(1, 7)!;

        // The aggregator now wants to drop hospital-4 (e.g. to isolate it): same process, then a restarted participant.
        SignedStatement[] smaller = Uploads(7, "hospital-1", "hospital-2", "hospital-3");
        RoundApprovalPolicy samePolicy = Policy();
        foreach (RoundApprovalPolicy p in new[] { samePolicy, Policy() })
        {
            RoundDecision<SignedStatement> d = p.Decide(7, own, smaller);
            Assert.Null(d.Value);
            Assert.Equal(RoundRefusal.AnotherListApproved, d.Refusal);
            Assert.Contains("already approved another upload list for epoch 1, round 7", d.Reason, StringComparison.Ordinal);
        }

        Assert.Equal(first, new FileApprovalRecord(_dir).Find(1, 7));
        Assert.Equal([3], _privacyAsked);
    }

    [Fact]
    public void ARefusingPrivacyLedgerBlocksTheApproval()
    {
        var (own, _) = _tc.Upload("hospital-1", 7);
        AssertRefused(Policy(privacyAllows: false).Decide(7, own, Uploads(7, "hospital-1", "hospital-2", "hospital-3", "hospital-4")),
            RoundRefusal.PrivacyBudgetExhausted, "4 uploads (3 honest summands with c = 1)");
        Assert.Equal([3], _privacyAsked);
    }

    [Fact]
    public void HostileWeightsAndChunkCountsAreChecked()
    {
        var (own, _) = _tc.Upload("hospital-1", 7);
        AssertRefused(Policy().Decide(7, own, [.. Uploads(7, "hospital-1", "hospital-2"), _tc.Upload("hospital-3", 7, weight: 2).Signed]),
            RoundRefusal.WeightOutOfRange, "claims weight 2; the consortium allows 1..1");
        AssertRefused(Policy().Decide(7, own, [.. Uploads(7, "hospital-1", "hospital-2"), _tc.Upload("hospital-3", 7, chunks: 4).Signed]),
            RoundRefusal.ChunkCountsDiffer, "'hospital-3' has 4 chunks");
    }

    [Fact]
    public void TheOwnCommitmentMustBeTheParticipantsForThisRound()
    {
        var (other, _) = _tc.Upload("hospital-2", 7);
        Assert.Throws<ArgumentException>(() => Policy().Decide(7, other, Uploads(7, "hospital-1", "hospital-2", "hospital-3")));
    }

    [Fact]
    public void TheApprovalRecordIsPrivateChecksummedAndFirstWriterWins()
    {
        var record = new FileApprovalRecord(_dir);
        byte[] a = SHA256.HashData("a"u8), b = SHA256.HashData("b"u8);
        Assert.Null(record.Find(2, 3));
        Assert.Equal(a, record.RecordOnce(2, 3, a));
        Assert.Equal(a, new FileApprovalRecord(_dir).RecordOnce(2, 3, b));
        string path = Path.Combine(_dir, "approval-2-3.bin");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
        }

        byte[] content = File.ReadAllBytes(path);
        Assert.Equal(85, content.Length);
        Assert.Equal(SHA256.HashData(content.AsSpan(0, 53)), content[53..]);
        content[30] ^= 1;
        File.WriteAllBytes(path, content);
        Assert.Contains("is damaged", Assert.Throws<InvalidDataException>(() => record.Find(2, 3)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => record.RecordOnce(2, 3, b));
    }
}
