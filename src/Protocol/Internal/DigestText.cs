namespace SecAgg.Protocol.Internal;

/// <summary>Digests as people read them: upper-case hex in groups of four, e.g. "3F2A 9C01 …".</summary>
internal static class DigestText
{
    /// <summary>The whole digest in space-separated groups of four hex digits (79 characters for SHA-256).</summary>
    public static string Grouped(ReadOnlySpan<byte> digest)
    {
        string hex = Convert.ToHexString(digest);
        var groups = new string[(hex.Length + 3) / 4];
        for (int i = 0; i < groups.Length; i++)
        {
            groups[i] = hex.Substring(4 * i, Math.Min(4, hex.Length - 4 * i));
        }

        return string.Join(' ', groups);
    }

    /// <summary>A short prefix for error messages ("3F2A9C01…"), enough to tell two digests apart by eye.</summary>
    public static string Short(ReadOnlySpan<byte> digest) => Convert.ToHexString(digest[..Math.Min(8, digest.Length)]) + "…";

    /// <summary>A certificate fingerprint the way <c>openssl x509 -fingerprint -sha256</c> prints it (colon-separated hex).</summary>
    public static string Fingerprint(ReadOnlySpan<byte> sha256) => string.Join(':', Convert.ToHexString(sha256).Chunk(2).Select(p => new string(p)));
}
