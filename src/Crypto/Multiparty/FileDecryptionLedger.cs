using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using SecAgg.Crypto.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// <see cref="IDecryptionLedger"/> in the member's state directory: one 0700 directory per epoch
/// ("epoch-&lt;epoch&gt;") and one 0600 file per answered (round, chunk), "r&lt;round&gt;-c&lt;chunk&gt;.share", written
/// to a temporary file, fsync'd, renamed without overwrite and the directory fsync'd (<see cref="DurableFile"/>), before
/// the share is computed and released.
/// <para>Entry, version 2 (written): "SADL" | 2 | epoch (u64 LE) | round (u64 LE) | chunk (int32 LE) | session digest
/// (32) | SHA-256 of everything before: 89 bytes, whatever the share's size (the share is derived again for a repeated
/// request: <see cref="SessionKeyShare"/>). Version 1 (read only; written before shares were derived): the same up to
/// the digest, then length (int32 LE) | share bytes | SHA-256; its bytes are returned as recorded. Reading is strict
/// (magic, version, the key against the file name, length, checksum): anything else throws
/// <see cref="InvalidDataException"/> naming the file.</para>
/// <para>Cost (issue 17): an entry is 89 bytes with one fsync of the file and one of the directory (version 1 held the
/// share, 2.9 MB at N = 10, n = 2^15: written, hashed and fsync'd per answer, and up to Q_cap of them per epoch on
/// disk). The session digest of each (epoch, round) is kept in memory once written or read back verified, so the later
/// chunks of a session do not re-read a recorded entry: the entries are write-once (rename without overwrite), so a
/// digest read once stays the round's.</para>
/// </summary>
public sealed class FileDecryptionLedger : IDecryptionLedger
{
    private const int DigestBytes = 32;
    private const int HashBytes = 32;
    private const byte Version = 2;
    private const byte VersionWithShare = 1;
    private const int KeyBytes = 4 + 1 + 8 + 8 + 4 + DigestBytes;
    private const int EntryBytes = KeyBytes + HashBytes;
    private const int HeaderBytesWithShare = KeyBytes + 4;
    private static ReadOnlySpan<byte> Magic => "SADL"u8;
    private readonly string _directory;
    private readonly AggregationParameters _parameters;
    private readonly long _cap;
    private readonly Dictionary<ulong, long> _counts = [];
    private readonly Dictionary<(ulong Epoch, ulong Round), byte[]> _sessions = [];
    private readonly Lock _gate = new();

