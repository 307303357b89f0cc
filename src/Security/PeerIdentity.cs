using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecAgg.Security;

/// <summary>
/// The identity a peer proved with its certificate: subject, common name, subject alternative
/// names and the SHA-256 fingerprint of the DER certificate (what a consortium file lists).
/// </summary>
public sealed record PeerIdentity
{
    /// <summary>The URI prefix of a participant id in a client certificate's SAN.</summary>
    public const string ParticipantUriPrefix = "urn:secagg:participant:";

    /// <summary>The subject distinguished name, e.g. <c>CN=hospital-a</c>.</summary>
    public required string Subject { get; init; }

    /// <summary>The subject's common name; null if absent.</summary>
    public string? CommonName { get; init; }

    /// <summary>DNS names of the subject alternative name extension.</summary>
    public required IReadOnlyList<string> DnsNames { get; init; }

    /// <summary>URIs of the subject alternative name extension.</summary>
    public required IReadOnlyList<string> Uris { get; init; }

    /// <summary>Lower-case hex SHA-256 of the DER certificate.</summary>
    public required string Sha256Fingerprint { get; init; }

    /// <summary>The participant id from a <c>urn:secagg:participant:ID</c> SAN URI; null if none.</summary>
    public string? ParticipantId =>
        Uris.FirstOrDefault(u => u.StartsWith(ParticipantUriPrefix, StringComparison.Ordinal)) is { } u ? u[ParticipantUriPrefix.Length..] : null;

    /// <summary>Reads the identity of <paramref name="certificate"/>.</summary>
    public static PeerIdentity FromCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var dns = new List<string>();
        var uris = new List<string>();
        foreach (X509Extension ext in certificate.Extensions)
        {
            if (ext.Oid?.Value == "2.5.29.17")
            {
                ReadSubjectAlternativeNames(ext.RawData, dns, uris);
            }
        }

        string? cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return new PeerIdentity
        {
            Subject = certificate.Subject,
            CommonName = string.IsNullOrEmpty(cn) ? null : cn,
            DnsNames = dns,
            Uris = uris,
            Sha256Fingerprint = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)),
        };
    }

    private static void ReadSubjectAlternativeNames(byte[] raw, List<string> dns, List<string> uris)
    {
        try
        {
            var reader = new AsnReader(raw, AsnEncodingRules.DER);
            AsnReader names = reader.ReadSequence();
            while (names.HasData)
            {
                Asn1Tag tag = names.PeekTag();
                if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 2)
                {
                    dns.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                }
                else if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 6)
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            // A malformed SAN yields no names rather than an identity built from garbage.
            dns.Clear();
            uris.Clear();
        }
    }
}
