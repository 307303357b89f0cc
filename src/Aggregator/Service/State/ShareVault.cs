using System.Globalization;
using System.Runtime.InteropServices;
using SecAgg.Aggregator.Storage.Internal;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// The decryption shares the members of D sent, one per (round, member, chunk), written once: the first bytes win, a
/// resend of the same bytes is a repeat, other bytes are refused. With a data directory (the SQLite store's, or a
/// PostgreSQL store's when it has one) each share is a file, <c>DIR/shares/round-R/MEMBER.INDEX.share</c>, written to
/// a temporary name, fsynced and linked into place without replacing anything; <see cref="HeldAsync"/> fsyncs the
/// round's directory before it reports what is held, so every share a member is told is held survives kill -9 and a
/// power cut. Without one they are rows of <see cref="ServiceStateStore"/> (the layout before files, kept for a
/// PostgreSQL store without a data directory). A finished round's share files are deleted (<see cref="ForgetRound"/>).
/// </summary>
internal sealed class ShareVault
{
    private readonly ServiceStateStore _docs;
    private readonly string? _root;

    /// <param name="docs">The service's documents (the shares' home without a data directory; read as a fallback with one).</param>
    /// <param name="dataDirectory">The store's payload directory, or null to keep shares in <paramref name="docs"/>.</param>
    public ShareVault(ServiceStateStore docs, string? dataDirectory)
    {
        _docs = docs;
        _root = dataDirectory is null ? null : Path.Combine(Path.GetFullPath(dataDirectory), "shares");
    }

    /// <summary>Whether shares are files (else database rows).</summary>
    public bool InFiles => _root is not null;

