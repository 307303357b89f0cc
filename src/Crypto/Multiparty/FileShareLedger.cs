using SecAgg.Crypto.Internal;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// <see cref="IShareLedger"/> on disk: one file per ciphertext, "&lt;hex digest&gt;.share", created with
/// mode 0600 by writing a temporary file, fsync, then an atomic no-overwrite rename and a directory
/// fsync. File format: "SASL" | version 1 | 32-byte digest | int32 length | share bytes | SHA-256 of
/// everything before it. Reading is strict: any mismatch throws <see cref="InvalidDataException"/>.
/// </summary>
public sealed class FileShareLedger : IShareLedger
{
    private const int DigestBytes = 32;
    private const int MaxShareBytes = 64 << 20;
    private static readonly byte[] Magic = "SASL"u8.ToArray();
    private readonly string _directory;
    private readonly object _gate = new();

    /// <summary>Opens (creating with mode 0700 if needed) the ledger directory.</summary>
    public FileShareLedger(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = Path.GetFullPath(directory);
        if (!Directory.Exists(_directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(_directory);
            }
            else
            {
                Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    /// <inheritdoc/>
    public bool TryGet(ReadOnlySpan<byte> digest, [NotNullWhen(true)] out byte[]? shareBytes)
    {
        CheckDigest(digest);
        string path = PathFor(digest);
        lock (_gate)
        {
            if (!File.Exists(path))
            {
                shareBytes = null;
                return false;
            }

            shareBytes = Parse(File.ReadAllBytes(path), digest, path);
            return true;
        }
    }

    /// <inheritdoc/>
    public void Record(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> shareBytes)
    {
        CheckDigest(digest);
        if (shareBytes.Length == 0 || shareBytes.Length > MaxShareBytes)
        {
            throw new ArgumentException($"A share must have 1..{MaxShareBytes} bytes.", nameof(shareBytes));
        }

        byte[] content = Format(digest, shareBytes);
        string path = PathFor(digest);
        lock (_gate)
        {
            if (File.Exists(path))
            {
                ThrowIfDifferent(Parse(File.ReadAllBytes(path), digest, path), shareBytes);
                return;
            }

            UnixFileMode? mode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite;
            if (!DurableFile.Write(path, content, mode, overwrite: false))
            {
                // Another writer got there first (or a file appeared between the check and the rename).
                ThrowIfDifferent(Parse(File.ReadAllBytes(path), digest, path), shareBytes);
            }
        }
    }

    private static void ThrowIfDifferent(byte[] existing, ReadOnlySpan<byte> shareBytes)
    {
        if (!existing.AsSpan().SequenceEqual(shareBytes))
        {
            throw new ShareAlreadyIssuedException("A different decryption share is already recorded for this ciphertext; a party never releases two shares for one ciphertext.");
        }
    }

    private string PathFor(ReadOnlySpan<byte> digest) => Path.Combine(_directory, Convert.ToHexStringLower(digest) + ".share");

    private static void CheckDigest(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != DigestBytes)
        {
            throw new ArgumentException($"A ciphertext digest must be {DigestBytes} bytes, got {digest.Length}.", nameof(digest));
        }
    }

    private static byte[] Format(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> share)
    {
        var buf = new byte[4 + 1 + DigestBytes + 4 + share.Length + 32];
        Magic.CopyTo(buf, 0);
        buf[4] = 1;
        digest.CopyTo(buf.AsSpan(5));
        BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(5 + DigestBytes), share.Length);
        share.CopyTo(buf.AsSpan(9 + DigestBytes));
        SHA256.HashData(buf.AsSpan(0, buf.Length - 32), buf.AsSpan(buf.Length - 32));
        return buf;
    }

    private static byte[] Parse(byte[] file, ReadOnlySpan<byte> digest, string path)
    {
        const int fixedBytes = 4 + 1 + DigestBytes + 4 + 32;
        if (file.Length < fixedBytes)
        {
            throw new InvalidDataException($"Share ledger file '{path}' is truncated.");
        }

        if (!file.AsSpan(0, 4).SequenceEqual(Magic) || file[4] != 1)
        {
            throw new InvalidDataException($"Share ledger file '{path}' has a wrong magic or version.");
        }

        if (!file.AsSpan(5, DigestBytes).SequenceEqual(digest))
        {
            throw new InvalidDataException($"Share ledger file '{path}' records a different ciphertext digest than its name.");
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(5 + DigestBytes));
        if (length <= 0 || length != file.Length - fixedBytes)
        {
            throw new InvalidDataException($"Share ledger file '{path}' has a length field that does not match its size.");
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(file.AsSpan(0, file.Length - 32), hash);
        if (!CryptographicOperations.FixedTimeEquals(hash, file.AsSpan(file.Length - 32)))
        {
            throw new InvalidDataException($"Share ledger file '{path}' fails its checksum (corrupted).");
        }

        return file.AsSpan(9 + DigestBytes, length).ToArray();
    }
}

/// <summary>An in-memory <see cref="IShareLedger"/> (does not survive a restart; for tests and ephemeral use).</summary>
public sealed class InMemoryShareLedger : IShareLedger
{
    private readonly Dictionary<string, byte[]> _entries = new();

    /// <inheritdoc/>
    public bool TryGet(ReadOnlySpan<byte> digest, [NotNullWhen(true)] out byte[]? shareBytes)
    {
        lock (_entries)
        {
            return _entries.TryGetValue(Convert.ToHexString(digest), out shareBytes);
        }
    }

    /// <inheritdoc/>
    public void Record(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> shareBytes)
    {
        string key = Convert.ToHexString(digest);
        lock (_entries)
        {
            if (_entries.TryGetValue(key, out byte[]? existing))
            {
                if (!existing.AsSpan().SequenceEqual(shareBytes))
                {
                    throw new ShareAlreadyIssuedException("A different decryption share is already recorded for this ciphertext.");
                }

                return;
            }

            _entries[key] = shareBytes.ToArray();
        }
    }
}
