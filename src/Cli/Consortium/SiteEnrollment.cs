using System.Security.Cryptography;
using SecAgg.Security;

namespace SecAgg.Cli.Consortium;

/// <summary>The files <see cref="SiteEnrollment.Enroll"/> wrote (absolute paths).</summary>
/// <param name="Key">The site's enrollment key (PKCS#8 PEM, mode 0600; it never leaves the site).</param>
/// <param name="Request">The certificate signing request to send to the consortium's coordinator.</param>
public sealed record EnrollmentFiles(string Key, string Request);

/// <summary>
/// <c>secagg participant enroll</c>: a site makes its ECDSA P-256 enrollment key (mode 0600, in a 0700 folder) and a
/// certificate signing request for CN = its participant id (<see cref="EnrollmentRequest"/>). Only the request leaves the
/// site; the CA issues the certificate from it and the consortium file pins the certificate's SHA-256.
/// </summary>
public static class SiteEnrollment
{
    /// <summary>The key's file name in the output folder.</summary>
    public const string KeyFile = "enrollment.key";

    private const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode FolderMode = SecretMode | UnixFileMode.UserExecute;
    private const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <exception cref="ArgumentException">The id is not a valid participant id.</exception>
    /// <exception cref="IOException">The folder already holds an enrollment key (enroll never replaces one).</exception>
    public static EnrollmentFiles Enroll(string participantId, string directory)
    {
        if (!EnrollmentRequest.IsParticipantId(participantId))
        {
            throw new ArgumentException($"--id '{participantId}' must be 1-64 characters of A-Z a-z 0-9 . _ -.");
        }

        string root = Path.GetFullPath(directory);
        string keyPath = Path.Combine(root, KeyFile), requestPath = Path.Combine(root, participantId + ConsortiumInitializer.RequestExtension);
        if (File.Exists(keyPath))
        {
            throw new IOException($"'{keyPath}' already exists; enroll never replaces a site's key. Use another --out, or send the existing '{requestPath}'.");
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(root);
        }
        else
        {
            Directory.CreateDirectory(root, FolderMode);
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        ConsortiumInitializer.WriteText(keyPath, key.ExportPkcs8PrivateKeyPem(), SecretMode);
        ConsortiumInitializer.WriteText(requestPath, EnrollmentRequest.CreatePem(participantId, key), PublicMode);
        return new EnrollmentFiles(keyPath, requestPath);
    }
}
