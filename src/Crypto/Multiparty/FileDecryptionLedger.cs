using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using SecAgg.Crypto.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// <see cref="IDecryptionLedger"/> in the member's state directory: one 0700 directory per epoch
/// ("epoch-&lt;epoch&gt;") and one 0600 file per answered (round, chunk), "r&lt;round&gt;-c&lt;chunk&gt;.share", written
/// to a temporary file, fsync'd, renamed without overwrite and the directory fsync'd (<see cref="DurableFile"/>), before
/// the share is returned.
/// <para>File: "SADL" | version 1 | epoch (u64 LE) | round (u64 LE) | chunk (int32 LE) | session digest (32) |
/// length (int32 LE) | share bytes | SHA-256 of everything before. Reading is strict (magic, version, the key against
/// the file name, length, checksum): anything else throws <see cref="InvalidDataException"/> naming the file.</para>
/// <para>Cost (issue 17): the record is streamed into the temporary file (header, the caller's share array, the hash
/// computed incrementally: no copy of the share is made), with one fsync of the file and one of the directory per
/// entry; a replay reads the share straight into the returned array. The session digest of each (epoch, round) is kept
/// in memory once written or read back verified, so the later chunks of a session do not re-read a recorded entry: the
/// entries are write-once (rename without overwrite), so a digest read once stays the round's.</para>
/// </summary>
public sealed class FileDecryptionLedger : IDecryptionLedger
{
    private const int DigestBytes = 32;
    private const int HashBytes = 32;
    private const byte Version = 1;
    private const int HeaderBytes = 4 + 1 + 8 + 8 + 4 + DigestBytes + 4;
    private const int FixedBytes = HeaderBytes + HashBytes;
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
    public byte[] GetOrCreate(SetDecryptionSession session, int chunk, Func<byte[]> create)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(create);
        _parameters.CheckSame(session.Parameters, nameof(session));
        session.CheckChunk(chunk, nameof(chunk));
        string path = PathFor(session.Epoch, session.Round, chunk);
        lock (_gate)
        {
            if (File.Exists(path))
            {
                (byte[] digest, byte[] share) = Read(path, session.Epoch, session.Round, chunk);
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

            byte[] bytes = create();
            CreatePrivateDirectory(Path.GetDirectoryName(path)!);
            UnixFileMode? mode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite;
            if (!DurableFile.Write(path, stream => WriteEntry(stream, session, chunk, bytes), mode, overwrite: false))
            {
                throw new IOException($"Decryption ledger file '{path}' appeared while this share was being recorded; another process is using the ledger. Nothing was released.");
            }

            _counts[session.Epoch] = issued + 1;
            _sessions[(session.Epoch, session.Round)] = session.Digest.ToArray();
            return bytes;
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

    /// <summary>Streams the entry: header, share, SHA-256 of both (the format of the class summary).</summary>
    private static void WriteEntry(Stream stream, SetDecryptionSession session, int chunk, byte[] share)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        Magic.CopyTo(header);
        header[4] = Version;
        BinaryPrimitives.WriteUInt64LittleEndian(header[5..], session.Epoch);
        BinaryPrimitives.WriteUInt64LittleEndian(header[13..], session.Round);
        BinaryPrimitives.WriteInt32LittleEndian(header[21..], chunk);
        session.Digest.Span.CopyTo(header[25..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[(25 + DigestBytes)..], share.Length);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(header);
        sha.AppendData(share);
        Span<byte> hash = stackalloc byte[HashBytes];
        sha.GetHashAndReset(hash);
        stream.Write(header);
        stream.Write(share);
        stream.Write(hash);
    }

    /// <summary>Reads and verifies an entry: the share is read straight into the returned array (no whole-file copy).</summary>
    private static (byte[] Digest, byte[] Share) Read(string path, ulong epoch, ulong round, int chunk)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        long size = stream.Length;
        if (size < FixedBytes)
        {
            throw new InvalidDataException($"Decryption ledger file '{path}' is truncated.");
        }

        if (size - FixedBytes > Array.MaxLength)
        {
            throw new InvalidDataException($"Decryption ledger file '{path}' is larger than any share.");
        }

        Span<byte> header = stackalloc byte[HeaderBytes];
        stream.ReadExactly(header);
        if (!header[..4].SequenceEqual(Magic) || header[4] != Version)
        {
            throw new InvalidDataException($"Decryption ledger file '{path}' has a wrong magic or version.");
        }

        // The share's extent comes from the file size; the length field is checked after the checksum.
        byte[] share = new byte[(int)(size - FixedBytes)];
        stream.ReadExactly(share);
        Span<byte> recorded = stackalloc byte[HashBytes];
        stream.ReadExactly(recorded);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(header);
        sha.AppendData(share);
        Span<byte> hash = stackalloc byte[HashBytes];
        sha.GetHashAndReset(hash);
        if (!CryptographicOperations.FixedTimeEquals(hash, recorded))
        {
            throw new InvalidDataException($"Decryption ledger file '{path}' fails its checksum (corrupted).");
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(header[5..]) != epoch || BinaryPrimitives.ReadUInt64LittleEndian(header[13..]) != round
            || BinaryPrimitives.ReadInt32LittleEndian(header[21..]) != chunk)
        {
            throw new InvalidDataException($"Decryption ledger file '{path}' records another (epoch, round, chunk) than its name.");
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(header[(25 + DigestBytes)..]);
        if (length <= 0 || length != share.Length)
        {
            throw new InvalidDataException($"Decryption ledger file '{path}' has a length field that does not match its size.");
        }

        return (header.Slice(25, DigestBytes).ToArray(), share);
    }
}
