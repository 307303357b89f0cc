using System.Buffers.Binary;
using System.Globalization;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Rounds;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Statements;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// The documents of a participant's upload in a round: the upload document (16-byte upload id, then the public weight,
/// 8 bytes little-endian; written before any chunk is accepted, so the weight of every counted upload is durable), the
/// SHA-256 of each accepted chunk (what the signed commitment covers), and the verified signed UploadCommitment.
/// </summary>
internal sealed class UploadDocuments(ServiceStateStore docs)
{
    /// <summary>The underlying documents.</summary>
    public ServiceStateStore Docs => docs;

    /// <summary>Encodes an upload document.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> uploadId, ulong weight)
    {
        byte[] doc = new byte[WireKeys.UploadIdLength + 8];
        uploadId.CopyTo(doc);
        BinaryPrimitives.WriteUInt64LittleEndian(doc.AsSpan(WireKeys.UploadIdLength), weight);
        return doc;
    }

    /// <summary>Whether <paramref name="doc"/> is the document of the upload <paramref name="uploadId"/>.</summary>
    public static bool IsOf(byte[]? doc, ReadOnlySpan<byte> uploadId) =>
        doc is not null && doc.Length >= WireKeys.UploadIdLength && doc.AsSpan(0, WireKeys.UploadIdLength).SequenceEqual(uploadId);

    /// <summary>The upload id of an upload document, as hex (for messages).</summary>
    public static string IdText(byte[] doc) => Convert.ToHexString(doc.AsSpan(0, WireKeys.UploadIdLength)).ToLowerInvariant();

    /// <summary>The weight of an upload document.</summary>
    public static ulong Weight(byte[] doc) => BinaryPrimitives.ReadUInt64LittleEndian(doc.AsSpan(WireKeys.UploadIdLength));

    /// <summary>
    /// Records the digest of an accepted chunk, <see cref="UploadCommitment.DigestChunk"/> of its bytes (their SHA-256,
    /// which the staging computed: <see cref="ChunkUpload.Sha256"/>). The same bytes give the same digest, so a re-send
    /// is harmless.
    /// </summary>
    public Task PutChunkDigestAsync(long round, string id, ChunkUpload chunk, CancellationToken ct) =>
        docs.PutAsync(DocumentKeys.ChunkDigest(round, id, chunk.ChunkIndex), chunk.Sha256, ct);

    /// <summary>The chunk indices whose digest is recorded, ascending.</summary>
    public async Task<IReadOnlyList<int>> DigestedChunksAsync(long round, string id, CancellationToken ct)
    {
        string prefix = DocumentKeys.ChunkDigestPrefix(round, id);
        return [.. (await docs.ListKeysAsync(prefix, ct).ConfigureAwait(false)).Select(k => int.Parse(k.AsSpan(prefix.Length), CultureInfo.InvariantCulture))];
    }

    /// <summary>The recorded chunk digests 0..total−1 in order, or null when one is missing.</summary>
    public async Task<IReadOnlyList<ReadOnlyMemory<byte>>?> ChunkDigestsAsync(long round, string id, int total, CancellationToken ct)
    {
        var all = await docs.ListAsync(DocumentKeys.ChunkDigestPrefix(round, id), ct).ConfigureAwait(false);
        if (all.Count != total)
        {
            return null;
        }

        return [.. all.Select(e => (ReadOnlyMemory<byte>)e.Value)];
    }

    /// <summary>The verified signed commitment of <paramref name="id"/>'s upload in <paramref name="round"/>, or null.</summary>
    public async Task<SignedStatement?> CommitmentAsync(long round, string id, CancellationToken ct) =>
        await docs.GetAsync(DocumentKeys.Commitment(round, id), ct).ConfigureAwait(false) is { } bytes ? SignedStatement.Deserialize(bytes) : null;

    /// <summary>Whether a verified commitment is stored.</summary>
    public async Task<bool> HasCommitmentAsync(long round, string id, CancellationToken ct) =>
        (await docs.ListKeysAsync(DocumentKeys.Commitment(round, id), ct).ConfigureAwait(false)).Count > 0;

    /// <summary>Stores a verified commitment once; false when a different one is stored.</summary>
    public async Task<bool> PutCommitmentAsync(long round, string id, SignedStatement commitment, CancellationToken ct)
    {
        byte[] bytes = commitment.Serialize();
        byte[] kept = await docs.InsertIfAbsentAsync(DocumentKeys.Commitment(round, id), bytes, ct).ConfigureAwait(false);
        return kept.AsSpan().SequenceEqual(bytes);
    }

    /// <summary>U's signed commitments in roster order (every contributor of <paramref name="round"/>).</summary>
    /// <exception cref="InvalidDataException">A counted upload has no stored commitment.</exception>
    public async Task<List<SignedStatement>> CommitmentsOfAsync(RoundState round, ConsortiumRoster roster, CancellationToken ct)
    {
        var result = new List<SignedStatement>(round.Contributors.Length);
        foreach (string id in roster.InPointOrder(round.Contributors))
        {
            result.Add(await CommitmentAsync(round.Number, id, ct).ConfigureAwait(false)
                ?? throw new InvalidDataException($"the counted upload of '{id}' in round {round.Number} has no stored commitment"));
        }

        return result;
    }

    /// <summary>Σw over the round's counted uploads (each contributor's durable upload document).</summary>
    public async Task<ulong> TotalWeightAsync(RoundState round, CancellationToken ct)
    {
        ulong total = 0;
        foreach (string contributor in round.Contributors)
        {
            byte[] doc = await docs.GetAsync(DocumentKeys.Upload(round.Number, contributor), ct).ConfigureAwait(false)
                ?? throw new InvalidDataException($"the counted upload of '{contributor}' in round {round.Number} has no upload document (weight unknown)");
            total = checked(total + Weight(doc));
        }

        return total;
    }
}
