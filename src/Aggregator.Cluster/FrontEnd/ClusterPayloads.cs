using System.Runtime.InteropServices;
using Google.Protobuf;

namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>The byte array a grain call takes for a message's megabyte payload, copied only when it must be.</summary>
internal static class ClusterPayloads
{
    /// <summary>
    /// The array behind <paramref name="payload"/> when it spans exactly that whole array (a ByteString the generated parser
    /// made owns such an array, never changed): no copy. A payload in part of a larger array (a pooled buffer) is copied
    /// once. The grains take it as <see cref="ImmutableAttribute">immutable</see>, so a call within the silo copies nothing more.
    /// </summary>
    public static byte[] ArrayOf(ByteString payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return MemoryMarshal.TryGetArray(payload.Memory, out ArraySegment<byte> segment) && segment.Array is { } array
            && segment.Offset == 0 && segment.Count == array.Length
            ? array
            : payload.ToByteArray();
    }
}
