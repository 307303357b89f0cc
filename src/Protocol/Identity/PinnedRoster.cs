using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Identity;

/// <summary>
/// The roster of a <see cref="ConsortiumDescriptor"/> joined to the consortium CA: it decides whether a certificate
/// is a participant's identity and keeps the admitted certificates' public keys, against which statements are verified.
/// A certificate authenticates participant <c>id</c> only if it chains to the consortium CA (custom root trust, no
/// operating-system store, no revocation fetch) AND SHA-256(certificate DER) equals the pin of <c>id</c>; its
/// subject or common name never counts. Because the pin fixes the DER, each id has exactly one admissible
/// certificate, so admitting is idempotent and order-free. Thread-safe.
/// </summary>
public sealed class PinnedRoster : IDisposable
{
    private readonly X509Certificate2 _ca;
    private readonly ConcurrentDictionary<string, PinnedKey> _keys = new(StringComparer.Ordinal);

    /// <summary>Creates the roster of <paramref name="descriptor"/> trusting only <paramref name="consortiumCa"/> (public part; copied).</summary>
    public PinnedRoster(ConsortiumDescriptor descriptor, X509Certificate2 consortiumCa)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(consortiumCa);
        Descriptor = descriptor;
        _ca = X509CertificateLoader.LoadCertificate(consortiumCa.RawData);
    }

    /// <summary>The consortium whose pins this roster enforces.</summary>
    public ConsortiumDescriptor Descriptor { get; }

    /// <summary>
    /// Checks that <paramref name="certificate"/> is the identity of <paramref name="participantId"/>; throws otherwise.
    /// Use it wherever a peer presents a certificate (TLS client authentication included).
    /// </summary>
    /// <exception cref="IdentityRejectedException">Unknown id, wrong pin, another CA, expired, or not an ECDSA P-256 key.</exception>
    public void Authenticate(string participantId, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(participantId);
        ArgumentNullException.ThrowIfNull(certificate);
        int index = Descriptor.IndexOf(participantId);
        byte[] presented = SHA256.HashData(certificate.RawData);
        string fingerprint = DigestText.Fingerprint(presented);
        if (index < 0)
        {
            throw new IdentityRejectedException(participantId,
                $"Participant '{participantId}' is not in the roster of consortium '{Descriptor.ConsortiumId}' (certificate SHA-256 {fingerprint}); only enrolled participants are accepted.");
        }

        ReadOnlySpan<byte> pin = Descriptor.Roster[index].CertificateSha256.Span;
        if (!CryptographicOperations.FixedTimeEquals(presented, pin))
        {
            throw new IdentityRejectedException(participantId,
                $"The certificate presented for '{participantId}' (subject '{certificate.Subject}', SHA-256 {fingerprint}) is not the one pinned for it in the consortium file " +
                $"(expected SHA-256 {DigestText.Fingerprint(pin)}); a matching subject does not authenticate. Check the pin with 'openssl x509 -noout -fingerprint -sha256'.");
        }

        if (!ChainsToCa(certificate, out string chainProblem))
        {
            throw new IdentityRejectedException(participantId,
                $"The certificate presented for '{participantId}' (SHA-256 {fingerprint}, the pinned one) does not chain to the consortium CA '{_ca.Subject}': {chainProblem}.");
        }

        using ECDsa? key = certificate.GetECDsaPublicKey();
        if (key is null || key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            throw new IdentityRejectedException(participantId,
                $"The certificate of '{participantId}' (SHA-256 {fingerprint}) does not carry an ECDSA P-256 key; statements are signed with P-256.");
        }
    }

    /// <summary>
    /// <see cref="Authenticate"/>s <paramref name="certificate"/> for <paramref name="participantId"/> and remembers its public
    /// key, so that statements of that participant can be verified. Admitting the same certificate again is a no-op.
    /// </summary>
    /// <exception cref="IdentityRejectedException">As <see cref="Authenticate"/>.</exception>
    public void Admit(string participantId, X509Certificate2 certificate)
    {
        Authenticate(participantId, certificate);
        if (!_keys.ContainsKey(participantId))
        {
            var key = new PinnedKey(certificate.GetECDsaPublicKey()!);
            if (!_keys.TryAdd(participantId, key))
            {
                key.Dispose();
            }
        }
    }

    /// <summary>Whether a certificate of <paramref name="participantId"/> was admitted.</summary>
    public bool IsAdmitted(string participantId)
    {
        ArgumentNullException.ThrowIfNull(participantId);
        return _keys.ContainsKey(participantId);
    }

    /// <summary>
    /// Whether <paramref name="signature"/> (IEEE P1363) over <paramref name="data"/> verifies under the admitted key of
    /// <paramref name="participantId"/>; <paramref name="admitted"/> says whether there is such a key.
    /// </summary>
    internal bool VerifySignature(string participantId, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, out bool admitted)
    {
        admitted = _keys.TryGetValue(participantId, out PinnedKey? key);
        return key is not null && key.Verify(data, signature);
    }

    /// <summary>The admitted participants, in roster order.</summary>
    internal IEnumerable<string> AdmittedIds => Descriptor.Roster.Select(e => e.ParticipantId).Where(_keys.ContainsKey);

    private bool ChainsToCa(X509Certificate2 certificate, out string problem)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        bool built = chain.Build(certificate);
        if (!built)
        {
            problem = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            if (problem.Length == 0)
            {
                problem = "the chain could not be built";
            }

            return false;
        }

        if (!chain.ChainElements[^1].Certificate.RawData.AsSpan().SequenceEqual(_ca.RawData))
        {
            problem = "it chains to another root";
            return false;
        }

        problem = "";
        return true;
    }

    /// <summary>Releases the admitted public keys; the roster admits and verifies nothing afterwards.</summary>
    public void Dispose()
    {
        foreach (string id in _keys.Keys)
        {
            if (_keys.TryRemove(id, out PinnedKey? key))
            {
                key.Dispose();
            }
        }

        _ca.Dispose();
    }

    /// <summary>An admitted public key; verification is serialized per key (ECDsa instances are not documented thread-safe).</summary>
    private sealed class PinnedKey(ECDsa key) : IDisposable
    {
        private readonly Lock _gate = new();

        public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            lock (_gate)
            {
                return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
        }

        public void Dispose() => key.Dispose();
    }
}
