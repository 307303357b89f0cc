using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SecAgg.Aggregator.Storage.Internal;

/// <summary>
/// The payload files of a file-backed store: staged chunks and the per-round ciphertext sums live in files under one
/// directory, the database holds only their metadata (SHA-256, summand count). Layout:
/// <code>
/// ROOT/round-R/staged/PARTICIPANT.INDEX.SHA16.chunk   a staged chunk (name carries the first 8 bytes of its SHA-256)
/// ROOT/round-R/sum.INDEX.SUMMANDS.SHA16              the durable sum of chunk INDEX over SUMMANDS uploads (written when collection closes)
/// </code>
/// Every file is written to a temporary name and renamed into place, so a reader never sees a half-written file under
/// its final name; <see cref="WriteAsync"/> with <c>durable</c> also fsyncs the file and its directory before returning.
/// Every read checks the SHA-256 the database recorded.
/// </summary>
internal sealed partial class ChunkFiles
{
    /// <summary>Large buffers for chunk payloads: a few per size, so memory stays bounded by the chunks in flight.</summary>
    private static readonly ArrayPool<byte> Buffers = ArrayPool<byte>.Create(64 * 1024 * 1024, 8);

    public ChunkFiles(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
        CreateDirectory(Root);
    }

    public string Root { get; }

    public static byte[] Rent(int length) => Buffers.Rent(length);

    public static void Return(byte[] buffer) => Buffers.Return(buffer);

    public string RoundDirectory(long round) => Path.Combine(Root, "round-" + round.ToString(CultureInfo.InvariantCulture));

    public string StagedDirectory(long round) => Path.Combine(RoundDirectory(round), "staged");

    public string StagedPath(long round, string participant, int index, ReadOnlySpan<byte> sha256) =>
        Path.Combine(StagedDirectory(round), string.Create(CultureInfo.InvariantCulture, $"{SafeName(participant)}.{index}.{Convert.ToHexStringLower(sha256[..8])}.chunk"));

    /// <summary>A sum version, named by its index, summand count and hash: two folds that computed different bytes for the same version (possible only across processes) never share a file.</summary>
    public string SumPath(long round, int index, int summands, ReadOnlySpan<byte> sha256) =>
        Path.Combine(RoundDirectory(round), string.Create(CultureInfo.InvariantCulture, $"sum.{index}.{summands}.{Convert.ToHexStringLower(sha256[..8])}"));

    /// <summary>
    /// Writes <paramref name="data"/> to <paramref name="path"/> atomically (temp + rename); with <paramref name="durable"/>,
    /// fsyncs the file before the rename and the directory after it (unless <paramref name="syncDirectory"/> is false:
    /// the caller then fsyncs the directory once after several files, <see cref="FsyncDirectory"/>).
    /// </summary>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> data, bool durable, CancellationToken ct, bool syncDirectory = true)
    {
        string dir = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir))
        {
            CreateDirectory(dir);
        }

        string temp = path + ".tmp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous, data.Length))
            {
                await RandomAccess.WriteAsync(handle, data, 0, ct).ConfigureAwait(false);
                if (durable)
                {
                    RandomAccess.FlushToDisk(handle);
                }
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        if (durable && syncDirectory)
        {
            FsyncDirectory(dir);
        }
    }

    /// <summary>
    /// Reads <paramref name="path"/> into a rented buffer (return it with <see cref="Return"/>) and checks its length and
    /// SHA-256. Returns null when the file is missing or does not match (lost or damaged, e.g. by a power cut).
    /// </summary>
    public static async Task<byte[]?> ReadVerifiedAsync(string path, int length, ReadOnlyMemory<byte> sha256, CancellationToken ct)
    {
        SafeFileHandleScope? scope = null;
        try
        {
            scope = new SafeFileHandleScope(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        using (scope)
        {
            if (RandomAccess.GetLength(scope.Handle) != length)
            {
                return null;
            }

            byte[] buffer = Rent(length);
            int read = 0;
            while (read < length)
            {
                int n = await RandomAccess.ReadAsync(scope.Handle, buffer.AsMemory(read, length - read), read, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            Span<byte> actual = stackalloc byte[32];
            if (read != length || !SHA256.TryHashData(buffer.AsSpan(0, length), actual, out _) || !actual.SequenceEqual(sha256.Span))
            {
                Return(buffer);
                return null;
            }

            return buffer;
        }
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Participant ids are 1-64 of [A-Za-z0-9._-] (the consortium file's rule); anything else never reaches a file name.</summary>
    private static string SafeName(string participant)
    {
        if (participant.Length is < 1 or > 64 || participant.AsSpan().ContainsAnyExcept(SafeChars))
        {
            throw new ArgumentException($"participant id '{participant}' is not 1-64 of [A-Za-z0-9._-]", nameof(participant));
        }

        return participant;
    }

    private static readonly SearchValues<char> SafeChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    private static void CreateDirectory(string dir)
    {
        string? parent = Path.GetDirectoryName(dir);
        if (parent is not null && !Directory.Exists(parent))
        {
            CreateDirectory(parent);
        }

        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            if (parent is not null)
            {
                FsyncDirectory(parent); // the new entry itself must survive a power cut
            }
        }
    }

    /// <summary>fsync(2) on a directory, so a rename or a new entry in it is durable (Linux/macOS; a no-op elsewhere).</summary>
    public static void FsyncDirectory(string dir)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        int fd = Native.open(dir, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {dir} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Native.fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {dir} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Native.close(fd);
        }
    }

    private sealed class SafeFileHandleScope(Microsoft.Win32.SafeHandles.SafeFileHandle handle) : IDisposable
    {
        public Microsoft.Win32.SafeHandles.SafeFileHandle Handle { get; } = handle;

        public void Dispose() => Handle.Dispose();
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int close(int fd);
    }
}
