using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Statements;

/// <summary>
/// Signs statements with a site's enrollment key (ECDSA P-256, the key of its pinned certificate):
/// signature = ECDSA-P256-SHA256(key, statement bytes) in IEEE P1363 form (64 bytes). The key stays in this
/// process; only signatures leave it. Thread-safe.
/// </summary>
public sealed class StatementSigner : IDisposable
{
    private readonly ECDsa _key;
    private readonly bool _ownsKey;
    private readonly Lock _gate = new();

    /// <summary>Signs with the private key of the site's enrollment certificate.</summary>
    /// <exception cref="ArgumentException">The certificate has no ECDSA P-256 private key.</exception>
    public StatementSigner(X509Certificate2 enrollmentCertificate)
    {
        ArgumentNullException.ThrowIfNull(enrollmentCertificate);
        ECDsa key = enrollmentCertificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException($"The enrollment certificate '{enrollmentCertificate.Subject}' has no ECDSA private key; load it together with its key file.", nameof(enrollmentCertificate));
        if (!P256Keys.IsP256(key))
        {
            key.Dispose();
            throw new ArgumentException($"The enrollment key of '{enrollmentCertificate.Subject}' is not on curve P-256.", nameof(enrollmentCertificate));
        }

        _key = key;
        _ownsKey = true;
    }

    /// <summary>Signs with <paramref name="enrollmentKey"/> (P-256), which the caller keeps owning and disposes after this signer.</summary>
    /// <exception cref="ArgumentException">The key is not on curve P-256.</exception>
    public StatementSigner(ECDsa enrollmentKey)
    {
        ArgumentNullException.ThrowIfNull(enrollmentKey);
        if (!P256Keys.IsP256(enrollmentKey))
        {
            throw new ArgumentException("The enrollment key is not an ECDSA P-256 key.", nameof(enrollmentKey));
        }

        _key = enrollmentKey;
        _ownsKey = false;
    }

    /// <summary>Encodes and signs <paramref name="statement"/>.</summary>
    public SignedStatement Sign(Statement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        byte[] bytes = statement.Encode();
        byte[] signature;
        lock (_gate)
        {
            signature = _key.SignData(bytes, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        return new SignedStatement(bytes, signature);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsKey)
        {
            _key.Dispose();
        }
    }
}
