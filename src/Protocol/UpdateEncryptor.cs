using System.Buffers;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol;

/// <summary>
/// Participant side of a round: flat float update → (weight, clip) → <see cref="DdgEncoder"/> (scale,
/// rotate, round, discrete Gaussian noise, wrap mod 2^b) → chunks of <see cref="MultipartyParameters.ValuesPerCiphertext"/>
/// values → the round's <see cref="CiphertextScheme"/> (BFV: <see cref="CollectiveEncryptor"/>, CKKS: fixed-point
/// slots) → one serialized ciphertext per chunk index. The chunk count (<see cref="ChunkCount"/>) is known before encrypting; chunks are encrypted
/// in parallel across cores. The quantized plaintext is zeroed before returning.
/// </summary>
/// <remarks>Thread-safe: calls serialize on the (stateful) DDG encoder; encryption runs in parallel.</remarks>
public sealed class UpdateEncryptor
{
    private readonly RoundParameters _round;
    private readonly CollectivePublicKey _publicKey;
    private readonly DdgEncoder _encoder;
    private readonly Lock _gate = new();

    /// <summary>Creates the encryptor for a round under the epoch's collective key.</summary>
    /// <exception cref="ParameterMismatchException">The key was made under other HE parameters than the round's.</exception>
    public UpdateEncryptor(RoundParameters round, CollectivePublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(publicKey);
        round.Scheme.CreateChunkEncryptor(publicKey).Dispose(); // checks that the key belongs to the round's parameters
        _round = round;
        _publicKey = publicKey;
        _encoder = new DdgEncoder(round.Ddg) { DegreeOfParallelism = -1 };
    }

    /// <summary>Ciphertexts per upload.</summary>
    public int ChunkCount => _round.TotalChunks;

    /// <summary>Bytes of one serialized chunk.</summary>
    public int ChunkBytes => _round.Scheme.CiphertextBytes;

    /// <summary>Cores used for encryption (default: all; 1 for sequential).</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>
    /// Encodes and encrypts <paramref name="update"/> (length = layout total) with public weight
    /// <paramref name="weight"/> (1 ≤ w ≤ max_weight): the update is clipped to c and multiplied by
    /// w/max_weight before quantization. Returns the serialized chunks in index order.
    /// </summary>
    public byte[][] Encrypt(ReadOnlySpan<float> update, ulong weight = 1)
    {
        var chunks = new byte[ChunkCount][];
        Encrypt(update, weight, (index, bytes) => chunks[index] = bytes);
        return chunks;
    }

    /// <summary>Streaming variant: <paramref name="sink"/> receives each chunk (index, bytes) as soon as it is encrypted, possibly concurrently.</summary>
    public void Encrypt(ReadOnlySpan<float> update, ulong weight, Action<int, byte[]> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        DdgParameters ddg = _round.Ddg;
        if (update.Length != ddg.Dimension)
        {
            throw new ArgumentException($"The update has {update.Length} values; the round's layout holds {ddg.Dimension}.", nameof(update));
        }

        if (weight < 1 || weight > _round.MaxWeight)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), $"Weight {weight} must be in [1, max_weight = {_round.MaxWeight}].");
        }

        uint[] values = ArrayPool<uint>.Shared.Rent(ddg.PaddedDimension);
        float[]? scaled = null;
        try
        {
            ReadOnlySpan<float> input = update;
            if (weight != _round.MaxWeight)
            {
                scaled = ArrayPool<float>.Shared.Rent(update.Length);
                double norm = 0;
                foreach (float x in update)
                {
                    norm += (double)x * x;
                }

                norm = Math.Sqrt(norm);
                double factor = (norm > ddg.ClipNorm ? ddg.ClipNorm / norm : 1.0) * weight / _round.MaxWeight;
                for (int i = 0; i < update.Length; i++)
                {
                    scaled[i] = (float)(update[i] * factor);
                }

                input = scaled.AsSpan(0, update.Length);
            }

            using (Prng random = Prng.CreateSecure())
            {
                lock (_gate)
                {
                    _encoder.Encode(input, _round.RotationSeed.Span, random, values.AsSpan(0, ddg.PaddedDimension));
                }
            }

            int perChunk = _round.Scheme.ValuesPerCiphertext;
            int padded = ddg.PaddedDimension;
            var options = new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism };
            Parallel.For(
                0,
                ChunkCount,
                options,
                () => _round.Scheme.CreateChunkEncryptor(_publicKey),
                (index, _, encryptor) =>
                {
                    int start = index * perChunk;
                    int length = Math.Min(perChunk, padded - start);
                    sink(index, encryptor.Encrypt(values.AsSpan(start, length)));
                    return encryptor;
                },
                encryptor => encryptor.Dispose());
        }
        finally
        {
            values.AsSpan(0, ddg.PaddedDimension).Clear();
            ArrayPool<uint>.Shared.Return(values);
            if (scaled is not null)
            {
                scaled.AsSpan(0, update.Length).Clear();
                ArrayPool<float>.Shared.Return(scaled);
            }
        }
    }
}
