using System.Security.Cryptography;
using System.Text.Json;
using SecAgg.Crypto.Internal;
using SecAgg.Participant.Tensors.Internal;

namespace SecAgg.Participant.State;

/// <summary>An upload in progress, persisted so that a restarted participant resumes it (same upload id) instead of starting a second one.</summary>
/// <param name="Round">The round.</param>
/// <param name="UploadId">The 16-byte upload id sent in every header of the upload (hex).</param>
/// <param name="TotalChunks">Chunks the upload declares.</param>
/// <param name="Complete">Whether the aggregator reported the upload complete and counted.</param>
/// <param name="UpdateDigest">SHA-256 (hex) of the submitted update's float32 values and weight: a second submit of a different update for the round is refused.</param>
/// <param name="StartedUtc">When the upload was encrypted (for the refusal message).</param>
public sealed record UploadProgressRecord(ulong Round, string UploadId, int TotalChunks, bool Complete, string UpdateDigest, DateTimeOffset StartedUtc);

/// <summary>
/// A participant's local state directory: its key epoch state and epoch keys, its approval record, privacy ledger and
/// decryption ledger (each written by its own class through this directory), and its uploads in progress. The directory is mode 0700 and every file 0600; every
/// write is atomic (temporary file, fsync, rename), so a crash leaves either the old or the new file, and the state
/// survives restarts. Secret bytes read from disk are zeroed once parsed.
/// </summary>
public sealed class ParticipantState
{
    private const UnixFileMode FileMode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode0700 = FileMode0600 | UnixFileMode.UserExecute;

    private ParticipantState(string directory) => Directory = directory;

    /// <summary>The absolute path of the state directory.</summary>
    public string Directory { get; }

    /// <summary>Opens (creating when absent) a state directory.</summary>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    public static ParticipantState Open(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string full = Path.GetFullPath(directory);
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(full);
        }
        else
        {
            System.IO.Directory.CreateDirectory(full, DirectoryMode0700);
        }

        return new ParticipantState(full);
    }

    /// <summary>Records upload progress (atomically).</summary>
    public void SaveProgress(UploadProgressRecord progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(progress);
        AtomicFile.Write(ProgressPath(progress.Round), s => s.Write(json), FileMode0600);
    }

    /// <summary>The progress recorded for a round, or null.</summary>
    /// <exception cref="InvalidDataException">The file is corrupt.</exception>
    public UploadProgressRecord? LoadProgress(ulong round)
    {
        string path = ProgressPath(round);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<UploadProgressRecord>(File.ReadAllBytes(path))
                ?? throw new InvalidDataException($"'{path}' is empty; delete it to start the round's upload afresh.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid upload progress ({e.Message}); delete it to start the round's upload afresh.", e);
        }
    }

    /// <summary>Writes a named file of the state directory atomically with mode 0600.</summary>
    /// <param name="name">A plain file name (no folders).</param>
    /// <param name="bytes">The content; zeroed afterwards when <paramref name="secret"/>.</param>
    /// <param name="secret">Whether to zero <paramref name="bytes"/> after writing.</param>
    public void WriteFile(string name, byte[] bytes, bool secret = false)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        string path = FilePath(name);
        if (secret)
        {
            WriteSecret(path, bytes);
        }
        else
        {
            AtomicFile.Write(path, s => s.Write(bytes), FileMode0600);
        }
    }

    /// <summary>Writes a named file of the state directory atomically with mode 0600 through <paramref name="write"/>
    /// (streamed: large content need not be one array in memory).</summary>
    /// <param name="name">A plain file name (no folders).</param>
    /// <param name="write">Writes the content to the temporary file's stream.</param>
    /// <param name="reuse">A file of the state directory no longer needed, whose old content may stay on disk until
    /// overwritten, to write into instead of a new file: it is moved to the temporary name and overwritten, so its
    /// page-cache pages are reused (<see cref="DurableFile"/>); null (the default) writes a new file.</param>
    public void WriteFile(string name, Action<Stream> write, string? reuse = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        DurableFile.Write(FilePath(name), write, FileMode0600, overwrite: true, reuse: reuse is null ? null : FilePath(reuse));
    }

    /// <summary>The names of the state directory's files that match <paramref name="pattern"/> (e.g. "upload-round-*").</summary>
    public IReadOnlyList<string> FileNames(string pattern) =>
        System.IO.Directory.Exists(Directory) ? [.. System.IO.Directory.EnumerateFiles(Directory, pattern).Select(Path.GetFileName).OfType<string>()] : [];

    /// <summary>Reads a named file of the state directory, or null when absent (refuses group/other-readable files).</summary>
    public byte[]? ReadFile(string name)
    {
        string path = FilePath(name);
        return File.Exists(path) ? ReadSecret(path, "absent") : null;
    }

    /// <summary>The path of a named file of the state directory for reading in place, or null when absent (refuses
    /// group/other-readable files, as <see cref="ReadFile"/> does).</summary>
    public string? ExistingFile(string name)
    {
        string path = FilePath(name);
        if (!File.Exists(path))
        {
            return null;
        }

        CheckPrivate(path);
        return path;
    }

    /// <summary>Deletes a named file of the state directory (no error when absent).</summary>
    public void DeleteFile(string name) => File.Delete(FilePath(name));

    private string FilePath(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.IndexOfAny(['/', '\\']) >= 0 || name is "." or "..")
        {
            throw new ArgumentException($"'{name}' must be a plain file name.", nameof(name));
        }

        return Path.Combine(Directory, name);
    }

    private string ProgressPath(ulong round) => Path.Combine(Directory, $"upload-round-{round}.json");

    private static void WriteSecret(string path, byte[] bytes)
    {
        try
        {
            AtomicFile.Write(path, s => s.Write(bytes), FileMode0600);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static byte[] ReadSecret(string path, string hint)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' does not exist: {hint}.", path);
        }

        CheckPrivate(path);
        return File.ReadAllBytes(path);
    }

    private static void CheckPrivate(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            UnixFileMode mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new UnauthorizedAccessException($"'{path}' is readable or writable by others (mode {Convert.ToString((int)mode, 8)}); restrict it with chmod 600 before using it.");
            }
        }
    }
}
