using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Internal;

/// <summary>
/// The stored upload file (<see cref="EncryptedUpload"/>). Version 2, written as the chunks are made: "SAEU" ‖ 2 ‖
/// chunk count (u32) ‖ chunk bytes (u32) ‖ the chunks ‖ u16 length ‖ signed commitment ‖ SHA-256 of everything before.
/// Version 1 (read only): "SAEU" ‖ 1 ‖ u16 length ‖ signed commitment ‖ chunk count ‖ chunk bytes ‖ the chunks ‖ SHA-256.
/// </summary>
internal static class StoredUploadFormat
{
    /// <summary>Where version 2's chunks start: after "SAEU", the version, the chunk count and the chunk bytes.</summary>
    internal const int ChunksOffset = 4 + 1 + 4 + 4;
    private const int MaxChunkBytes = 1 << 30;
    private const string Damaged = "The stored upload is damaged ({0}); it cannot be resumed. Do not encrypt the round again: abandon it.";
    private static ReadOnlySpan<byte> Magic => "SAEU"u8;

    /// <summary>What <see cref="Read"/> found: the commitment, where the chunks are, and each chunk's SHA-256.</summary>
    internal sealed record Contents(SignedStatement SignedCommitment, long ChunksOffset, int ChunkCount, int ChunkBytes, ReadOnlyMemory<byte>[] ChunkDigests);

    /// <summary>Writes version 2 in order: the header at construction, each chunk, then the commitment and checksum.</summary>
    internal sealed class Writer : IDisposable
    {
        private readonly Stream _destination;
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly int _count;
        private readonly int _bytes;
        private int _written;

        public Writer(Stream destination, int chunkCount, int chunkBytes)
        {
            ArgumentNullException.ThrowIfNull(destination);
            _destination = destination;
            _count = chunkCount;
            _bytes = chunkBytes;
            Span<byte> header = stackalloc byte[ChunksOffset];
            Magic.CopyTo(header);
            header[4] = 2;
            BinaryPrimitives.WriteUInt32LittleEndian(header[5..], (uint)chunkCount);
            BinaryPrimitives.WriteUInt32LittleEndian(header[9..], (uint)chunkBytes);
            Write(header);
        }

        /// <summary>Appends the next chunk (index order).</summary>
        public void WriteChunk(ReadOnlySpan<byte> chunk)
        {
            if (chunk.Length != _bytes || _written == _count)
            {
                throw new InvalidOperationException($"Chunk {_written} of {_count} has {chunk.Length} bytes; the stored upload takes {_count} chunks of {_bytes}.");
            }

            Write(chunk);
            _written++;
        }

        /// <summary>Appends the signed commitment and the checksum; every chunk must have been written.</summary>
        public void Finish(SignedStatement signedCommitment)
        {
            if (_written != _count)
            {
                throw new InvalidOperationException($"Only {_written} of {_count} chunks were written.");
            }

            byte[] signed = signedCommitment.Serialize();
            Span<byte> length = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)signed.Length));
            Write(length);
            Write(signed);
            _destination.Write(_sha.GetHashAndReset());
        }

        public void Dispose() => _sha.Dispose();

        private void Write(ReadOnlySpan<byte> bytes)
        {
            _sha.AppendData(bytes);
            _destination.Write(bytes);
        }
    }

    /// <summary>Reads and checks a stored upload once, chunk by chunk (one chunk in memory).</summary>
    /// <exception cref="InvalidDataException">Damaged, truncated or not a stored upload.</exception>
    public static Contents Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = file.Length;
        Span<byte> head = stackalloc byte[13];
        Take(file, sha, head[..5], length);
        if (!head[..4].SequenceEqual(Magic) || head[4] is not (1 or 2))
        {
            throw new InvalidDataException(string.Format(null, Damaged, "it is not a version-1 or version-2 stored upload"));
        }

        byte version = head[4];
        SignedStatement? signed = version == 1 ? Commitment(file, sha, length) : null;
        Take(file, sha, head[5..13], length);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(head[5..]), bytes = BinaryPrimitives.ReadUInt32LittleEndian(head[9..]);
        long chunksOffset = file.Position;
        if (bytes == 0 || bytes > MaxChunkBytes || chunksOffset + ((long)count * bytes) > length)
        {
            throw new InvalidDataException(string.Format(null, Damaged, $"{count} chunks of {bytes} bytes do not fit its {length} bytes"));
        }

        var digests = new ReadOnlyMemory<byte>[count];
        byte[] chunk = ArrayPool<byte>.Shared.Rent((int)bytes);
        try
        {
            for (int i = 0; i < count; i++)
            {
                Span<byte> c = chunk.AsSpan(0, (int)bytes);
                Take(file, sha, c, length);
                digests[i] = SHA256.HashData(c);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        signed ??= Commitment(file, sha, length);
        Span<byte> checksum = stackalloc byte[32];
        if (length - file.Position != 32)
        {
            throw new InvalidDataException(string.Format(null, Damaged, $"{length - file.Position} bytes where the 32-byte checksum should end it"));
        }

        file.ReadExactly(checksum);
        if (!sha.GetHashAndReset().AsSpan().SequenceEqual(checksum))
        {
            throw new InvalidDataException(string.Format(null, Damaged, "checksum mismatch"));
        }

        return new Contents(signed, chunksOffset, (int)count, (int)bytes, digests);
    }

    private static SignedStatement Commitment(FileStream file, IncrementalHash sha, long length)
    {
        Span<byte> prefix = stackalloc byte[2];
        Take(file, sha, prefix, length);
        byte[] signed = new byte[BinaryPrimitives.ReadUInt16LittleEndian(prefix)];
        Take(file, sha, signed, length);
        try
        {
            return SignedStatement.Deserialize(signed);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new InvalidDataException(string.Format(null, Damaged, $"its commitment does not parse: {e.Message}"), e);
        }
    }

    /// <summary>Reads exactly <paramref name="into"/>.Length bytes (leaving the 32-byte checksum) and hashes them.</summary>
    private static void Take(FileStream file, IncrementalHash sha, Span<byte> into, long length)
    {
        if (length - file.Position - 32 < into.Length)
        {
            throw new InvalidDataException(string.Format(null, Damaged, $"truncated at byte {file.Position} of {length}"));
        }

        file.ReadExactly(into);
        sha.AppendData(into);
    }
}
