using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecAgg.Security;

/// <summary>
/// A consortium certificate authority: creates a self-signed CA (ECDSA P-256), issues server
/// certificates (DNS/IP subject alternative names, server-auth usage) and participant client
/// certificates (CN and SAN URI <c>urn:secagg:participant:ID</c>, client-auth usage), exports PEM,
/// and checks that a peer certificate chains to the CA.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _certificate;
    private readonly ECDsa _key;

    private CertificateAuthority(X509Certificate2 certificate, ECDsa key)
    {
        _certificate = certificate;
        _key = key;
        Certificate = X509CertificateLoader.LoadCertificate(certificate.RawData);
    }

    /// <summary>The CA certificate (public part only): what every party trusts.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Creates a new CA.</summary>
    /// <param name="name">The CA's common name, e.g. <c>Hospital Consortium CA</c>.</param>
    /// <param name="validity">How long the CA is valid (default 10 years).</param>
    public static CertificateAuthority Create(string name, TimeSpan? validity = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + EscapeRdn(name)), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        X509Certificate2 certificate = request.CreateSelfSigned(now.AddMinutes(-5), now + (validity ?? TimeSpan.FromDays(3650)));
        return new CertificateAuthority(certificate, key);
    }

    /// <summary>Loads a CA from its PEM certificate and PEM (PKCS#8) private key.</summary>
    /// <exception cref="ArgumentException">The PEM cannot be read, or the key does not match the certificate.</exception>
    public static CertificateAuthority FromPem(string certificatePem, string privateKeyPem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(certificatePem);
        ArgumentException.ThrowIfNullOrWhiteSpace(privateKeyPem);
        X509Certificate2 certificate;
        var key = ECDsa.Create();
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificatePem);
            key.ImportFromPem(privateKeyPem);
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new ArgumentException("The CA certificate or private key PEM cannot be read: " + e.Message, nameof(certificatePem), e);
        }

        using ECDsa? publicKey = certificate.GetECDsaPublicKey();
        if (publicKey is null || !publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            key.Dispose();
            throw new ArgumentException("The private key does not belong to the CA certificate.", nameof(privateKeyPem));
        }

        return new CertificateAuthority(certificate, key);
    }

    /// <summary>Issues a TLS server certificate (server-auth) for <paramref name="dnsNames"/> and <paramref name="ipAddresses"/>.</summary>
    /// <param name="commonName">Subject common name.</param>
    /// <param name="dnsNames">DNS subject alternative names (what clients connect to); at least one name or address.</param>
    /// <param name="ipAddresses">IP subject alternative names.</param>
    /// <param name="validity">Validity (default 1 year, capped at the CA's).</param>
    /// <returns>The certificate with its private key.</returns>
    public X509Certificate2 IssueServerCertificate(string commonName, IEnumerable<string> dnsNames, IEnumerable<IPAddress>? ipAddresses = null, TimeSpan? validity = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commonName);
        ArgumentNullException.ThrowIfNull(dnsNames);
        var san = new SubjectAlternativeNameBuilder();
        int names = 0;
        foreach (string dns in dnsNames)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(dns, nameof(dnsNames));
            san.AddDnsName(dns);
            names++;
        }

        foreach (IPAddress ip in ipAddresses ?? [])
        {
            san.AddIpAddress(ip);
            names++;
        }

        if (names == 0)
        {
            throw new ArgumentException("A server certificate needs at least one DNS name or IP address.", nameof(dnsNames));
        }

        return Issue(commonName, san, "1.3.6.1.5.5.7.3.1", validity);
    }

    /// <summary>
    /// Issues a participant's client certificate (client-auth): CN = id, SAN URI <c>urn:secagg:participant:ID</c>, with a
    /// key made here. Demo and tests only: a real site makes its key itself and sends a CSR (<see cref="IssueFromRequest"/>).
    /// </summary>
    /// <param name="participantId">The consortium id of the participant (letters, digits, '-', '_', '.').</param>
    /// <param name="validity">Validity (default 1 year, capped at the CA's).</param>
    /// <returns>The certificate with its private key.</returns>
    public X509Certificate2 IssueClientCertificate(string participantId, TimeSpan? validity = null)
    {
        EnrollmentRequest.RequireParticipantId(participantId);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(PeerIdentity.ParticipantUriPrefix + participantId));
        return Issue(participantId, san, "1.3.6.1.5.5.7.3.2", validity);
    }

    /// <summary>
    /// Issues a participant's enrollment certificate from its certificate signing request (<see cref="EnrollmentRequest"/>):
    /// the CSR's self-signature is verified, its subject must be CN = a participant id and its key ECDSA P-256; the
    /// certificate gets the same subject, SAN URI and client-auth usage as <see cref="IssueClientCertificate"/>. The site's
    /// private key never leaves the site.
    /// </summary>
    /// <param name="csrPem">The PEM "CERTIFICATE REQUEST".</param>
    /// <param name="validity">Validity (default 1 year, capped at the CA's).</param>
    /// <returns>The certificate (public part only) and the participant id it names.</returns>
    /// <exception cref="ArgumentException">The CSR does not parse, its signature does not verify, or its subject or key is not a participant's.</exception>
    public (X509Certificate2 Certificate, string ParticipantId) IssueFromRequest(string csrPem, TimeSpan? validity = null)
    {
        (string id, ECDsa key) = EnrollmentRequest.Read(csrPem);
        using (key)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(new Uri(PeerIdentity.ParticipantUriPrefix + id));
            var request = new CertificateRequest(new X500DistinguishedName("CN=" + EscapeRdn(id)), key, HashAlgorithmName.SHA256);
            return (Sign(request, san, "1.3.6.1.5.5.7.3.2", validity), id);
        }
    }

    /// <summary>The CA certificate as PEM.</summary>
    public string ExportCertificatePem() => _certificate.ExportCertificatePem();

    /// <summary>The CA private key as PKCS#8 PEM. Secret: write it only to a file readable by its owner (mode 0600).</summary>
    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>The private key of an issued certificate as PKCS#8 PEM (secret).</summary>
    /// <exception cref="ArgumentException">The certificate has no ECDSA private key.</exception>
    public static string ExportPrivateKeyPem(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using ECDsa key = certificate.GetECDsaPrivateKey() ?? throw new ArgumentException("The certificate has no ECDSA private key.", nameof(certificate));
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>Whether <paramref name="certificate"/> chains to this CA and carries <paramref name="usage"/>.</summary>
    public bool Validate(X509Certificate2 certificate, X509KeyUsageForPeer usage) => ChainsTo(certificate, Certificate, usage);

    /// <summary>Whether <paramref name="certificate"/> chains to <paramref name="authority"/> (the only trusted root), is in its validity period and carries <paramref name="usage"/>.</summary>
    public static bool ChainsTo(X509Certificate2? certificate, X509Certificate2 authority, X509KeyUsageForPeer usage)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        switch (usage)
        {
            case X509KeyUsageForPeer.ServerAuthentication:
                chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1"));
                break;
            case X509KeyUsageForPeer.ClientAuthentication:
                chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
                break;
        }

        if (!chain.Build(certificate))
        {
            return false;
        }

        X509Certificate2 root = chain.ChainElements[^1].Certificate;
        return root.RawData.AsSpan().SequenceEqual(authority.RawData);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _key.Dispose();
        _certificate.Dispose();
        Certificate.Dispose();
    }

    private X509Certificate2 Issue(string commonName, SubjectAlternativeNameBuilder san, string extendedUsage, TimeSpan? validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + EscapeRdn(commonName)), key, HashAlgorithmName.SHA256);
        using X509Certificate2 signed = Sign(request, san, extendedUsage, validity);
        using X509Certificate2 withKey = signed.CopyWithPrivateKey(key);
        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        byte[] pfx = withKey.Export(X509ContentType.Pkcs12);
        try
        {
            return X509CertificateLoader.LoadPkcs12(pfx, null, X509KeyStorageFlags.Exportable);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pfx);
        }
    }

    private X509Certificate2 Sign(CertificateRequest request, SubjectAlternativeNameBuilder san, string extendedUsage, TimeSpan? validity)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(extendedUsage)], critical: false));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset notAfter = now + (validity ?? TimeSpan.FromDays(365));
        if (notAfter > _certificate.NotAfter)
        {
            notAfter = _certificate.NotAfter;
        }

        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return request.Create(_certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), now.AddMinutes(-5), notAfter, serial);
    }

    internal static string EscapeRdn(string value) =>
        value.IndexOfAny([',', '+', '"', '\\', '<', '>', ';', '=']) >= 0 ? "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : value;
}
