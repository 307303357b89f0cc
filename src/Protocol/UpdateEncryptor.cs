using System.Buffers;
using System.Runtime.InteropServices;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Protocol.Statements;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol;

/// <summary>
/// Participant side of a round of protocol v2: flat float update → (weight, clip) → <see cref="DdgEncoder"/> (scale,
/// rotate with the round's derived seed, round, discrete Gaussian noise, wrap mod 2^b) → chunks of
/// <see cref="AggregationParameters.ValuesPerChunk"/> values → <see cref="MaskedEncryptor"/> under the site's key share
/// s_i and a_{r,k} = <see cref="RoundParameters.Polynomial"/> (c0 = −a_{r,k}·s_i + e_i + Encode(M), fresh e_i) → one
/// serialized chunk per index, its SHA-256, and the signed <see cref="UploadCommitment"/> over them
/// (<see cref="EncryptedUpload"/>). Chunks are encrypted in parallel across cores; the quantized plaintext is zeroed
/// before returning.
/// <para>
/// <b>Encrypt at most once per (key epoch, round).</b> Two different masked uploads for the same (epoch, round, chunk)
/// share the mask a_{r,k}·s_i, so their difference is e − e' + Encode(M − M'): it tells the aggregator the difference of
/// the two quantized, noised updates. Keep the <see cref="EncryptedUpload"/> (<see cref="EncryptedUpload.Serialize"/>,
/// 0600) before sending a byte of it, and resume or re-send those bytes; never encrypt again for that round.
/// </para>
/// </summary>
/// <remarks>Thread-safe: calls serialize on the (stateful) DDG encoder; encryption runs in parallel.</remarks>
public sealed class UpdateEncryptor
{
    /// <summary>
    /// The quantized update (4 bytes per padded coordinate, exactly), kept across rounds and wiped before it is kept: the
    /// next round of the same size takes it instead of faulting in a fresh array (42 MB at d = 10^7). One is kept; a
    /// second concurrent encryption allocates its own. Not <see cref="ArrayPool{T}"/>: its buckets round the length up to a
    /// power of two (67 MB at d = 10^7), and <see cref="ArrayPool{T}.Shared"/> keeps a returned array in the returning
    /// thread's slot, where the next round's continuation on another pool thread does not find it.
    /// </summary>
    private static uint[]? s_kept;

    private readonly RoundParameters _round;
    private readonly KeyShareSecret _secret;
    private readonly StatementSigner _signer;
    private readonly DdgEncoder _encoder;
    private readonly Lock _gate = new();

    /// <summary>Creates the encryptor of participant <paramref name="participantId"/> for a round.</summary>
    /// <param name="round">The round (this participant's own computation, <see cref="RoundParameters.FromContract"/>).</param>
    /// <param name="secret">The site's key share s_i of the round's key epoch (not copied: keep it alive, dispose it yourself).</param>
    /// <param name="signer">The site's enrollment-key signer (for the UploadCommitment).</param>
    /// <param name="participantId">The site's participant id.</param>
    /// <exception cref="ArgumentException">The secret is not this participant's (party id) or was made under other parameters.</exception>
    public UpdateEncryptor(RoundParameters round, KeyShareSecret secret, StatementSigner signer, string participantId)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(signer);
        int party = round.Descriptor.RequireParticipant(participantId, nameof(participantId)) + 1;
        if (secret.PartyId != party)
        {
            throw new ArgumentException($"The key share is party {secret.PartyId}'s; '{participantId}' is party {party}.", nameof(secret));
        }

        if (!secret.Parameters.Digest.Span.SequenceEqual(round.Aggregation.Digest.Span))
        {
            throw new ArgumentException("The key share was made under other aggregation parameters than the round's.", nameof(secret));
        }

