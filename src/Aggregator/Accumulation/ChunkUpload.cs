using System.Security.Cryptography;

namespace SecAgg.Aggregator.Accumulation;

/// <summary>One chunk of a participant's upload, as it comes off the stream.</summary>
/// <param name="Round">The round the upload is for.</param>
/// <param name="ParticipantId">The authenticated participant (from its client certificate, never from the message).</param>
/// <param name="ChunkIndex">Index of this chunk, from 0; chunks of one upload arrive in order.</param>
/// <param name="TotalChunks">Number of chunks in the whole upload (must equal the round's).</param>
/// <param name="ParameterDigest">Digest of the parameters the participant encrypted under (must equal the round's).</param>
/// <param name="Payload">The ciphertext chunk's bytes.</param>
public sealed record ChunkUpload(long Round, string ParticipantId, int ChunkIndex, int TotalChunks, ReadOnlyMemory<byte> ParameterDigest, ReadOnlyMemory<byte> Payload)
{
    private byte[]? _sha256;

    /// <summary>
    /// SHA-256 of <see cref="Payload"/>, computed once per chunk (issue 17: it was computed twice on the way in): the
    /// staged row's checksum and the chunk digest an upload commitment covers (<c>UploadCommitment.DigestChunk</c>).
    /// Not to be modified.
    /// </summary>
    internal byte[] Sha256 => _sha256 ??= SHA256.HashData(Payload.Span);
}
