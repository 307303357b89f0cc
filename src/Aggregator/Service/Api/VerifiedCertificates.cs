using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Security;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// Client certificates already found to chain to the consortium CA for client authentication, by SHA-256 of their DER
/// bytes, so that the chain is built once per certificate rather than on every call. An entry holds until the earlier of
/// the certificate's and the CA's end of validity (after that the chain is built again, and fails); a certificate that
/// did not chain is never held, so a refusal is decided afresh each time. Bounded: the set is emptied when it reaches
/// <see cref="Capacity"/> entries.
/// </summary>
internal sealed class VerifiedCertificates(X509Certificate2 ca)
{
    /// <summary>Most certificates held at once (a consortium has a few dozen members).</summary>
    public const int Capacity = 1024;

    private readonly ConcurrentDictionary<string, Entry> _held = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="certificate"/> chains to the CA for client authentication now; <paramref name="peer"/> is its identity either way.</summary>
    public bool TryVerify(X509Certificate2 certificate, out PeerIdentity peer)
    {
        string fingerprint = Convert.ToHexStringLower(SHA256.HashData(certificate.RawDataMemory.Span));
        DateTime now = DateTime.UtcNow;
        if (_held.TryGetValue(fingerprint, out Entry held) && now < held.Until)
        {
            peer = held.Peer;
            return true;
        }

        peer = PeerIdentity.FromCertificate(certificate);
        if (!CertificateAuthority.ChainsTo(certificate, ca, X509KeyUsageForPeer.ClientAuthentication))
        {
            _held.TryRemove(fingerprint, out _);
            return false;
        }

        if (_held.Count >= Capacity)
        {
            _held.Clear();
        }

        DateTime until = certificate.NotAfter.ToUniversalTime() < ca.NotAfter.ToUniversalTime() ? certificate.NotAfter.ToUniversalTime() : ca.NotAfter.ToUniversalTime();
        _held[fingerprint] = new Entry(peer, until);
        return true;
    }

    private readonly record struct Entry(PeerIdentity Peer, DateTime Until);
}