    /// <summary>Opens (creating with mode 0700 if needed) the ledger directory for <paramref name="parameters"/>' share cap.</summary>
    public FileDecryptionLedger(string directory, AggregationParameters parameters)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(parameters);
        _directory = Path.GetFullPath(directory);
        _parameters = parameters;
        _cap = parameters.ShareCap;
        CreatePrivateDirectory(_directory);
    }

    /// <inheritdoc/>
    public void CheckSession(SetDecryptionSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _parameters.CheckSame(session.Parameters, nameof(session));
        lock (_gate)
        {
            CheckRound(session);
            long pending = 0;
            for (int chunk = 0; chunk < session.ChunkCount; chunk++)
            {
                pending += File.Exists(PathFor(session.Epoch, session.Round, chunk)) ? 0 : 1;
            }

            long issued = Count(session.Epoch);
            if (issued + pending > _cap)
            {
                throw Exhausted(session.Epoch, issued, pending);
            }
        }
    }

    /// <inheritdoc/>
    public byte[]? Record(SetDecryptionSession session, int chunk)
    {
        ArgumentNullException.ThrowIfNull(session);
        _parameters.CheckSame(session.Parameters, nameof(session));
        session.CheckChunk(chunk, nameof(chunk));
        string path = PathFor(session.Epoch, session.Round, chunk);
        lock (_gate)
        {
            if (File.Exists(path))
            {
                (byte[] digest, byte[]? share) = Read(path, session.Epoch, session.Round, chunk);
                _sessions[(session.Epoch, session.Round)] = digest;
                ThrowIfOtherSession(digest, session);
                return share;
            }

            CheckRound(session);
            long issued = Count(session.Epoch);
            if (issued >= _cap)
            {
                throw Exhausted(session.Epoch, issued, 1);
            }

            CreatePrivateDirectory(Path.GetDirectoryName(path)!);
            UnixFileMode? mode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite;
            if (!DurableFile.Write(path, stream => WriteEntry(stream, session, chunk), mode, overwrite: false))
            {
                throw new IOException($"Decryption ledger file '{path}' appeared while this answer was being recorded; another process is using the ledger. Nothing was released.");
            }

            _counts[session.Epoch] = issued + 1;
            _sessions[(session.Epoch, session.Round)] = session.Digest.ToArray();
            return null;
        }
    }

    /// <inheritdoc/>
    public long IssuedCount(ulong epoch)
    {
        lock (_gate)
        {
            return Count(epoch);
        }
    }

    private void CheckRound(SetDecryptionSession session)
    {
        if (_sessions.TryGetValue((session.Epoch, session.Round), out byte[]? known))
        {
            ThrowIfOtherSession(known, session);
            return;
        }

        string directory = EpochDirectory(session.Epoch);
        if (!Directory.Exists(directory))
        {
            return;
        }

        string prefix = string.Create(CultureInfo.InvariantCulture, $"r{session.Round}-c");
        foreach (string file in Directory.EnumerateFiles(directory, prefix + "*.share"))
        {
            string name = Path.GetFileNameWithoutExtension(file);
            if (!int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int chunk))
            {
                throw new InvalidDataException($"Decryption ledger file '{file}' has a name that is not r<round>-c<chunk>.share.");
            }

            (byte[] digest, _) = Read(file, session.Epoch, session.Round, chunk);
            _sessions[(session.Epoch, session.Round)] = digest;
            ThrowIfOtherSession(digest, session);
            return; // every entry of one (epoch, round) carries the same session: one suffices
        }
    }

    private static void ThrowIfOtherSession(byte[] recorded, SetDecryptionSession session)
    {
        if (!recorded.AsSpan().SequenceEqual(session.Digest.Span))
        {
            throw new ShareAlreadyIssuedException(
                $"This member already answered another decryption session for round {session.Round} of epoch {session.Epoch} (a different uploader set, decryption set or chunk count); " +
                "one session per round is allowed, so this request is refused and nothing is computed. Abort the round.");
        }
    }

    private ShareBudgetExhaustedException Exhausted(ulong epoch, long issued, long pending) =>
        new($"This member answered {issued} (round, chunk) pairs in epoch {epoch}; {pending} more would exceed the share cap Q_cap = {_cap} that the flooding bound covers. Start a new key epoch.");

    private long Count(ulong epoch)
    {
        if (!_counts.TryGetValue(epoch, out long count))
        {
            string directory = EpochDirectory(epoch);
            count = Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "r*-c*.share").LongCount() : 0;
            _counts[epoch] = count;
        }

        return count;
    }

    private string EpochDirectory(ulong epoch) => Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"epoch-{epoch}"));

    private string PathFor(ulong epoch, ulong round, int chunk) =>
        Path.Combine(EpochDirectory(epoch), string.Create(CultureInfo.InvariantCulture, $"r{round}-c{chunk}.share"));

    private static void CreatePrivateDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        DurableFile.FlushDirectory(Path.GetDirectoryName(directory)!);
    }

    /// <summary>Writes the version-2 entry (the format of the class summary).</summary>
    private static void WriteEntry(Stream stream, SetDecryptionSession session, int chunk)
    {
        Span<byte> entry = stackalloc byte[EntryBytes];
        Magic.CopyTo(entry);
        entry[4] = Version;
        BinaryPrimitives.WriteUInt64LittleEndian(entry[5..], session.Epoch);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[13..], session.Round);
        BinaryPrimitives.WriteInt32LittleEndian(entry[21..], chunk);
        session.Digest.Span.CopyTo(entry[25..]);
        SHA256.HashData(entry[..KeyBytes], entry[KeyBytes..]);
        stream.Write(entry);
    }

    /// <summary>Reads and verifies an entry: the session digest, and the share bytes of a version-1 entry (read straight
    /// into the returned array) or null.</summary>
    private static (byte[] Digest, byte[]? Share) Read(string path, ulong epoch, ulong round, int chunk)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        long size = stream.Length;
        if (size < EntryBytes)
        {
            throw new InvalidDataException($"Decryption ledger file '{path}' is truncated.");
        }

        Span<byte> key = stackalloc byte[KeyBytes];
        stream.ReadExactly(key);
        if (!key[..4].SequenceEqual(Magic) || key[4] is not (Version or VersionWithShare))
        {
            throw new InvalidDataException($"Decryption ledger file '{path}' has a wrong magic or version.");
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(key);
        byte[]? share = null;
        int declared = 0;
        if (key[4] == VersionWithShare)
        {
            if (size < HeaderBytesWithShare + HashBytes || size - HeaderBytesWithShare - HashBytes > Array.MaxLength)
            {
                throw new InvalidDataException($"Decryption ledger file '{path}' is truncated or larger than any share.");
            }

            // The share's extent comes from the file size; the length field is checked after the checksum.
            Span<byte> length = stackalloc byte[4];
            stream.ReadExactly(length);
            sha.AppendData(length);
            declared = BinaryPrimitives.ReadInt32LittleEndian(length);
            share = new byte[(int)(size - HeaderBytesWithShare - HashBytes)];
            stream.ReadExactly(share);
            sha.AppendData(share);
        }
        else if (size != EntryBytes)
        {
            throw new InvalidDataException($"Decryption ledger file '{path}' has {size} bytes; a version-2 entry has {EntryBytes}.");
        }

        Span<byte> recorded = stackalloc byte[HashBytes];
        stream.ReadExactly(recorded);
        Span<byte> hash = stackalloc byte[HashBytes];
        sha.GetHashAndReset(hash);
        if (!CryptographicOperations.FixedTimeEquals(hash, recorded))
        {
            throw new InvalidDataException($"Decryption ledger file '{path}' fails its checksum (corrupted).");
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(key[5..]) != epoch || BinaryPrimitives.ReadUInt64LittleEndian(key[13..]) != round
            || BinaryPrimitives.ReadInt32LittleEndian(key[21..]) != chunk)
        {
            throw new InvalidDataException($"Decryption ledger file '{path}' records another (epoch, round, chunk) than its name.");
        }

        if (share is not null && (declared <= 0 || declared != share.Length))
        {
            throw new InvalidDataException($"Decryption ledger file '{path}' has a length field that does not match its size.");
        }

        return (key.Slice(25, DigestBytes).ToArray(), share);
    }
}
