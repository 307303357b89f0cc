using System.Security.Cryptography;
using SecAgg.Protocol.Internal;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol;

/// <summary>
/// A participant's masked upload for one round (<see cref="UpdateEncryptor.Encrypt"/>): the serialized chunks in index
/// order, their SHA-256 digests, and the <see cref="UploadCommitment"/> over them with its signature (sent after the last
/// chunk). Keep it (<see cref="Serialize"/>, in a 0600 file) before sending anything and resume from it: a round is
/// encrypted at most once.
/// <para>File format: "SAEU" ‖ version 1 ‖ signed commitment (u16 length ‖ <see cref="SignedStatement.Serialize"/>) ‖
/// chunk count (u32) ‖ chunk bytes (u32) ‖ the chunks ‖ SHA-256 of everything before it.</para>
/// </summary>
public sealed class EncryptedUpload
{
    private static readonly byte[] Magic = "SAEU"u8.ToArray();
    private readonly byte[][] _chunks;
    private byte[]? _signedBytes;

    internal EncryptedUpload(UploadCommitment commitment, SignedStatement signedCommitment, byte[][] chunks)
    {
        Commitment = commitment;
        SignedCommitment = signedCommitment;
        _chunks = chunks;
        ChunkDigests = [.. chunks.Select(c => (ReadOnlyMemory<byte>)UploadCommitment.DigestChunk(c))];
    }

    /// <summary>The commitment (round, upload id, weight, total chunks, chunks digest).</summary>
    public UploadCommitment Commitment { get; }

    /// <summary>The commitment signed with the site's enrollment key (CiphertextUploadMessage.commitment).</summary>
    public SignedStatement SignedCommitment { get; }

    /// <summary>The upload id (UploadHeader.upload_id, 16 bytes in <see cref="Guid.TryWriteBytes(Span{byte})"/> order).</summary>
    public Guid UploadId => Commitment.UploadId;

    /// <summary>The public weight.</summary>
    public ulong Weight => Commitment.Weight;

    /// <summary>The serialized chunks (masked uploads) in index order.</summary>
    public IReadOnlyList<byte[]> Chunks => _chunks;

    /// <summary>SHA-256 of each chunk, in index order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> ChunkDigests { get; }

    /// <summary>Bytes of <see cref="Serialize"/>'s output.</summary>
    public long SerializedBytes => 4 + 1 + 2 + SignedCommitmentBytes.Length + 4 + 4 + ((long)_chunks.Length * ChunkBytes) + 32;

    private int ChunkBytes => _chunks.Length == 0 ? 0 : _chunks[0].Length;

    private byte[] SignedCommitmentBytes => _signedBytes ??= SignedCommitment.Serialize();

    /// <summary>The whole upload as bytes for the participant's 0600 state (format in the class summary).</summary>
    public byte[] Serialize()
    {
        var bytes = new byte[SerializedBytes];
        using var stream = new MemoryStream(bytes);
        WriteTo(stream);
        return bytes;
    }

    /// <summary>Writes <see cref="Serialize"/>'s bytes to <paramref name="destination"/> chunk by chunk (a file in the
    /// participant's 0600 state), with no copy of the whole upload in memory.</summary>
    public void WriteTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] signed = SignedCommitmentBytes;
        var w = new ByteWriter(16 + signed.Length);
        w.Bytes(Magic);
        w.U8(1);
        w.U16(signed.Length);
        w.Bytes(signed);
        w.U32((uint)_chunks.Length);
        w.U32((uint)ChunkBytes);
        Write(w.WrittenSpan);
        foreach (byte[] chunk in _chunks)
        {
            Write(chunk);
        }

        destination.Write(sha.GetHashAndReset());

        void Write(ReadOnlySpan<byte> bytes)
        {
            sha.AppendData(bytes);
            destination.Write(bytes);
        }
    }

    /// <summary>
    /// Reads <see cref="Serialize"/>'s output strictly and checks that the chunks are the committed ones (count and digest).
    /// The signature is not verified here (the site made it; verify it with a <c>StatementVerifier</c> where it matters).
    /// </summary>
    /// <exception cref="InvalidDataException">Damaged, truncated, or chunks that do not match the commitment.</exception>
    public static EncryptedUpload Deserialize(ReadOnlySpan<byte> data)
    {
        if (data.Length < 32 || !SHA256.HashData(data[..^32]).AsSpan().SequenceEqual(data[^32..]))
        {
            throw new InvalidDataException("The stored upload is damaged (checksum mismatch); it cannot be resumed. Do not encrypt the round again: abandon it.");
        }

        var r = new ByteReader(data[..^32], "stored upload");
        if (!r.Bytes(Magic.Length, "header").SequenceEqual(Magic) || r.U8("version") != 1)
        {
            throw r.Fail("it is not a version-1 stored upload");
        }

        SignedStatement signed = SignedStatement.Deserialize(r.Bytes(r.U16("commitment length"), "commitment"));
        UploadCommitment commitment = UploadCommitment.Parse(signed.Statement.Span);
        uint count = r.U32("chunk count");
        uint size = r.U32("chunk size");
        if ((long)count * size != r.Remaining)
        {
            throw r.Fail($"{count} chunks of {size} bytes do not fill the {r.Remaining} bytes that follow");
        }

        var chunks = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            chunks[i] = r.Bytes((int)size, $"chunk {i}").ToArray();
        }

        r.End();
        var upload = new EncryptedUpload(commitment, signed, chunks);
        if (!commitment.Matches(upload.ChunkDigests))
        {
            throw new InvalidDataException("The stored upload's chunks are not the ones its commitment covers.");
        }

        return upload;
    }
}
