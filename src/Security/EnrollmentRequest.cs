using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecAgg.Security;

/// <summary>
/// A site's enrollment request: a PKCS#10 certificate signing request (PEM) for subject CN = participant id over the
/// site's own ECDSA P-256 enrollment key, signed with that key. The site keeps the key (mode 0600) and sends only the
/// request; the consortium CA issues the certificate from it (<see cref="CertificateAuthority.IssueFromRequest"/>).
/// </summary>
public static class EnrollmentRequest
{
    /// <summary>The CSR (PEM) of <paramref name="participantId"/> over <paramref name="enrollmentKey"/>.</summary>
    /// <exception cref="ArgumentException">The id has characters other than ASCII letters, digits, '-', '_' and '.', or the key is not P-256.</exception>
    public static string CreatePem(string participantId, ECDsa enrollmentKey)
    {
        RequireParticipantId(participantId);
        ArgumentNullException.ThrowIfNull(enrollmentKey);
        if (enrollmentKey.KeySize != 256)
        {
            throw new ArgumentException("The enrollment key must be ECDSA P-256.", nameof(enrollmentKey));
        }

        var request = new CertificateRequest(new X500DistinguishedName("CN=" + CertificateAuthority.EscapeRdn(participantId)), enrollmentKey, HashAlgorithmName.SHA256);
        return request.CreateSigningRequestPem();
    }

    /// <summary>Reads a CSR: its self-signature verified, the participant id from CN, the P-256 public key (the caller disposes it).</summary>
    /// <exception cref="ArgumentException">Not a CSR, a signature that does not verify, no single CN with a valid id, or not a P-256 key.</exception>
    public static (string ParticipantId, ECDsa PublicKey) Read(string csrPem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(csrPem);
        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"The certificate signing request cannot be read or its signature does not verify: {e.Message}", nameof(csrPem), e);
        }

        X500RelativeDistinguishedName[] rdns = [.. request.SubjectName.EnumerateRelativeDistinguishedNames()];
        string? cn = rdns is [{ HasMultipleElements: false } only] && only.GetSingleElementType().Value == "2.5.4.3" ? only.GetSingleElementValue() : null;
        if (cn is null || !IsParticipantId(cn))
        {
            throw new ArgumentException($"The request's subject is '{request.SubjectName.Name}'; it must be CN=<participant id> (ASCII letters, digits, '-', '_', '.'); make it with 'secagg participant enroll'.", nameof(csrPem));
        }

        ECDsa? key = request.PublicKey.GetECDsaPublicKey();
        if (key is null || key.KeySize != 256)
        {
            key?.Dispose();
            throw new ArgumentException($"The request of '{cn}' does not carry an ECDSA P-256 key; statements are signed with P-256.", nameof(csrPem));
        }

        return (cn, key);
    }

    /// <summary>Whether <paramref name="id"/> is a valid participant id (1-64 of ASCII letters, digits, '-', '_', '.').</summary>
    public static bool IsParticipantId(string? id) =>
        id is { Length: >= 1 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <exception cref="ArgumentException">The id is not valid.</exception>
    internal static void RequireParticipantId(string participantId)
    {
        if (!IsParticipantId(participantId))
        {
            throw new ArgumentException($"Participant id '{participantId}' must be 1-64 characters of ASCII letters, digits, '-', '_' and '.'.", nameof(participantId));
        }
    }
}
