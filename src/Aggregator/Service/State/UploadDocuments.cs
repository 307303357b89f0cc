using System.Buffers.Binary;
using SecAgg.Aggregator.Rounds;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// The upload document of a participant's upload in a round: the 16-byte upload id, then the public weight (8 bytes
/// little-endian). It is written before any chunk is accepted, so the weight of every counted upload is durable.
/// </summary>
internal static class UploadDocuments
{
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

    /// <summary>The weight of an upload document (documents written before weights existed hold only the id: weight 1).</summary>
    public static ulong Weight(byte[] doc) =>
        doc.Length >= WireKeys.UploadIdLength + 8 ? BinaryPrimitives.ReadUInt64LittleEndian(doc.AsSpan(WireKeys.UploadIdLength)) : 1;

    /// <summary>Σw over the round's counted uploads (each contributor's durable upload document, read once per contributor).</summary>
    public static async Task<ulong> TotalWeightAsync(ServiceStateStore docs, RoundState round, CancellationToken ct)
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
