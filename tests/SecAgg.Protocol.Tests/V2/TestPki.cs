using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecAgg.Protocol.Tests.V2;

/// <summary>A consortium CA made in the test (ECDSA P-256) that issues site certificates, honest or hostile.</summary>
internal sealed class TestPki : IDisposable
{
    private readonly ECDsa _caKey;
    private int _serial;

    private TestPki(X509Certificate2 ca, ECDsa caKey)
    {
        Ca = ca;
        _caKey = caKey;
    }

    /// <summary>The CA certificate (public).</summary>
    public X509Certificate2 Ca { get; }

    public static TestPki Create(string name = "Test Consortium CA")
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 withKey = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
        return new TestPki(X509CertificateLoader.LoadCertificate(withKey.RawData), key);
    }

    /// <summary>Issues a site certificate with subject CN=<paramref name="commonName"/> for a fresh (or the given) P-256 key; returned with its private key.</summary>
    public X509Certificate2 Issue(string commonName, ECDsa? key = null, DateTimeOffset? notAfter = null)
    {
        ECDsa siteKey = key ?? ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + commonName, siteKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        byte[] serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial) + 1000);
        using X509Certificate2 publicOnly = request.Create(Ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), now.AddDays(-1), notAfter ?? now.AddYears(1), serial);
        X509Certificate2 result = publicOnly.CopyWithPrivateKey(siteKey);
        if (key is null)
        {
            siteKey.Dispose();
        }

        return result;
    }

    public void Dispose()
    {
        _caKey.Dispose();
        Ca.Dispose();
    }
}
