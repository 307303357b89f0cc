using SecAgg.Crypto.Internal;

namespace SecAgg.Participant.Tensors.Internal;

/// <summary>
/// Writes a file atomically and durably (temporary file beside it, fsync, rename over the target, fsync of the
/// directory) through the one routine the whole product uses, <see cref="DurableFile"/>.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write, UnixFileMode? mode = null)
        => DurableFile.Write(path, write, mode, overwrite: true);
}
