using SecAgg.Aggregator.Accumulation;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// <see cref="IChunkAdder"/> over the key epoch's <see cref="CiphertextScheme"/> (validation of a masked upload and in-place
/// folding of serialized masked uploads into their sum, BFV and CKKS alike).
/// The aggregator never holds a key share: it only adds masked uploads.
/// </summary>
internal sealed class SchemeChunkAdder(CiphertextScheme scheme) : IChunkAdder
{
    public bool TryValidate(int chunkIndex, ReadOnlySpan<byte> payload, out string? problem) => scheme.TryValidateUpload(payload, out problem);

    public void Add(int chunkIndex, Span<byte> sum, ReadOnlySpan<byte> addend) => scheme.Fold(sum, addend);
}
