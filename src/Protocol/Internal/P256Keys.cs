using System.Security.Cryptography;

namespace SecAgg.Protocol.Internal;

/// <summary>P-256 public keys as statements carry them: SubjectPublicKeyInfo DER of an uncompressed point (91 bytes).</summary>
internal static class P256Keys
{
    /// <summary>Bytes of a P-256 SubjectPublicKeyInfo with an uncompressed point.</summary>
    public const int SpkiBytes = 91;

    /// <summary>Whether <paramref name="key"/> is on the NIST P-256 curve.</summary>
    public static bool IsP256(ECAlgorithm key) =>
        key.KeySize == 256 && key.ExportParameters(false).Curve.Oid?.Value == ECCurve.NamedCurves.nistP256.Oid.Value;

    /// <summary>Whether <paramref name="spki"/> is the canonical SPKI DER of a valid P-256 point (re-encodes to the same bytes).</summary>
    public static bool IsCanonicalSpki(ReadOnlySpan<byte> spki)
    {
        if (spki.Length != SpkiBytes)
        {
            return false;
        }

        try
        {
            using var key = ECDiffieHellman.Create();
            key.ImportSubjectPublicKeyInfo(spki, out int read);
            return read == spki.Length && IsP256(key) && key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(spki);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
