using SecAgg.Aggregator.Accumulation;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// <see cref="IChunkAdder"/> over the key epoch's <see cref="CiphertextScheme"/> (validation and in-place
/// addition of serialized ciphertexts, BFV and CKKS alike).
/// The aggregator never holds a key: it only adds ciphertexts.
/// </summary>
internal sealed class SchemeChunkAdder(CiphertextScheme scheme) : IChunkAdder
{
    public bool TryValidate(int chunkIndex, ReadOnlySpan<byte> payload, out string? problem) => scheme.TryValidateUpload(chunkIndex, payload, out problem);

    public void Add(int chunkIndex, Span<byte> sum, ReadOnlySpan<byte> addend) => scheme.Add(chunkIndex, sum, addend);
}
