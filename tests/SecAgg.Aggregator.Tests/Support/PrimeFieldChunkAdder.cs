using System.Buffers.Binary;
using SecAgg.Aggregator.Accumulation;

namespace SecAgg.Aggregator.Tests.Support;

/// <summary>
/// Test stand-in for the crypto layer's ciphertext adder: a chunk is <see cref="Elements"/> little-endian
/// 64-bit integers below the prime <see cref="Prime"/>, added element-wise mod the prime.
/// </summary>
internal sealed class PrimeFieldChunkAdder(int elements, ulong prime = PrimeFieldChunkAdder.Mersenne61) : IChunkAdder
{
    public const ulong Mersenne61 = (1UL << 61) - 1;

    public int Elements { get; } = elements;

    public ulong Prime { get; } = prime;

    public int ChunkBytes => Elements * sizeof(ulong);

    public bool TryValidate(int chunkIndex, ReadOnlySpan<byte> payload, out string? problem)
    {
        if (payload.Length != ChunkBytes)
        {
            problem = $"{payload.Length} bytes; a chunk has {ChunkBytes}";
            return false;
        }

        for (int i = 0; i < Elements; i++)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(payload[(i * 8)..]) >= Prime)
            {
                problem = $"element {i} is not reduced modulo the prime";
                return false;
            }
        }

        problem = null;
        return true;
    }

    public IChunkSum StartSum(int chunkIndex, ReadOnlySpan<byte> first) => new Sum(this, first.ToArray());

    /// <summary>sum += addend element-wise mod the prime, in place.</summary>
    public void Add(Span<byte> sum, ReadOnlySpan<byte> addend)
    {
        for (int i = 0; i < Elements; i++)
        {
            ulong a = BinaryPrimitives.ReadUInt64LittleEndian(sum[(i * 8)..]);
            ulong b = BinaryPrimitives.ReadUInt64LittleEndian(addend[(i * 8)..]);
            ulong s = a + b; // both < 2^61, no overflow
            BinaryPrimitives.WriteUInt64LittleEndian(sum[(i * 8)..], s >= Prime ? s - Prime : s);
        }
    }

    /// <summary>A reproducible random chunk (values below the prime).</summary>
    public byte[] RandomChunk(Random rng)
    {
        var bytes = new byte[ChunkBytes];
        for (int i = 0; i < Elements; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), (ulong)rng.NextInt64() % Prime);
        }

        return bytes;
    }

    /// <summary>A participant's reproducible upload for a round (fixed seed from the round and the id).</summary>
    public byte[][] MakeUpload(long round, string who, int chunks)
    {
        var rng = new Random((int)round * 7919 + who.Sum(ch => (int)ch) * 31 + who.Length);
        return [.. Enumerable.Range(0, chunks).Select(_ => RandomChunk(rng))];
    }

    /// <summary>Reference sum (BigInteger arithmetic, independent of <see cref="Add"/>).</summary>
    public byte[] ReferenceSum(IEnumerable<byte[]> chunks)
    {
        var acc = new System.Numerics.BigInteger[Elements];
        foreach (var c in chunks)
        {
            for (int i = 0; i < Elements; i++)
            {
                acc[i] += BinaryPrimitives.ReadUInt64LittleEndian(c.AsSpan(i * 8));
            }
        }

        var result = new byte[ChunkBytes];
        for (int i = 0; i < Elements; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(i * 8), (ulong)(acc[i] % Prime));
        }

        return result;
    }

    private sealed class Sum(PrimeFieldChunkAdder adder, byte[] bytes) : IChunkSum
    {
        public int Bytes => bytes.Length;

        public void Add(ReadOnlySpan<byte> addend) => adder.Add(bytes, addend);

        public void WriteTo(Span<byte> destination) => bytes.CopyTo(destination);
    }
}