        _round = round;
        _secret = secret;
        _signer = signer;
        ParticipantId = participantId;
        _encoder = new DdgEncoder(round.Ddg) { DegreeOfParallelism = -1 };
    }

    /// <summary>The uploading participant.</summary>
    public string ParticipantId { get; }

    /// <summary>Chunks per upload.</summary>
    public int ChunkCount => _round.TotalChunks;

    /// <summary>Bytes of one serialized chunk.</summary>
    public int ChunkBytes => _round.Scheme.UploadBytes;

    /// <summary>Cores used for encryption (default: all; 1 for sequential).</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>
    /// Encodes, masks and commits <paramref name="update"/> (length = layout total) with public weight
    /// <paramref name="weight"/> (1 ≤ w ≤ max-weight): the update is clipped to c and multiplied by w/max-weight before
    /// quantization. <paramref name="onChunk"/>, when given, receives each chunk (index, bytes) as soon as it is
    /// encrypted, possibly concurrently (the result keeps them too).
    /// </summary>
    /// <exception cref="ArgumentException">The update has another length than the layout.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The weight is outside 1..max-weight.</exception>
    public EncryptedUpload Encrypt(ReadOnlySpan<float> update, ulong weight, Guid uploadId, Action<int, byte[]>? onChunk = null)
    {
        DdgParameters ddg = _round.Ddg;
        if (update.Length != ddg.Dimension)
        {
            throw new ArgumentException($"The update has {update.Length} values; the round's layout holds {ddg.Dimension}.", nameof(update));
        }

        if (weight < 1 || weight > _round.MaxWeight)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), $"Weight {weight} must be in [1, max-weight = {_round.MaxWeight}].");
        }

        var chunks = new byte[ChunkCount][];
        // The b-bit values, 4 bytes per padded coordinate; the encoder's own work needs at most one segment besides.
        uint[] values = Interlocked.Exchange(ref s_kept, null) is { } kept && kept.Length == ddg.PaddedDimension
            ? kept
            : GC.AllocateUninitializedArray<uint>(ddg.PaddedDimension);
        try
        {
            Quantize(update, weight, values);
            int perChunk = _round.Aggregation.ValuesPerChunk;
            int padded = ddg.PaddedDimension;
            // Chunks run side by side on the cores; each chunk's ring operations get the cores left over (all of them
            // for a single chunk, d = 10^6 at n = 32768; one each once there are as many chunks as cores).
            int cores = MaxDegreeOfParallelism > 0 ? MaxDegreeOfParallelism : Environment.ProcessorCount;
            using RingParallelism.LimitScope ringLimit = RingParallelism.Limit(Math.Max(1, cores / Math.Max(1, Math.Min(ChunkCount, cores))));
            Parallel.For(
                0,
                ChunkCount,
                new ParallelOptions { MaxDegreeOfParallelism = cores },
                () => new MaskedEncryptor(_round.Aggregation, _secret),
                (index, _, local) =>
                {
                    // One encryptor and one ciphertext buffer per thread, reused for every chunk it takes.
                    int start = index * perChunk;
                    int length = Math.Max(0, Math.Min(perChunk, padded - start));
                    chunks[index] = new byte[local.UploadBytes];
                    using (RoundPolynomial a = _round.Polynomial(index))
                    {
                        local.EncryptTo(values.AsSpan(start, length), a, chunks[index]);
                    }

                    onChunk?.Invoke(index, chunks[index]);
                    return local;
                },
                local => local.Dispose());
        }
        finally
        {
            Array.Clear(values); // the quantized update is as secret as the update
            s_kept = values;
        }

        ReadOnlyMemory<byte>[] digests = [.. chunks.Select(c => (ReadOnlyMemory<byte>)UploadCommitment.DigestChunk(c))];
        UploadCommitment commitment = UploadCommitment.Create(
            _round.Descriptor.Digest.Span, _round.KeyEpochId, ParticipantId, _round.Round, uploadId, weight, digests);
        return new EncryptedUpload(commitment, _signer.Sign(commitment), chunks);
    }

    /// <summary>DDG-encodes the update; a weight below max-weight scales it by clip(‖x‖)·w/max-weight inside the encoder
    /// (x_i = (float)(update_i·factor), as a scaled copy would hold, without making one).</summary>
    private void Quantize(ReadOnlySpan<float> update, ulong weight, uint[] values)
    {
        DdgParameters ddg = _round.Ddg;
        double factor = 1.0;
        if (weight != _round.MaxWeight)
        {
            double norm = 0;
            foreach (float x in update)
            {
                norm += (double)x * x;
            }

            norm = Math.Sqrt(norm);
            factor = (norm > ddg.ClipNorm ? ddg.ClipNorm / norm : 1.0) * weight / _round.MaxWeight;
        }

        using Prng random = Prng.CreateSecure();
        lock (_gate)
        {
            _encoder.Encode(update, factor, _round.RotationSeed.Span, random, values);
        }
    }
}
