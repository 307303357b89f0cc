using System.Buffers.Binary;
using System.Security.Cryptography;
using SecAgg.Crypto.Internal;

namespace SecAgg.Protocol.Approval;

/// <summary>
/// <see cref="IApprovalRecord"/> on disk: one file per (epoch, round), "approval-&lt;epoch&gt;-&lt;round&gt;.bin" in a directory
/// of mode 0700, each created with mode 0600 as a temporary file, fsync, no-overwrite rename and directory fsync, so the
/// first recorded list wins even between processes and survives a crash or power cut. File format (85 bytes):
/// "SAAR" ‖ version 1 (u8) ‖ epoch (u64 LE) ‖ round (u64 LE) ‖ list digest (32) ‖ SHA-256 of everything before it.
/// Reading is strict: a file that fails any check throws <see cref="InvalidDataException"/> (the approval must then be
/// investigated, never silently forgotten).
/// </summary>
public sealed class FileApprovalRecord : IApprovalRecord
{
    private const int DigestBytes = 32;
    private const int FileBytes = 4 + 1 + 8 + 8 + DigestBytes + DigestBytes;
    private static readonly byte[] Magic = "SAAR"u8.ToArray();
    private readonly string _directory;
    private readonly Lock _gate = new();

    /// <summary>Opens (creating with mode 0700 if needed) the record directory.</summary>
    public FileApprovalRecord(string directory)
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
    public byte[]? Find(ulong epoch, ulong round)
    {
        string path = PathFor(epoch, round);
        lock (_gate)
        {
            return File.Exists(path) ? Read(path, epoch, round) : null;
        }
    }

    /// <inheritdoc/>
    public byte[] RecordOnce(ulong epoch, ulong round, ReadOnlySpan<byte> listDigest)
    {
        if (listDigest.Length != DigestBytes)
        {
            throw new ArgumentException($"A list digest has {DigestBytes} bytes, not {listDigest.Length}.", nameof(listDigest));
        }

        byte[] content = Format(epoch, round, listDigest);
        string path = PathFor(epoch, round);
        lock (_gate)
        {
            if (File.Exists(path))
            {
                return Read(path, epoch, round);
            }

            UnixFileMode? mode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite;
            return DurableFile.Write(path, content, mode, overwrite: false) ? listDigest.ToArray() : Read(path, epoch, round);
        }
    }

    private string PathFor(ulong epoch, ulong round) => Path.Combine(_directory, $"approval-{epoch}-{round}.bin");

    private static byte[] Format(ulong epoch, ulong round, ReadOnlySpan<byte> digest)
    {
        byte[] b = new byte[FileBytes];
        Magic.CopyTo(b, 0);
        b[4] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(5), epoch);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(13), round);
        digest.CopyTo(b.AsSpan(21));
        SHA256.HashData(b.AsSpan(0, FileBytes - DigestBytes), b.AsSpan(FileBytes - DigestBytes));
        return b;
    }

    private static byte[] Read(string path, ulong epoch, ulong round)
    {
        byte[] b = File.ReadAllBytes(path);
        bool ok = b.Length == FileBytes
            && b.AsSpan(0, 4).SequenceEqual(Magic) && b[4] == 1
            && BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(5)) == epoch
            && BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(13)) == round
            && SHA256.HashData(b.AsSpan(0, FileBytes - DigestBytes)).AsSpan().SequenceEqual(b.AsSpan(FileBytes - DigestBytes));
        if (!ok)
        {
            throw new InvalidDataException(
                $"The approval record '{path}' is damaged (wrong length, header, epoch/round or checksum). It says which upload list this participant " +
                $"approved for epoch {epoch}, round {round}; no approval for that round is given until it is restored from a backup or the round is abandoned.");
        }

        return b.AsSpan(21, DigestBytes).ToArray();
    }
}
