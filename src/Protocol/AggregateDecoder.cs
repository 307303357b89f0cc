using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol;

/// <summary>
/// Aggregator side of a round: the decrypted chunk values (slot sums mod 2^b, chunk by chunk in index
/// order) → <see cref="DdgDecoder"/> (centered lift, ·γ, inverse rotation, drop padding) → the mean
/// (divide by the number of summands) or the weighted mean (divide by Σw / max_weight) → tensors.
/// </summary>
/// <remarks>Not thread-safe (the DDG decoder keeps scratch space). Disposing it hands its scratch (12·PaddedDimension
/// bytes) to the next decoder made with the same DDG literal: an aggregator decodes round after round, and fresh
/// multi-megabyte arrays cost a page fault per 4 KiB on first touch (about 12 µs each on the virtual machines measured
/// in perf/RESULTS.md: 36 ms per round at d = 10^6). The scratch holds only the decoded aggregate, which is published.</remarks>
public sealed class AggregateDecoder : IDisposable
{
    private static Scratch? s_kept;
    private readonly RoundParameters _round;
    private readonly DdgDecoder _decoder;
    private readonly uint[] _flat;
    private readonly bool[] _handedOut; // chunks whose slice ChunkValues gave out since construction
    private bool _disposed;

    /// <summary>Creates the decoder for a round.</summary>
    public AggregateDecoder(RoundParameters round)
    {
        ArgumentNullException.ThrowIfNull(round);
        _round = round;
        if (Interlocked.Exchange(ref s_kept, null) is { } kept && kept.Decoder.Parameters.Literal == round.Ddg.Literal)
        {
            // DdgParameters are derived from their literal alone: an equal literal decodes identically.
            _decoder = kept.Decoder;
            _flat = kept.Flat;
        }
        else
        {
            _decoder = new DdgDecoder(round.Ddg);
            _flat = new uint[round.Ddg.PaddedDimension];
        }

        _handedOut = new bool[round.TotalChunks];
    }

    /// <summary>Hands the scratch on to the next decoder of the same DDG literal; this decoder is then unusable.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Volatile.Write(ref s_kept, new Scratch(_decoder, _flat));
        }
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

    /// <summary>
    /// Where chunk <paramref name="chunk"/>'s decrypted values go (its slice of the padded aggregate, ValuesPerChunk
    /// values or fewer for the last chunk): write every chunk's values there (e.g.
    /// <see cref="ShareCombiner.Finish(ReadOnlySpan{byte}, Span{uint})"/>), then <see cref="DecodeMean(int)"/> or
    /// <see cref="DecodeWeightedMean(ulong)"/>; nothing is copied.
    /// </summary>
    public Span<uint> ChunkValues(int chunk)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(chunk);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chunk, _round.TotalChunks);
        int perChunk = _round.Scheme.ValuesPerChunk;
        int start = chunk * perChunk;
        _handedOut[chunk] = true;
        return _flat.AsSpan(start, Math.Min(perChunk, _flat.Length - start));
    }

    /// <summary>Mean of <paramref name="summands"/> unweighted updates from the values written through <see cref="ChunkValues"/>.</summary>
    /// <exception cref="InvalidOperationException">A chunk's slice was never asked for (its values would be another round's).</exception>
    public float[] DecodeMean(int summands)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(summands);
        RequireEveryChunk();
        return DecodeWritten(summands);
    }

    /// <summary>Weighted mean (the sum divided by Σw / max_weight) from the values written through <see cref="ChunkValues"/>.</summary>
    /// <exception cref="InvalidOperationException">A chunk's slice was never asked for.</exception>
    public float[] DecodeWeightedMean(ulong totalWeight)
    {
        ArgumentOutOfRangeException.ThrowIfZero(totalWeight);
        RequireEveryChunk();
        return DecodeWritten((double)totalWeight / _round.MaxWeight);
    }

    /// <summary>The scratch may hold an earlier round's values: decoding before every chunk's slice was handed out
    /// would publish them.</summary>
    private void RequireEveryChunk()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int missing = Array.IndexOf(_handedOut, false);
        if (missing >= 0)
        {
            throw new InvalidOperationException($"Chunk {missing} of {_round.TotalChunks} was not decrypted into ChunkValues({missing}); every chunk must be before the mean is decoded.");
        }
    }

    /// <summary>Decodes and divides by <paramref name="divisor"/> (1 for the sum).</summary>
    public float[] Decode(IReadOnlyList<uint[]> chunkValues, double divisor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(chunkValues);
        if (!(divisor > 0) || !double.IsFinite(divisor))
        {
            throw new ArgumentOutOfRangeException(nameof(divisor), $"The divisor {divisor} must be positive and finite.");
        }

        if (chunkValues.Count != _round.TotalChunks)
        {
            throw new ArgumentException($"Got {chunkValues.Count} decrypted chunks; the round has {_round.TotalChunks}.", nameof(chunkValues));
        }

        for (int c = 0; c < chunkValues.Count; c++)
        {
            uint[] chunk = chunkValues[c] ?? throw new ArgumentException($"Chunk {c} is missing.", nameof(chunkValues));
            Span<uint> slice = ChunkValues(c);
            if (chunk.Length < slice.Length)
            {
                throw new ArgumentException($"Chunk {c} has {chunk.Length} values; expected at least {slice.Length}.", nameof(chunkValues));
            }

            chunk.AsSpan(0, slice.Length).CopyTo(slice);
        }

        return DecodeWritten(divisor);
    }

    /// <summary>The mean from the padded aggregate; the callers checked the decoder and the divisor.</summary>
    private float[] DecodeWritten(double divisor)
    {
        var result = new float[_round.Ddg.Dimension];
        _decoder.Decode(_flat, _round.RotationSeed.Span, divisor, result);
        return result;
    }

    /// <summary>Splits a flat model into the layout's named tensors.</summary>
    public Dictionary<string, float[]> ToTensors(ReadOnlySpan<float> flat) => _round.Layout.Unflatten(flat);

    private sealed record Scratch(DdgDecoder Decoder, uint[] Flat);
}
