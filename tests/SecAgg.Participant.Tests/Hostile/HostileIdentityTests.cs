using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grpc.Core;
using SecAgg.Cli.Commands;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Participant.Tests.Cli;
using SecAgg.Participant.Tests.Client;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Identity;
using SecAgg.Security;

namespace SecAgg.Participant.Tests.Hostile;

/// <summary>
/// Identities against an impostor (docs/identity.md): a second certificate with a site's CN from the consortium CA is
/// refused by the aggregator with PERMISSION_DENIED naming the pinned fingerprint (and by the participant library before
/// any call), one from another CA with UNAUTHENTICATED; enrollment keeps the private key at the site (0600) and gives
/// the administrator a CSR only.
/// </summary>
public sealed class HostileIdentityTests : IDisposable
{
    private static readonly string[] Ids = ["hospital-1", "hospital-2"];
    private readonly string _root = TestConsole.TempDirectory();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task HostileSecondCertificateWithTheSameCnFromTheSameCaIsPermissionDeniedNamingThePinnedFingerprint()
    {
        ConsortiumLayout files = TestConsortium.Init(_root, Ids, HostileConsortium.Dimension);
        await using var host = await TestConsortium.StartAsync(files, HostileConsortium.Dimension);
        using CertificateAuthority ca = CertificateAuthority.FromPem(File.ReadAllText(files.CaCertificate), File.ReadAllText(files.CaKey));
        using X509Certificate2 impostor = ca.IssueClientCertificate(Ids[0]);
        using X509Certificate2 pinnedCertificate = X509Certificate2.CreateFromPem(File.ReadAllText(files.Participants[Ids[0]].Certificate));
        Assert.Equal(pinnedCertificate.Subject, impostor.Subject);
        string pinned = Convert.ToHexString(SHA256.HashData(pinnedCertificate.RawData));

        RpcException e = await Assert.ThrowsAsync<RpcException>(() => Call(files, host.Address, impostor));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains(pinned, Plain(e.Status.Detail), StringComparison.OrdinalIgnoreCase);

        // The participant library refuses the impostor certificate itself, before it connects.
        IdentityRejectedException local = Assert.Throws<IdentityRejectedException>(() => new ParticipantClient(new ParticipantClientOptions
        {
            Aggregator = host.Address,
            ClientCertificate = impostor,
            ConsortiumFile = files.ConsortiumFile,
            StateDirectory = Path.Combine(_root, "state", "impostor"),
            ParticipantId = Ids[0],
            AllowInsecureForTests = true,
        }));
        Assert.Contains(pinned, Plain(local.Message), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task HostileCertificateFromAnotherCaIsUnauthenticated()
    {
        ConsortiumLayout files = TestConsortium.Init(_root, Ids, HostileConsortium.Dimension);
        await using var host = await TestConsortium.StartAsync(files, HostileConsortium.Dimension);
        using CertificateAuthority stranger = CertificateAuthority.Create("integration consortium CA"); // even the same CA name
        using X509Certificate2 foreign = stranger.IssueClientCertificate(Ids[0]);

        RpcException e = await Assert.ThrowsAsync<RpcException>(() => Call(files, host.Address, foreign));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("consortium CA", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostileAdministratorGetsOnlyTheCsrNeverTheSitesPrivateKey()
    {
        string requests = Path.Combine(_root, "requests");
        Directory.CreateDirectory(requests);
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string id in new[] { "hospital-a", "hospital-b" })
        {
            EnrollmentFiles site = SiteEnrollment.Enroll(id, Path.Combine(_root, "site-" + id));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(site.Key));
            using var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(site.Key));
            keys[id] = key.ExportParameters(includePrivateParameters: true).D!;
            File.Copy(site.Request, Path.Combine(requests, id + ".csr")); // all that leaves the site
        }

        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { ConsortiumCommand.Create(console) }
            .Parse($"consortium init --from-csr {requests} --out {_root}/consortium --threshold 2 --min-participants 2 --model-dimension 100 --target-epsilon 6 --rounds 5")
            .InvokeAsync();
        Assert.True(exit == 0, output.ToString());

        // Neither what the administrator received nor anything it wrote holds a site's private scalar, in any encoding.
        foreach (string file in Directory.EnumerateFiles(requests).Concat(Directory.EnumerateFiles(Path.Combine(_root, "consortium"), "*", SearchOption.AllDirectories)))
        {
            byte[] content = File.ReadAllBytes(file);
            string text = Encoding.ASCII.GetString(content);
            foreach (byte[] d in keys.Values)
            {
                Assert.False(content.AsSpan().IndexOf(d) >= 0, $"'{file}' holds a site's private key");
                Assert.DoesNotContain(Convert.ToHexString(d), text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(Convert.ToBase64String(d), text, StringComparison.Ordinal);
            }
        }

        Assert.DoesNotContain(keys.Values, d => output.ToString().Contains(Convert.ToHexString(d), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The text with fingerprint separators removed, so a pin can be looked up however it is grouped.</summary>
    private static string Plain(string text) => text.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);

    private static async Task Call(ConsortiumLayout files, Uri aggregator, X509Certificate2 certificate)
    {
        using X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(files.CaCertificate));
        using AggregatorChannel channel = AggregatorChannel.Create(aggregator, certificate, ca);
        await new KeyEpoch.KeyEpochClient(channel.CallInvoker).GetEpochInfoAsync(new GetEpochInfoRequest());
    }
}
