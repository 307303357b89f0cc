using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecAgg.Cli.Consortium;

/// <summary>A certificate and its private key from PEM files, usable as a TLS client certificate on every platform.</summary>
internal static class PemCertificate
{
    /// <exception cref="IOException">A file is missing.</exception>
    /// <exception cref="CryptographicException">The PEM cannot be read or the key is not the certificate's.</exception>
    public static X509Certificate2 LoadWithKey(string certificatePath, string keyPath)
    {
        foreach (string path in new[] { certificatePath, keyPath })
        {
            if (!File.Exists(path))
            {
                throw new IOException($"'{path}' does not exist; 'participant enroll' writes the key, the coordinator sends the certificate.");
            }
        }

        using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        byte[] pfx = pem.Export(X509ContentType.Pkcs12);
        try
        {
            return X509CertificateLoader.LoadPkcs12(pfx, null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pfx);
        }
    }
}
