using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Tests.V2;

public sealed class StatementTests
{
    private static readonly byte[] Digest = [.. Enumerable.Range(0, 32).Select(i => (byte)(0xA0 + i))];

    private static byte[] Header(byte kind, ulong epoch, string id)
    {
        var b = new List<byte>();
        b.AddRange(Encoding.ASCII.GetBytes("SecAgg statement v2"));
        b.Add(kind);
        b.AddRange(Digest);
        b.AddRange(BitConverter.GetBytes(epoch));
        b.AddRange(BitConverter.GetBytes((ushort)id.Length));
        b.AddRange(Encoding.UTF8.GetBytes(id));
        return [.. b];
    }

    private static byte[] Spki()
    {
        using var k = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return k.ExportSubjectPublicKeyInfo();
    }

    [Fact]
    public void EveryKindEncodesAsTheDocumentedBytes()
    {
        Assert.Equal(19, "SecAgg statement v2".Length);
        byte[] r = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
        byte[] spki = Spki();
        Assert.Equal(91, spki.Length);
        byte[] h = SHA256.HashData(r);
        byte[] list = SHA256.HashData("list"u8);
        byte[] chunks = SHA256.HashData("chunks"u8);
        var upload = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

        Assert.Equal([.. Header(1, 7, "hospital-1"), .. h, .. spki], new EpochCommit(Digest, 7, "hospital-1", h, spki).Encode());
        Assert.Equal([.. Header(2, 7, "hospital-1"), .. r], new EpochReveal(Digest, 7, "hospital-1", r).Encode());
        Assert.Equal(
            [.. Header(3, 7, "h-2"), .. BitConverter.GetBytes(5UL), .. upload.ToByteArray(), .. BitConverter.GetBytes(3UL), .. BitConverter.GetBytes(4u), .. chunks],
            new UploadCommitment(Digest, 7, "h-2", 5, upload, 3, 4, chunks).Encode());
        Assert.Equal([.. Header(4, 7, "h-2"), .. BitConverter.GetBytes(5UL), .. list], new RoundApproval(Digest, 7, "h-2", 5, list).Encode());
    }

    [Fact]
    public void ParseRoundTripsEveryKind()
    {
        byte[] r = RandomNumberGenerator.GetBytes(32);
        Statement[] all =
        [
            new EpochCommit(Digest, 1, "a", SHA256.HashData(r), Spki()),
            new EpochReveal(Digest, 2, "b", r),
            new UploadCommitment(Digest, 3, "c", 9, Guid.NewGuid(), 2, 17, SHA256.HashData(r)),
            new RoundApproval(Digest, ulong.MaxValue, "d.e_f-G", 9, SHA256.HashData(r)),
        ];
        foreach (Statement s in all)
        {
            byte[] bytes = s.Encode();
            Statement back = Statement.Parse(bytes);
            Assert.Equal(s.GetType(), back.GetType());
            Assert.Equal(bytes, back.Encode());
        }

        UploadCommitment u = UploadCommitment.Parse(all[2].Encode());
        Assert.Equal(((UploadCommitment)all[2]).UploadId, u.UploadId);
        Assert.Equal(17, u.TotalChunks);
    }

    [Fact]
    public void ParseIsStrict()
    {
        byte[] good = new RoundApproval(Digest, 1, "hospital-1", 2, new byte[32]).Encode();
        string Fails(byte[] bytes) => Assert.Throws<InvalidDataException>(() => Statement.Parse(bytes)).Message;

        Assert.Contains("unexpected byte", Fails([.. good, 0]), StringComparison.Ordinal);
        Assert.Contains("ends inside list digest", Fails(good[..^1]), StringComparison.Ordinal);
        Assert.Contains("does not start with", Fails([(byte)'X', .. good[1..]]), StringComparison.Ordinal);
        byte[] unknownKind = [.. good];
        unknownKind[19] = 5;
        Assert.Contains("kind 5 is unknown", Fails(unknownKind), StringComparison.Ordinal);
        Assert.Contains("not valid", Fails([.. Header(4, 1, "a b"), .. new byte[40]]), StringComparison.Ordinal);
        Assert.Contains("0 bytes long", Fails([.. Header(4, 1, ""), .. new byte[40]]), StringComparison.Ordinal);
        Assert.Contains("more than the 512", Fails(new byte[513]), StringComparison.Ordinal);
        Assert.Contains("at least 1", Fails([.. Header(3, 1, "a"), .. new byte[8 + 16], .. BitConverter.GetBytes(0UL), .. BitConverter.GetBytes(1u), .. new byte[32]]), StringComparison.Ordinal);

        byte[] spki = Spki();
        spki[^1] ^= 1; // the point leaves the curve
        Assert.Contains("not the SubjectPublicKeyInfo DER of a P-256 point", Fails([.. Header(1, 1, "a"), .. new byte[32], .. spki]), StringComparison.Ordinal);
    }

