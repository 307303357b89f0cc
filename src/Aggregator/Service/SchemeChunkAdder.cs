using SecAgg.Aggregator.Accumulation;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// <see cref="IChunkAdder"/> over the key epoch's <see cref="CiphertextScheme"/> (validation of a masked upload in one pass
/// without allocating, and running sums held as parsed <see cref="MaskedUpload"/>s that each addend's bytes are decoded
/// straight into, BFV and CKKS alike). The aggregator never holds a key share: it only adds masked uploads.
/// </summary>
internal sealed class SchemeChunkAdder(CiphertextScheme scheme) : IChunkAdder
{
    public bool TryValidate(int chunkIndex, ReadOnlySpan<byte> payload, out string? problem) => scheme.TryValidateUpload(payload, out problem);

    public IChunkSum StartSum(int chunkIndex, ReadOnlySpan<byte> first) => new MaskedSum(scheme, scheme.StartSum(first));

    /// <summary>A chunk's sum as its parsed masked upload: c0 += c0' decoded from the addend's bytes (no copy, no allocation).</summary>
    private sealed class MaskedSum(CiphertextScheme scheme, MaskedUpload sum) : IChunkSum
    {
        public int Bytes => sum.SerializedBytes;

        public void Add(ReadOnlySpan<byte> addend) => scheme.Fold(sum, addend);

        public void WriteTo(Span<byte> destination) => sum.Serialize(destination);
    }
}
