using System.Security.Cryptography;
using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Statements;

/// <summary>
/// Sent with an upload's last chunk (kind 3): body = round (u64 LE) ‖ upload id (16 bytes, <see cref="Guid.TryWriteBytes(Span{byte})"/>
/// order) ‖ weight (u64 LE) ‖ total chunks (u32 LE) ‖ chunks digest (32) where
/// <b>chunks digest = SHA-256("secagg/v2/upload-chunks" ‖ d_0 ‖ … ‖ d_{K−1})</b> and d_k = SHA-256(bytes of chunk k as uploaded).
/// </summary>
public sealed class UploadCommitment : Statement
{
    private static readonly byte[] ChunksDomain = "secagg/v2/upload-chunks"u8.ToArray();
    private readonly byte[] _chunksDigest;

    /// <summary>Creates the statement from the chunks digest (see <see cref="Create"/> to compute it from the chunk digests).</summary>
    public UploadCommitment(ReadOnlySpan<byte> consortiumDigest, ulong epoch, string participantId, ulong round, Guid uploadId, ulong weight, int totalChunks, ReadOnlySpan<byte> chunksDigest)
        : base(consortiumDigest, epoch, participantId)
    {
        if (weight < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "An upload weight is at least 1.");
        }

        if (totalChunks < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(totalChunks), totalChunks, "An upload has at least one chunk.");
        }

        if (chunksDigest.Length != DigestBytes)
        {
            throw new ArgumentException($"A chunks digest has {DigestBytes} bytes, not {chunksDigest.Length}.", nameof(chunksDigest));
        }

        Round = round;
        UploadId = uploadId;
        Weight = weight;
        TotalChunks = totalChunks;
        _chunksDigest = chunksDigest.ToArray();
    }

    /// <inheritdoc/>
    public override StatementKind Kind => StatementKind.UploadCommitment;

    /// <summary>The round the upload belongs to.</summary>
    public ulong Round { get; }

    /// <summary>The upload's id.</summary>
    public Guid UploadId { get; }

    /// <summary>The upload's public weight (1 &lt;= w &lt;= the consortium's max weight).</summary>
    public ulong Weight { get; }

    /// <summary>The number of chunks of the upload.</summary>
    public int TotalChunks { get; }

    /// <summary>SHA-256("secagg/v2/upload-chunks" ‖ d_0 ‖ … ‖ d_{K−1}).</summary>
    public ReadOnlyMemory<byte> ChunksDigest => _chunksDigest;

    /// <summary>
    /// The commitment to an upload whose chunks have SHA-256 digests <paramref name="chunkDigests"/> (in chunk order; one per
    /// chunk, each 32 bytes): total chunks = their count, chunks digest as in the class summary.
    /// </summary>
    public static UploadCommitment Create(ReadOnlySpan<byte> consortiumDigest, ulong epoch, string participantId, ulong round, Guid uploadId, ulong weight, IReadOnlyList<ReadOnlyMemory<byte>> chunkDigests)
    {
        ArgumentNullException.ThrowIfNull(chunkDigests);
        return new UploadCommitment(consortiumDigest, epoch, participantId, round, uploadId, weight, chunkDigests.Count, DigestOfChunks(chunkDigests));
    }

    /// <summary>d_k = SHA-256 of one chunk's bytes as uploaded.</summary>
    public static byte[] DigestChunk(ReadOnlySpan<byte> chunk) => SHA256.HashData(chunk);

    /// <summary>
    /// Whether an upload stored with chunk digests <paramref name="storedChunkDigests"/> (chunk order) is the one committed:
    /// the same number of chunks and the same chunks digest.
    /// </summary>
    public bool Matches(IReadOnlyList<ReadOnlyMemory<byte>> storedChunkDigests)
    {
        ArgumentNullException.ThrowIfNull(storedChunkDigests);
        return storedChunkDigests.Count == TotalChunks
            && storedChunkDigests.All(d => d.Length == DigestBytes)
            && CryptographicOperations.FixedTimeEquals(DigestOfChunks(storedChunkDigests), _chunksDigest);
    }

    /// <summary>Reads an <see cref="UploadCommitment"/> strictly.</summary>
    /// <exception cref="InvalidDataException">Not a canonical UploadCommitment statement.</exception>
    public static new UploadCommitment Parse(ReadOnlySpan<byte> statement) => Parse<UploadCommitment>(statement);

    internal static UploadCommitment ReadBody(ref ByteReader r, ReadOnlySpan<byte> digest, ulong epoch, string id)
    {
        ulong round = r.U64("round");
        var uploadId = new Guid(r.Bytes(16, "upload id"));
        ulong weight = r.U64("weight");
        uint chunks = r.U32("total chunks");
        ReadOnlySpan<byte> chunksDigest = r.Bytes(DigestBytes, "chunks digest");
        if (weight < 1 || chunks < 1 || chunks > int.MaxValue)
        {
            throw r.Fail($"weight {weight} and total chunks {chunks} must both be at least 1 (chunks at most {int.MaxValue})");
        }

        return new(digest, epoch, id, round, uploadId, weight, (int)chunks, chunksDigest);
    }

    private protected override void WriteBody(ByteWriter writer)
    {
        writer.U64(Round);
        Span<byte> id = stackalloc byte[16];
        UploadId.TryWriteBytes(id);
        writer.Bytes(id);
        writer.U64(Weight);
        writer.U32((uint)TotalChunks);
        writer.Bytes(_chunksDigest);
    }

    private static byte[] DigestOfChunks(IReadOnlyList<ReadOnlyMemory<byte>> chunkDigests)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(ChunksDomain);
        for (int k = 0; k < chunkDigests.Count; k++)
        {
            if (chunkDigests[k].Length != DigestBytes)
            {
                throw new ArgumentException($"Chunk digest {k} has {chunkDigests[k].Length} bytes; each is a {DigestBytes}-byte SHA-256.", nameof(chunkDigests));
            }

            hash.AppendData(chunkDigests[k].Span);
        }

        return hash.GetHashAndReset();
    }
}
