using SecAgg.Aggregator.Service.Api;
using SecAgg.Security;

namespace SecAgg.Aggregator.Tests.Service;

public sealed class VerifiedCertificatesTests
{
    [Fact]
    public void AClientCertificateOfTheCaIsVerifiedAgainWithTheSameIdentity()
    {
        using var ca = CertificateAuthority.Create("consortium-ca");
        using var client = ca.IssueClientCertificate("hospital-1");
        var verified = new VerifiedCertificates(ca.Certificate);
        Assert.True(verified.TryVerify(client, out PeerIdentity first));
        Assert.True(verified.TryVerify(client, out PeerIdentity again));
        Assert.Same(first, again);
        Assert.Equal("hospital-1", again.ParticipantId);
        Assert.Equal(PeerIdentity.FromCertificate(client).Sha256Fingerprint, again.Sha256Fingerprint);
    }

    [Fact]
    public void ACertificateThatDoesNotChainIsRefusedEveryTime()
    {
        using var ca = CertificateAuthority.Create("consortium-ca");
        using var stranger = CertificateAuthority.Create("stranger-ca");
        using var foreign = stranger.IssueClientCertificate("hospital-1");
        using var server = ca.IssueServerCertificate("aggregator", ["localhost"]);
        var verified = new VerifiedCertificates(ca.Certificate);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            Assert.False(verified.TryVerify(foreign, out PeerIdentity peer));
            Assert.Equal("hospital-1", peer.ParticipantId);
            Assert.False(verified.TryVerify(server, out _)); // no client-authentication usage
        }
    }

}
