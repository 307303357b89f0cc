using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Cli.Commands;
using SecAgg.Cli.Consortium;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Identity;
using SecAgg.Security;

namespace SecAgg.Participant.Tests.Cli;

/// <summary>The real enrollment: each site makes its key and a CSR; the CA issues certificates; the consortium file pins them.</summary>
public sealed class EnrollmentTests : IDisposable
{
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _root = TestConsole.TempDirectory();

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task EnrollWritesTheSiteKeyWithMode0600AndACsrForItsId()
    {
        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { ParticipantCommand.Create(console) }.Parse($"participant enroll --id hospital-a --out {_root}/site-a").InvokeAsync();

        Assert.True(exit == 0, output.ToString());
        string key = Path.Combine(_root, "site-a", SiteEnrollment.KeyFile);
        Assert.Equal(Mode0600, File.GetUnixFileMode(key));
        Assert.Equal(Mode0600 | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_root, "site-a")));
        (string id, ECDsa csrKey) = EnrollmentRequest.Read(File.ReadAllText(Path.Combine(_root, "site-a", "hospital-a.csr")));
        using (csrKey)
        {
            using var siteKey = ECDsa.Create();
            siteKey.ImportFromPem(File.ReadAllText(key));
            Assert.Equal("hospital-a", id);
            Assert.Equal(siteKey.ExportSubjectPublicKeyInfo(), csrKey.ExportSubjectPublicKeyInfo());
        }
    }

    [Fact]
    public async Task EnrollNeverReplacesAnExistingKey()
    {
        SiteEnrollment.Enroll("hospital-a", Path.Combine(_root, "site-a"));
        string before = File.ReadAllText(Path.Combine(_root, "site-a", SiteEnrollment.KeyFile));
        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { ParticipantCommand.Create(console) }.Parse($"participant enroll --id hospital-a --out {_root}/site-a").InvokeAsync();

        Assert.NotEqual(0, exit);
        Assert.Contains("enroll never replaces a site's key", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(_root, "site-a", SiteEnrollment.KeyFile)));
    }

    [Fact]
    public async Task SignIssuesTheCertificateForTheCsrKeyAndPrintsItsSha256()
    {
        EnrollmentFiles site = SiteEnrollment.Enroll("hospital-a", Path.Combine(_root, "site-a"));
        using CertificateAuthority ca = CertificateAuthority.Create("test CA");
        Directory.CreateDirectory(Path.Combine(_root, "ca"));
        File.WriteAllText(Path.Combine(_root, "ca", "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_root, "ca", "ca.key"), ca.ExportPrivateKeyPem());

        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { ConsortiumCommand.Create(console) }.Parse($"consortium sign --ca {_root}/ca --csr {site.Request}").InvokeAsync();

        Assert.True(exit == 0, output.ToString());
        using X509Certificate2 issued = X509Certificate2.CreateFromPemFile(Path.Combine(_root, "site-a", "hospital-a.pem"), site.Key);
        Assert.True(issued.HasPrivateKey);
        Assert.True(CertificateAuthority.ChainsTo(issued, ca.Certificate, X509KeyUsageForPeer.ClientAuthentication));
        Assert.Equal("hospital-a", PeerIdentity.FromCertificate(issued).ParticipantId);
        Assert.Contains($"certificate-sha256: {Convert.ToHexString(SHA256.HashData(issued.RawData)).ToLowerInvariant()}", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ACsrWithAnAlteredSubjectOrSignatureIsRefused()
    {
        EnrollmentFiles site = SiteEnrollment.Enroll("hospital-a", Path.Combine(_root, "site-a"));
        using CertificateAuthority ca = CertificateAuthority.Create("test CA");
        byte[] der = Convert.FromBase64String(string.Concat(File.ReadAllLines(site.Request).Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        int at = der.AsSpan().IndexOf("hospital-a"u8);
        der[at + 9] = (byte)'b';
        string forged = PemEncoding.WriteString("CERTIFICATE REQUEST", der);
        ArgumentException e = Assert.Throws<ArgumentException>(() => ca.IssueFromRequest(forged));
        Assert.Contains("signature does not verify", e.Message, StringComparison.Ordinal);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string noId = new CertificateRequest("CN=not an id!", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        Assert.Contains("must be CN=<participant id>", Assert.Throws<ArgumentException>(() => ca.IssueFromRequest(noId)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitFromCsrPinsEveryIssuedCertificateAndNeverMakesAParticipantKey()
    {
        string requests = Path.Combine(_root, "requests");
        Directory.CreateDirectory(requests);
        foreach (string id in new[] { "hospital-b", "hospital-a", "hospital-c" })
        {
            EnrollmentFiles site = SiteEnrollment.Enroll(id, Path.Combine(_root, "site-" + id));
            File.Copy(site.Request, Path.Combine(requests, id + ".csr"));
        }

        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { ConsortiumCommand.Create(console) }
            .Parse($"consortium init --from-csr {requests} --out {_root}/consortium --threshold 2 --min-participants 2 --model-dimension 100 --target-epsilon 6 --rounds 5")
            .InvokeAsync();

        Assert.True(exit == 0, output.ToString());
        ConsortiumConfig config = ConsortiumConfigLoader.Load(Path.Combine(_root, "consortium", "consortium.yaml"));
        Assert.Equal(["hospital-a", "hospital-b", "hospital-c"], config.Participants.Select(p => p.Id));
        using X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(config.CaCertificatePath));
        using var roster = new PinnedRoster(config.Descriptor, ca);
        foreach (var p in config.Participants)
        {
            string pem = Path.Combine(_root, "consortium", "participants", p.Id, "client.pem");
            using X509Certificate2 withKey = X509Certificate2.CreateFromPemFile(pem, Path.Combine(_root, "site-" + p.Id, SiteEnrollment.KeyFile));
            roster.Authenticate(p.Id, withKey);
            Assert.False(File.Exists(Path.Combine(_root, "consortium", "participants", p.Id, "client.key")));
            Assert.Equal(Convert.ToHexString(SHA256.HashData(withKey.RawData)), p.CertificateSha256, ignoreCase: true);
        }

        Assert.Contains(config.Descriptor.FormatDigest(), output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("--demo-keys", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitNeedsExactlyOneOfFromCsrAndDemoKeys()
    {
        foreach (string args in new[] { "--participants 2", $"--participants 2 --demo-keys --from-csr {_root}" })
        {
            var (console, output) = TestConsole.Create();
            int exit = await new RootCommand { ConsortiumCommand.Create(console) }.Parse($"consortium init --out {_root}/c --model-dimension 10 {args}").InvokeAsync();
            Assert.Equal(2, exit);
            Assert.Contains("give exactly one of --from-csr DIR", output.ToString(), StringComparison.Ordinal);
        }
    }
}