    [Fact]
    public void TypedParseRefusesAnotherKind()
    {
        byte[] reveal = new EpochReveal(Digest, 1, "hospital-1", new byte[32]).Encode();
        var e = Assert.Throws<InvalidDataException>(() => EpochCommit.Parse(reveal));
        Assert.Contains("EpochReveal statement of 'hospital-1'; EpochCommit was expected", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SignedStatementSerializationIsStrict()
    {
        using TestConsortium tc = TestConsortium.Create();
        SignedStatement s = tc.Signer("hospital-1").Sign(new EpochReveal(tc.Digest, 1, "hospital-1", new byte[32]));
        byte[] wire = s.Serialize();
        Assert.Equal(2 + s.Statement.Length + 64, wire.Length);
        SignedStatement back = SignedStatement.Deserialize(wire);
        Assert.Equal(s.Statement.ToArray(), back.Statement.ToArray());
        Assert.Equal(s.Signature.ToArray(), back.Signature.ToArray());
        Assert.Throws<InvalidDataException>(() => SignedStatement.Deserialize([.. wire, 0]));
        Assert.Throws<InvalidDataException>(() => SignedStatement.Deserialize(wire[..^1]));
        Assert.Throws<InvalidDataException>(() => SignedStatement.Deserialize([0, 0, .. new byte[64]]));
        Assert.Throws<ArgumentException>(() => new SignedStatement(s.Statement.Span, new byte[63]));
    }

    [Fact]
    public void SignatureIsP1363OverTheStatementBytesUnderTheCertificateKey()
    {
        using TestConsortium tc = TestConsortium.Create();
        SignedStatement s = tc.Signer("hospital-2").Sign(new EpochReveal(tc.Digest, 1, "hospital-2", new byte[32]));
        using ECDsa key = tc.Certificates[1].GetECDsaPublicKey()!;
        Assert.Equal(64, s.Signature.Length);
        Assert.True(key.VerifyData(s.Statement.Span, s.Signature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

        EpochReveal verified = new StatementVerifier(tc.Roster, 1).Verify<EpochReveal>(s);
        Assert.Equal("hospital-2", verified.ParticipantId);
    }

    [Fact]
    public void HostileForgedSignatureIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        byte[] statement = new EpochReveal(tc.Digest, 1, "hospital-1", new byte[32]).Encode();
        using var outsider = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        SignedStatement[] forgeries =
        [
            new SignedStatement(statement, new byte[64]),
            new SignedStatement(statement, RandomNumberGenerator.GetBytes(64)),
            new StatementSigner(outsider).Sign(EpochReveal.Parse(statement)),
        ];
        var verifier = new StatementVerifier(tc.Roster, 1);
        foreach (SignedStatement f in forgeries)
        {
            var e = Assert.Throws<StatementRejectedException>(() => verifier.Verify<EpochReveal>(f));
            Assert.Equal(StatementRejection.BadSignature, e.Reason);
            Assert.Contains("signature does not verify under the pinned certificate of 'hospital-1'", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void HostileStatementAlteredAfterSigningIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        SignedStatement s = tc.Signer("hospital-1").Sign(new RoundApproval(tc.Digest, 1, "hospital-1", 3, new byte[32]));
        byte[] altered = s.Statement.ToArray();
        altered[^1] ^= 1;
        var e = Assert.Throws<StatementRejectedException>(() => new StatementVerifier(tc.Roster, 1).Verify<RoundApproval>(new SignedStatement(altered, s.Signature.Span)));
        Assert.Equal(StatementRejection.BadSignature, e.Reason);
    }

    [Fact]
    public void HostileCrossAttributedStatementIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        var verifier = new StatementVerifier(tc.Roster, 1);

        // A colluding hospital-3 signs a statement in hospital-2's name.
        SignedStatement inTheirName = tc.Signer("hospital-3").Sign(new EpochReveal(tc.Digest, 1, "hospital-2", new byte[32]));
        var e = Assert.Throws<StatementRejectedException>(() => verifier.Verify<EpochReveal>(inTheirName));
        Assert.Equal(StatementRejection.CrossAttributed, e.Reason);
        Assert.Equal("hospital-2", e.ParticipantId);
        Assert.Contains("signed with the enrollment key of 'hospital-3', not of 'hospital-2'", e.Message, StringComparison.Ordinal);

        // The aggregator relabels hospital-1's signed statement as hospital-2's.
        SignedStatement original = tc.Signer("hospital-1").Sign(new EpochReveal(tc.Digest, 1, "hospital-1", new byte[32]));
        byte[] relabeled = new EpochReveal(tc.Digest, 1, "hospital-2", new byte[32]).Encode();
        var e2 = Assert.Throws<StatementRejectedException>(() => verifier.Verify<EpochReveal>(new SignedStatement(relabeled, original.Signature.Span)));
        Assert.Equal(StatementRejection.BadSignature, e2.Reason);
        Assert.Equal("hospital-2", e2.ParticipantId);
    }

    [Fact]
    public void HostileReplayFromAnotherEpochIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        SignedStatement epoch1 = tc.Signer("hospital-1").Sign(new EpochReveal(tc.Digest, 1, "hospital-1", new byte[32]));
        Assert.NotNull(new StatementVerifier(tc.Roster, 1).Verify<EpochReveal>(epoch1));
        var e = Assert.Throws<StatementRejectedException>(() => new StatementVerifier(tc.Roster, 2).Verify<EpochReveal>(epoch1));
        Assert.Equal(StatementRejection.OtherEpoch, e.Reason);
        Assert.Contains("signed for key epoch 1, not the current epoch 2 (a replay)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostileReplayFromAnotherConsortiumIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();

        // The same sites, pins and CA in a second consortium: statements made there do not count here.
        ConsortiumDescriptor other = ConsortiumDescriptor.Create(TestConsortium.Literal(tc.Descriptor.Roster, 3, 1, 3, name: "lung-study"));
        SignedStatement there = tc.Signer("hospital-1").Sign(new EpochReveal(other.Digest.Span, 1, "hospital-1", new byte[32]));
        var e = Assert.Throws<StatementRejectedException>(() => new StatementVerifier(tc.Roster, 1).Verify<EpochReveal>(there));
        Assert.Equal(StatementRejection.OtherConsortium, e.Reason);
        Assert.Contains("signed for another consortium", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostileStatementOfAnotherKindIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        SignedStatement reveal = tc.Signer("hospital-1").Sign(new EpochReveal(tc.Digest, 1, "hospital-1", new byte[32]));
        var e = Assert.Throws<StatementRejectedException>(() => new StatementVerifier(tc.Roster, 1).Verify<EpochCommit>(reveal));
        Assert.Equal(StatementRejection.WrongKind, e.Reason);
        Assert.Contains("this step takes only EpochCommit statements", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StatementsOfUnknownOrUnadmittedParticipantsAreRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        SignedStatement stranger = tc.Signer("hospital-1").Sign(new EpochReveal(tc.Digest, 1, "hospital-9", new byte[32]));
        Assert.Equal(StatementRejection.UnknownParticipant, Assert.Throws<StatementRejectedException>(() => new StatementVerifier(tc.Roster, 1).Verify<EpochReveal>(stranger)).Reason);

        var empty = new PinnedRoster(tc.Descriptor, tc.Pki.Ca);
        SignedStatement s = tc.Signer("hospital-1").Sign(new EpochReveal(tc.Digest, 1, "hospital-1", new byte[32]));
        var e = Assert.Throws<StatementRejectedException>(() => new StatementVerifier(empty, 1).Verify<EpochReveal>(s));
        Assert.Equal(StatementRejection.NoCertificate, e.Reason);

        var malformed = new SignedStatement([1, 2, 3], new byte[64]);
        Assert.Equal(StatementRejection.Malformed, Assert.Throws<StatementRejectedException>(() => new StatementVerifier(tc.Roster, 1).Verify<EpochReveal>(malformed)).Reason);
    }
}