    /// <summary>
    /// Holds <paramref name="share"/> for (round, member, chunk) unless a share is held there; returns whether the held
    /// share is these bytes (false: a different share was held first, nothing changed).
    /// </summary>
    public async Task<bool> StoreAsync(long round, string member, int chunk, ReadOnlyMemory<byte> share, CancellationToken ct)
    {
        if (_root is null)
        {
            byte[] bytes = MemoryMarshal.TryGetArray(share, out ArraySegment<byte> whole) && whole.Offset == 0 && whole.Count == whole.Array!.Length ? whole.Array : share.ToArray();
            byte[] kept = await _docs.InsertIfAbsentAsync(DocumentKeys.Share(round, member, chunk), bytes, ct).ConfigureAwait(false);
            return kept.AsSpan().SequenceEqual(bytes);
        }

        string dir = RoundDirectory(round);
        if (!Directory.Exists(dir))
        {
            CreateDurably(dir);
        }

        string path = SharePath(round, member, chunk);
        if (File.Exists(path))
        {
            return await SameAsync(path, share, ct).ConfigureAwait(false);
        }

        string temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, share.Length))
            {
                RandomAccess.Write(handle, share.Span, 0);
                RandomAccess.FlushToDisk(handle);
            }

            File.Move(temp, path, overwrite: false); // the first share wins; the directory is fsynced by HeldAsync before any acknowledgement
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            ChunkFiles.TryDelete(temp);
            return await SameAsync(path, share, ct).ConfigureAwait(false); // another call held one first
        }
        catch
        {
            ChunkFiles.TryDelete(temp);
            throw;
        }
    }

    /// <summary>The chunk indices <paramref name="member"/> has a share held for in <paramref name="round"/> (durable once listed).</summary>
    public async Task<List<int>> HeldAsync(long round, string member, CancellationToken ct)
    {
        if (_root is null)
        {
            return [.. (await _docs.ListKeysAsync(DocumentKeys.SharePrefix(round, member), ct).ConfigureAwait(false))
                .Select(k => int.Parse(k.AsSpan(k.LastIndexOf('/') + 1), CultureInfo.InvariantCulture))];
        }

        string dir = RoundDirectory(round);
        if (!Directory.Exists(dir))
        {
            return [];
        }

        ChunkFiles.FsyncDirectory(dir); // every share linked so far, this member's included, is durable before it is reported
        var held = new List<int>();
        string prefix = member + ".";
        foreach (string f in Directory.EnumerateFiles(dir, prefix + "*.share"))
        {
            string name = Path.GetFileName(f);
            if (int.TryParse(name.AsSpan(prefix.Length, name.Length - prefix.Length - ".share".Length), NumberStyles.None, CultureInfo.InvariantCulture, out int chunk))
            {
                held.Add(chunk);
            }
        }

        held.Sort();
        return held;
    }

    /// <summary>
    /// Hands <paramref name="member"/>'s share of <paramref name="chunk"/> to <paramref name="consume"/> (the span is valid
    /// only during the call); throws <see cref="InvalidDataException"/> when none is held.
    /// </summary>
    public async Task ReadAsync(long round, string member, int chunk, Action<ReadOnlyMemory<byte>> consume, CancellationToken ct)
    {
        string? path = _root is null ? null : SharePath(round, member, chunk);
        if (path is not null && File.Exists(path))
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
            int length = checked((int)RandomAccess.GetLength(handle));
            byte[] buffer = ChunkFiles.Rent(length);
            try
            {
                int read = 0;
                while (read < length)
                {
                    int n = await RandomAccess.ReadAsync(handle, buffer.AsMemory(read, length - read), read, ct).ConfigureAwait(false);
                    if (n == 0)
                    {
                        throw new InvalidDataException($"member '{member}''s share for chunk {chunk} of round {round} is truncated");
                    }

                    read += n;
                }

                consume(buffer.AsMemory(0, length));
            }
            finally
            {
                ChunkFiles.Return(buffer);
            }

            return;
        }

        // No file: a share stored as a row (no data directory, or before shares were files).
        byte[] row = await _docs.GetAsync(DocumentKeys.Share(round, member, chunk), ct).ConfigureAwait(false)
            ?? throw new InvalidDataException($"member '{member}' has no share for chunk {chunk}");
        consume(row);
    }

    /// <summary>Deletes a finished (published or aborted) round's share files; a no-op for rows or when there are none.</summary>
    public void ForgetRound(long round)
    {
        if (_root is not null)
        {
            ChunkFiles.TryDeleteDirectory(RoundDirectory(round));
        }
    }

    /// <summary>At start: deletes the share files of every round not in <paramref name="unfinished"/> (finished while the process was down or before it stopped).</summary>
    public void SweepFinished(IReadOnlyCollection<long> unfinished)
    {
        if (_root is null || !Directory.Exists(_root))
        {
            return;
        }

        foreach (string dir in Directory.EnumerateDirectories(_root, "round-*"))
        {
            if (long.TryParse(Path.GetFileName(dir).AsSpan("round-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out long round) && !unfinished.Contains(round))
            {
                ChunkFiles.TryDeleteDirectory(dir);
            }
        }
    }

    private string RoundDirectory(long round) => Path.Combine(_root!, "round-" + round.ToString(CultureInfo.InvariantCulture));

    /// <summary>Member ids are 1-64 of [A-Za-z0-9._-] (the consortium file's rule, checked at load), so they are safe file names.</summary>
    private string SharePath(long round, string member, int chunk) =>
        Path.Combine(RoundDirectory(round), string.Create(CultureInfo.InvariantCulture, $"{member}.{chunk}.share"));

    private static async Task<bool> SameAsync(string path, ReadOnlyMemory<byte> share, CancellationToken ct)
    {
        byte[] held = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
        return held.AsSpan().SequenceEqual(share.Span);
    }

    /// <summary>Creates <paramref name="dir"/> and its missing parents, each new entry fsynced in its parent.</summary>
    private static void CreateDurably(string dir)
    {
        string? parent = Path.GetDirectoryName(dir);
        if (parent is not null && !Directory.Exists(parent))
        {
            CreateDurably(parent);
        }

        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            if (parent is not null)
            {
                ChunkFiles.FsyncDirectory(parent);
            }
        }
    }
}
