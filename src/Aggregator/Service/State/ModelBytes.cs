using System.Buffers.Binary;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// A published model as it is stored and served: the stored document (round, participants, then the float32 values
/// little-endian) and the SHA-256 of the values' bytes. Immutable once built: downloads wrap slices of
/// <see cref="Values"/> without copying. Both back ends serve it through <see cref="ModelStream"/>.
/// </summary>
/// <param name="Version">The model version (0 = the initial model).</param>
/// <param name="Round">The round that published it (0 for the initial model).</param>
/// <param name="Participants">Complete uploads averaged into it.</param>
/// <param name="Values">The values, float32 little-endian (4 bytes each).</param>
/// <param name="Digest">SHA-256 of <paramref name="Values"/>.</param>
public sealed record ModelBytes(long Version, long Round, int Participants, ReadOnlyMemory<byte> Values, ReadOnlyMemory<byte> Digest)
{
    /// <summary>Number of float32 values.</summary>
    public int Count => Values.Length / sizeof(float);

    /// <summary>values[i] += this model's value i (the next model from a round's mean, without a copy of this one).</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not hold <see cref="Count"/> values.</exception>
    public void AddTo(Span<float> values)
    {
        if (values.Length != Count)
        {
            throw new ArgumentException($"Model version {Version} has {Count} values; {values.Length} were given to add it to.", nameof(values));
        }

        ReadOnlySpan<byte> bytes = Values.Span;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] += BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
        }
    }
}
