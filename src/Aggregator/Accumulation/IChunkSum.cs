namespace SecAgg.Aggregator.Accumulation;

/// <summary>
/// One chunk index's running ciphertext sum, held in the adder's own form (for ciphertexts: the parsed polynomial, so
/// an addend is decoded straight into it and the sum is serialized once, when it is written).
/// Not thread-safe.
/// </summary>
public interface IChunkSum
{
    /// <summary>Bytes of the serialized sum (<see cref="WriteTo"/>); every addend has this many.</summary>
    int Bytes { get; }

    /// <summary><c>sum += addend</c> (a validated chunk of the same index); the sum is unchanged when it throws.</summary>
    /// <exception cref="InvalidDataException">The addend is malformed.</exception>
    void Add(ReadOnlySpan<byte> addend);

    /// <summary>Writes the serialized sum (<see cref="Bytes"/> bytes) into <paramref name="destination"/>.</summary>
    void WriteTo(Span<byte> destination);
}
