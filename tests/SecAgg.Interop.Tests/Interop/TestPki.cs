using System.Net;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Security;

namespace SecAgg.Interop.Tests.Interop;

/// <summary>A consortium CA with a server and a participant certificate, a foreign CA with its own client, and their PEM files.</summary>
public sealed class TestPki : IDisposable
{
    public TestPki()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("secagg-pki-").FullName;
        Ca = CertificateAuthority.Create("Test Consortium CA");
        ForeignCa = CertificateAuthority.Create("Foreign CA");
        Server = Ca.IssueServerCertificate("aggregator", ["localhost"], [IPAddress.Loopback]);
        Client = Ca.IssueClientCertificate("hospital-a");
        ForeignClient = ForeignCa.IssueClientCertificate("intruder");
        CaPem = Write("ca.pem", Ca.ExportCertificatePem());
        ServerCertPem = Write("server.pem", Server.ExportCertificatePem());
        ServerKeyPem = Write("server.key", CertificateAuthority.ExportPrivateKeyPem(Server));
        ClientCertPem = Write("client.pem", Client.ExportCertificatePem());
        ClientKeyPem = Write("client.key", CertificateAuthority.ExportPrivateKeyPem(Client));
        ForeignClientCertPem = Write("foreign-client.pem", ForeignClient.ExportCertificatePem());
        ForeignClientKeyPem = Write("foreign-client.key", CertificateAuthority.ExportPrivateKeyPem(ForeignClient));
    }

    public string Directory { get; }
    public CertificateAuthority Ca { get; }
    public CertificateAuthority ForeignCa { get; }
    public X509Certificate2 Server { get; }
    public X509Certificate2 Client { get; }
    public X509Certificate2 ForeignClient { get; }
    public string CaPem { get; }
    public string ServerCertPem { get; }
    public string ServerKeyPem { get; }
    public string ClientCertPem { get; }
    public string ClientKeyPem { get; }
    public string ForeignClientCertPem { get; }
    public string ForeignClientKeyPem { get; }

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
        ForeignClient.Dispose();
        Ca.Dispose();
        ForeignCa.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private string Write(string name, string pem)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllText(path, pem);
        return path;
    }
}
