using System.Net;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Security;

namespace SecAgg.Interop.Tests.Security;

public sealed class CertificateAuthorityTests
{
    [Fact]
    public void IssuedCertificatesChainToTheirCaOnlyAndCarryTheirUsage()
    {
        using var ca = CertificateAuthority.Create("Consortium CA");
        using var other = CertificateAuthority.Create("Other CA");
        using X509Certificate2 server = ca.IssueServerCertificate("aggregator", ["aggregator.example"], [IPAddress.Loopback]);
        using X509Certificate2 client = ca.IssueClientCertificate("hospital-b");
        Assert.True(ca.Validate(server, X509KeyUsageForPeer.ServerAuthentication));
        Assert.True(ca.Validate(client, X509KeyUsageForPeer.ClientAuthentication));
        Assert.False(ca.Validate(client, X509KeyUsageForPeer.ServerAuthentication));
        Assert.False(other.Validate(client, X509KeyUsageForPeer.ClientAuthentication));
        Assert.True(server.HasPrivateKey && client.HasPrivateKey);
    }

    [Fact]
    public void PeerIdentityReadsNamesAndTheParticipantId()
    {
        using var ca = CertificateAuthority.Create("Consortium CA");
        using X509Certificate2 client = ca.IssueClientCertificate("hospital-b");
        using X509Certificate2 server = ca.IssueServerCertificate("aggregator", ["aggregator.example", "localhost"]);
        PeerIdentity id = PeerIdentity.FromCertificate(client);
        Assert.Equal("hospital-b", id.CommonName);
        Assert.Equal("hospital-b", id.ParticipantId);
        Assert.Equal(["urn:secagg:participant:hospital-b"], id.Uris);
        Assert.Equal(64, id.Sha256Fingerprint.Length);
        Assert.Equal(["aggregator.example", "localhost"], PeerIdentity.FromCertificate(server).DnsNames);
        Assert.Null(PeerIdentity.FromCertificate(server).ParticipantId);
    }

    [Fact]
    public void CaRoundTripsThroughPemAndStillIssuesValidCertificates()
    {
        using var ca = CertificateAuthority.Create("Consortium CA");
        using var loaded = CertificateAuthority.FromPem(ca.ExportCertificatePem(), ca.ExportPrivateKeyPem());
        using X509Certificate2 client = loaded.IssueClientCertificate("hospital-c");
        Assert.True(ca.Validate(client, X509KeyUsageForPeer.ClientAuthentication));
        using X509Certificate2 fromPem = X509Certificate2.CreateFromPem(client.ExportCertificatePem(), CertificateAuthority.ExportPrivateKeyPem(client));
        Assert.True(fromPem.HasPrivateKey);
    }

    [Fact]
    public void CaWithSomeoneElsesKeyIsRejected()
    {
        using var ca = CertificateAuthority.Create("Consortium CA");
        using var other = CertificateAuthority.Create("Other CA");
        Assert.Throws<ArgumentException>("privateKeyPem", () => CertificateAuthority.FromPem(ca.ExportCertificatePem(), other.ExportPrivateKeyPem()));
    }

    [Theory]
    [InlineData("bad id")]
    [InlineData("a/b")]
    [InlineData("")]
    public void ParticipantIdsOutsideTheAllowedAlphabetAreRejected(string id)
    {
        using var ca = CertificateAuthority.Create("Consortium CA");
        Assert.Throws<ArgumentException>("participantId", () => ca.IssueClientCertificate(id));
    }

    [Fact]
    public void ServerCertificateWithoutNamesIsRejected()
    {
        using var ca = CertificateAuthority.Create("Consortium CA");
        Assert.Throws<ArgumentException>("dnsNames", () => ca.IssueServerCertificate("aggregator", []));
    }
}
