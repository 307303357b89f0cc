using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol;

/// <summary>
/// Aggregator side of a round: the decrypted chunk values (slot sums mod 2^b, chunk by chunk in index
/// order) → <see cref="DdgDecoder"/> (centered lift, ·γ, inverse rotation, drop padding) → the mean
/// (divide by the number of summands) or the weighted mean (divide by Σw / max_weight) → tensors.
/// </summary>
/// <remarks>Not thread-safe (the DDG decoder keeps scratch space).</remarks>
public sealed class AggregateDecoder
{
    private readonly RoundParameters _round;
    private readonly DdgDecoder _decoder;
    private readonly uint[] _flat;

    /// <summary>Creates the decoder for a round.</summary>
    public AggregateDecoder(RoundParameters round)
    {
        ArgumentNullException.ThrowIfNull(round);
        _round = round;
        _decoder = new DdgDecoder(round.Ddg);
        _flat = new uint[round.Ddg.PaddedDimension];
    }

    /// <summary>Mean of <paramref name="summands"/> unweighted updates.</summary>
    /// <param name="chunkValues">One array per chunk index (FinalizeWrapped output), ValuesPerCiphertext values each.</param>
    /// <param name="summands">Number of uploads in the sum (≥ 1).</param>
    public float[] DecodeMean(IReadOnlyList<uint[]> chunkValues, int summands)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(summands);
        return Decode(chunkValues, summands);
    }

    /// <summary>Weighted mean: the sum divided by Σw / max_weight (each participant pre-scaled by w / max_weight).</summary>
    public float[] DecodeWeightedMean(IReadOnlyList<uint[]> chunkValues, ulong totalWeight)
    {
        ArgumentOutOfRangeException.ThrowIfZero(totalWeight);
        return Decode(chunkValues, (double)totalWeight / _round.MaxWeight);
    }

    /// <summary>Decodes and divides by <paramref name="divisor"/> (1 for the sum).</summary>
    public float[] Decode(IReadOnlyList<uint[]> chunkValues, double divisor)
    {
        ArgumentNullException.ThrowIfNull(chunkValues);
        if (!(divisor > 0) || !double.IsFinite(divisor))
        {
            throw new ArgumentOutOfRangeException(nameof(divisor), $"The divisor {divisor} must be positive and finite.");
        }

        if (chunkValues.Count != _round.TotalChunks)
        {
            throw new ArgumentException($"Got {chunkValues.Count} decrypted chunks; the round has {_round.TotalChunks}.", nameof(chunkValues));
        }

        int perChunk = _round.Scheme.ValuesPerChunk;
        int padded = _flat.Length;
        for (int c = 0; c < chunkValues.Count; c++)
        {
            int start = c * perChunk;
            int length = Math.Min(perChunk, padded - start);
            uint[] chunk = chunkValues[c] ?? throw new ArgumentException($"Chunk {c} is missing.", nameof(chunkValues));
            if (chunk.Length < length)
            {
                throw new ArgumentException($"Chunk {c} has {chunk.Length} values; expected at least {length}.", nameof(chunkValues));
            }

            chunk.AsSpan(0, length).CopyTo(_flat.AsSpan(start));
        }

        var result = new float[_round.Ddg.Dimension];
        _decoder.Decode(_flat, _round.RotationSeed.Span, divisor, result);
        return result;
    }

    /// <summary>Splits a flat model into the layout's named tensors.</summary>
    public Dictionary<string, float[]> ToTensors(ReadOnlySpan<float> flat) => _round.Layout.Unflatten(flat);
}
