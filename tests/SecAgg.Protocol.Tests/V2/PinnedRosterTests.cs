using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Tests.V2;

public sealed class PinnedRosterTests
{
    private static string Fingerprint(X509Certificate2 c) => string.Join(':', Convert.ToHexString(SHA256.HashData(c.RawData)).Chunk(2).Select(p => new string(p)));

    [Fact]
    public void PinnedCertificateFromTheConsortiumCaIsAdmitted()
    {
        using TestConsortium tc = TestConsortium.Create();
        var roster = new PinnedRoster(tc.Descriptor, tc.Pki.Ca);
        Assert.False(roster.IsAdmitted("hospital-1"));
        roster.Admit("hospital-1", tc.Certificates[0]);
        roster.Admit("hospital-1", tc.Certificates[0]);
        Assert.True(roster.IsAdmitted("hospital-1"));
        Assert.False(roster.IsAdmitted("hospital-2"));
    }

    [Fact]
    public void HostileImpersonationWithTheSameSubjectAndAnotherKeyFromTheSameCaIsRefusedByThePin()
    {
        using TestConsortium tc = TestConsortium.Create();
        using X509Certificate2 impostor = tc.Pki.Issue("hospital-1");
        Assert.Equal(tc.Certificates[0].Subject, impostor.Subject);
        var roster = new PinnedRoster(tc.Descriptor, tc.Pki.Ca);

        var e = Assert.Throws<IdentityRejectedException>(() => roster.Admit("hospital-1", impostor));
        Assert.Equal("hospital-1", e.ParticipantId);
        Assert.Contains("'hospital-1'", e.Message, StringComparison.Ordinal);
        Assert.Contains(Fingerprint(impostor), e.Message, StringComparison.Ordinal);
        Assert.Contains(Fingerprint(tc.Certificates[0]), e.Message, StringComparison.Ordinal);
        Assert.Contains("a matching subject does not authenticate", e.Message, StringComparison.Ordinal);
        Assert.False(roster.IsAdmitted("hospital-1"));
    }

    [Fact]
    public void HostileImpostorKeyCannotSignForTheParticipant()
    {
        using TestConsortium tc = TestConsortium.Create();
        using X509Certificate2 impostor = tc.Pki.Issue("hospital-1");
        using var impostorSigner = new StatementSigner(impostor);
        SignedStatement forged = impostorSigner.Sign(new EpochReveal(tc.Digest, 1, "hospital-1", new byte[32]));

        var e = Assert.Throws<StatementRejectedException>(() => new StatementVerifier(tc.Roster, 1).Verify<EpochReveal>(forged));
        Assert.Equal(StatementRejection.BadSignature, e.Reason);
        Assert.Equal("hospital-1", e.ParticipantId);
    }

    [Fact]
    public void HostileCertificateFromAnotherCaIsRefusedEvenWhenThePinMatches()
    {
        using TestPki rogueCa = TestPki.Create("Test Consortium CA");
        using X509Certificate2 rogue = rogueCa.Issue("hospital-1");
        using TestPki realCa = TestPki.Create();
        using X509Certificate2 other = realCa.Issue("hospital-2");

        // An administrator (or an attacker editing the file) pinned the rogue certificate: the chain check still refuses it.
        ConsortiumDescriptor d = ConsortiumDescriptor.Create(TestConsortium.Literal(
            [new RosterEntry("hospital-1", SHA256.HashData(rogue.RawData)), new RosterEntry("hospital-2", SHA256.HashData(other.RawData))], 2, 1, 2));
        var roster = new PinnedRoster(d, realCa.Ca);

        var e = Assert.Throws<IdentityRejectedException>(() => roster.Admit("hospital-1", rogue));
        Assert.Contains("does not chain to the consortium CA", e.Message, StringComparison.Ordinal);
        Assert.Contains(Fingerprint(rogue), e.Message, StringComparison.Ordinal);
        Assert.False(roster.IsAdmitted("hospital-1"));
        roster.Admit("hospital-2", other);
        Assert.True(roster.IsAdmitted("hospital-2"));
    }

    [Fact]
    public void HostileCertificateFromAnotherCaWithTheSameSubjectIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        using TestPki rogueCa = TestPki.Create("Test Consortium CA");
        using X509Certificate2 rogue = rogueCa.Issue("hospital-1");
        var e = Assert.Throws<IdentityRejectedException>(() => tc.Roster.Authenticate("hospital-1", rogue));
        Assert.Contains("not the one pinned", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostileCertificateOfAnotherParticipantIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        var roster = new PinnedRoster(tc.Descriptor, tc.Pki.Ca);
        var e = Assert.Throws<IdentityRejectedException>(() => roster.Admit("hospital-1", tc.Certificates[1]));
        Assert.Contains(Fingerprint(tc.Certificates[0]), e.Message, StringComparison.Ordinal);
        Assert.False(roster.IsAdmitted("hospital-1"));
    }

    [Fact]
    public void UnknownParticipantIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        using X509Certificate2 stranger = tc.Pki.Issue("hospital-9");
        var e = Assert.Throws<IdentityRejectedException>(() => tc.Roster.Authenticate("hospital-9", stranger));
        Assert.Contains("not in the roster", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpiredPinnedCertificateIsRefused()
    {
        using TestPki pki = TestPki.Create();
        using X509Certificate2 expired = pki.Issue("hospital-1", notAfter: DateTimeOffset.UtcNow.AddHours(-1));
        using X509Certificate2 other = pki.Issue("hospital-2");
        ConsortiumDescriptor d = ConsortiumDescriptor.Create(TestConsortium.Literal(
            [new RosterEntry("hospital-1", SHA256.HashData(expired.RawData)), new RosterEntry("hospital-2", SHA256.HashData(other.RawData))], 2, 1, 2));
        var e = Assert.Throws<IdentityRejectedException>(() => new PinnedRoster(d, pki.Ca).Admit("hospital-1", expired));
        Assert.Contains("does not chain to the consortium CA", e.Message, StringComparison.Ordinal);
    }
}
