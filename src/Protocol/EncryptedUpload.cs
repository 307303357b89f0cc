using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using SecAgg.Protocol.Internal;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol;

/// <summary>
/// A participant's masked upload for one round: the serialized chunks in index order, their SHA-256 digests, and the
/// <see cref="UploadCommitment"/> over them with its signature (sent after the last chunk). Keep it (a 0600 file) before
/// sending anything and resume from it: a round is encrypted at most once. The chunks are in memory
/// (<see cref="UpdateEncryptor.Encrypt"/>) or in such a file (<see cref="Open"/>, after
/// <see cref="UpdateEncryptor.EncryptTo"/> wrote it as the chunks were made), read one at a time when sent.
/// <para>File format (<see cref="StoredUploadFormat"/>), version 2: "SAEU" ‖ 2 ‖ chunk count (u32) ‖ chunk bytes (u32) ‖
/// the chunks ‖ signed commitment (u16 length ‖ <see cref="SignedStatement.Serialize"/>) ‖ SHA-256 of everything before
/// it. Version 1 (read only): the signed commitment came first, after the version byte.</para>
/// </summary>
public sealed class EncryptedUpload
{
    private readonly byte[][]? _chunks;
    private readonly string? _path;
    private readonly long _chunksOffset;

    internal EncryptedUpload(UploadCommitment commitment, SignedStatement signedCommitment, byte[][] chunks, ReadOnlyMemory<byte>[] digests)
        : this(commitment, signedCommitment, chunks.Length, chunks.Length == 0 ? 0 : chunks[0].Length, digests)
    {
        _chunks = chunks;
    }

    private EncryptedUpload(UploadCommitment commitment, SignedStatement signedCommitment, string path, long chunksOffset, int chunkCount, int chunkBytes, ReadOnlyMemory<byte>[] digests)
        : this(commitment, signedCommitment, chunkCount, chunkBytes, digests)
    {
        _path = path;
        _chunksOffset = chunksOffset;
    }

    private EncryptedUpload(UploadCommitment commitment, SignedStatement signedCommitment, int chunkCount, int chunkBytes, ReadOnlyMemory<byte>[] digests)
    {
        Commitment = commitment;
        SignedCommitment = signedCommitment;
        ChunkCount = chunkCount;
        ChunkBytes = chunkBytes;
        ChunkDigests = digests;
    }

    /// <summary>The upload <see cref="UpdateEncryptor.EncryptToFile"/> just wrote in the stored format (version 2) to
    /// <paramref name="path"/>: its chunks are read from there, and checked against <paramref name="digests"/>, when sent.</summary>
    internal static EncryptedUpload Written(UploadCommitment commitment, SignedStatement signedCommitment, string path, int chunkCount, int chunkBytes, ReadOnlyMemory<byte>[] digests) =>
        new(commitment, signedCommitment, path, StoredUploadFormat.ChunksOffset, chunkCount, chunkBytes, digests);

    /// <summary>The commitment (round, upload id, weight, total chunks, chunks digest).</summary>
    public UploadCommitment Commitment { get; }

    /// <summary>The commitment signed with the site's enrollment key (CiphertextUploadMessage.commitment).</summary>
    public SignedStatement SignedCommitment { get; }

    /// <summary>The upload id (UploadHeader.upload_id, 16 bytes in <see cref="Guid.TryWriteBytes(Span{byte})"/> order).</summary>
    public Guid UploadId => Commitment.UploadId;

    /// <summary>The public weight.</summary>
    public ulong Weight => Commitment.Weight;

    /// <summary>Chunks of the upload.</summary>
    public int ChunkCount { get; }

    /// <summary>Bytes of each chunk.</summary>
    public int ChunkBytes { get; }

    /// <summary>Whether the chunks are read from a file (<see cref="Open"/>) rather than held in memory.</summary>
    public bool IsStored => _path is not null;

    /// <summary>The serialized chunks in index order. For a stored upload each access reads and checks the chunk into a
    /// new array; send with <see cref="ReadChunk(int, Span{byte})"/> and one buffer instead.</summary>
    public IReadOnlyList<byte[]> Chunks => _chunks ?? [.. Enumerable.Range(0, ChunkCount).Select(ReadChunk)];

    /// <summary>SHA-256 of each chunk, in index order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> ChunkDigests { get; }

    /// <summary>Chunk <paramref name="index"/> (a new array).</summary>
    /// <exception cref="InvalidDataException">A stored chunk is no longer the one opened (the file changed).</exception>
    public byte[] ReadChunk(int index)
    {
        var chunk = new byte[ChunkBytes];
        ReadChunk(index, chunk);
        return chunk;
    }

    /// <summary>Copies chunk <paramref name="index"/> into <paramref name="destination"/> (<see cref="ChunkBytes"/> long);
    /// a stored chunk is read from its file and checked against its digest.</summary>
    /// <exception cref="InvalidDataException">A stored chunk is no longer the one opened (the file changed).</exception>
    public void ReadChunk(int index, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ChunkCount);
        if (destination.Length != ChunkBytes)
        {
            throw new ArgumentException($"A chunk is {ChunkBytes} bytes; the destination holds {destination.Length}.", nameof(destination));
        }

        if (_chunks is not null)
        {
            _chunks[index].CopyTo(destination);
            return;
        }

        using SafeFileHandle file = File.OpenHandle(_path!);
        if (RandomAccess.Read(file, destination, _chunksOffset + ((long)index * ChunkBytes)) != ChunkBytes
            || !SHA256.HashData(destination).AsSpan().SequenceEqual(ChunkDigests[index].Span))
        {
            throw new InvalidDataException($"Chunk {index} of the stored upload '{_path}' changed after it was opened; the upload cannot be resumed from it.");
        }
    }

    /// <summary>Writes the upload in the stored format (version 2) to <paramref name="destination"/>, chunk by chunk.</summary>
    public void WriteTo(Stream destination)
    {
        using var writer = new StoredUploadFormat.Writer(destination, ChunkCount, ChunkBytes);
        byte[] chunk = new byte[ChunkBytes];
        for (int i = 0; i < ChunkCount; i++)
        {
            ReadChunk(i, chunk);
            writer.WriteChunk(chunk);
        }

        writer.Finish(SignedCommitment);
    }

    /// <summary>
    /// Opens a stored upload (version 2, or version 1 as written before): reads it once to check the checksum and that
    /// the chunks are the committed ones (count and digest), and keeps only the commitment and the chunk digests; the
    /// chunks are read again, and checked, when sent. The signature is not verified here (the site made it; verify it
    /// with a <c>StatementVerifier</c> where it matters).
    /// </summary>
    /// <exception cref="InvalidDataException">Damaged, truncated, or chunks that do not match the commitment.</exception>
    public static EncryptedUpload Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        StoredUploadFormat.Contents stored = StoredUploadFormat.Read(path);
        UploadCommitment commitment = UploadCommitment.Parse(stored.SignedCommitment.Statement.Span);
        var upload = new EncryptedUpload(commitment, stored.SignedCommitment, path, stored.ChunksOffset, stored.ChunkCount, stored.ChunkBytes, stored.ChunkDigests);
        if (!commitment.Matches(upload.ChunkDigests))
        {
            throw new InvalidDataException("The stored upload's chunks are not the ones its commitment covers.");
        }

        return upload;
    }
}
