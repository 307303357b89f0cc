namespace SecAgg.Crypto.Internal;

/// <summary>
/// The one routine for durable files in SecAgg: write a temporary file beside the target, flush it to
/// disk, rename it over (or, without overwrite, onto a free) target, then flush the directory so the
/// rename itself survives a power loss. After a crash the target holds either its old content or the
/// complete new content, never a torn mix. SecAgg.Crypto's share ledger uses it, and so do the participant
/// library and the aggregator for their files.
/// </summary>
public static class DurableFile
{
    /// <summary>
    /// Writes <paramref name="path"/> atomically with the bytes <paramref name="write"/> puts into the stream.
    /// </summary>
    /// <param name="path">Target file; its directory is created if missing.</param>
    /// <param name="write">Writes the whole content.</param>
    /// <param name="mode">Unix permissions of the new file (e.g. 0600 for secrets); ignored on Windows.</param>
    /// <param name="overwrite">
    /// <see langword="true"/>: replace an existing target. <see langword="false"/>: leave an existing target
    /// untouched and return <see langword="false"/> (the caller decides whether that content is acceptable).
    /// </param>
    /// <param name="reuse">
    /// null (the default): a new file. Else an existing file the caller no longer needs (e.g. an ended round's upload of
    /// the same size), written into instead of a new file: it is renamed to the temporary name, overwritten from its start
    /// and cut to the new length, then flushed and renamed onto the target like a new one. Its page-cache pages are written
    /// over instead of allocated afresh (a multi-megabyte file per round pays ~12 µs per first-touched 4 KiB page on the
    /// VMs measured; issue 17). Reuse only a file whose old content may stay on disk until overwritten (a crash in between
    /// leaves it under the temporary name), and that lies in the target's directory. A missing file gives a new file.
    /// </param>
    /// <returns><see langword="true"/> when this call's content is now the target's.</returns>
    public static bool Write(string path, Action<Stream> write, UnixFileMode? mode = null, bool overwrite = true, string? reuse = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(directory);
        if (!overwrite && File.Exists(full))
        {
            return false;
        }

        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            bool reused = reuse is not null && TryMove(reuse, temporary);
            var options = new FileStreamOptions { Mode = reused ? FileMode.Open : FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (mode is { } m && !OperatingSystem.IsWindows())
            {
                if (reused)
                {
                    File.SetUnixFileMode(temporary, m);
                }
                else
                {
                    options.UnixCreateMode = m;
                }
            }

            using (var stream = new FileStream(temporary, options))
            {
                write(stream);
                if (reused)
                {
                    stream.SetLength(stream.Position);
                }

                stream.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temporary, full, overwrite);
            }
            catch (IOException) when (!overwrite && File.Exists(full))
            {
                return false;
            }

            FlushDirectory(directory);
            return true;
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static bool TryMove(string from, string to)
    {
        try
        {
            File.Move(from, to);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone meanwhile, or not movable: a new file instead
        }
    }

    /// <summary>Writes <paramref name="content"/> atomically; see <see cref="Write(string, Action{Stream}, UnixFileMode?, bool, string?)"/>.</summary>
    public static bool Write(string path, ReadOnlySpan<byte> content, UnixFileMode? mode = null, bool overwrite = true)
    {
        byte[] copy = content.ToArray();
        try
        {
            return Write(path, stream => stream.Write(copy), mode, overwrite);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(copy);
        }
    }

    /// <summary>
    /// Flushes a directory's entries to disk (fsync of the directory), making renames and creations in it
    /// durable. A no-op on Windows and on file systems that refuse opening directories; the rename is atomic
    /// either way.
    /// </summary>
    public static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (UnauthorizedAccessException)
        {
        }
        catch (IOException)
        {
        }
    }
}
