using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Protocol.Internal;
using SecAgg.Protocol.Statements;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol;

/// <summary>
/// Participant side of a round of protocol v2: flat float update → (weight, clip) → <see cref="DdgEncoder"/> (scale,
/// rotate with the round's derived seed, round, discrete Gaussian noise, wrap mod 2^b) → chunks of
/// <see cref="AggregationParameters.ValuesPerChunk"/> values → <see cref="MaskedEncryptor"/> under the site's key share
/// s_i and a_{r,k} = <see cref="RoundParameters.Polynomial"/> (c0 = −a_{r,k}·s_i + e_i + Encode(M), fresh e_i) → one
/// serialized chunk per index, its SHA-256, and the signed <see cref="UploadCommitment"/> over them
/// (<see cref="EncryptedUpload"/>). The encoder hands the quantized values over one chunk at a time and each chunk is
/// encrypted at once (its ring operations across the cores), so no plaintext buffer spans the update; it is wiped
/// before returning.
/// <para>
/// <b>Encrypt at most once per (key epoch, round).</b> Two different masked uploads for the same (epoch, round, chunk)
/// share the mask a_{r,k}·s_i, so their difference is e − e' + Encode(M − M'): it tells the aggregator the difference of
/// the two quantized, noised updates. Keep the upload (<see cref="EncryptTo"/> into a 0600 file) before sending a byte
/// of it, and resume or re-send those bytes; never encrypt again for that round.
/// </para>
/// </summary>
/// <remarks>Thread-safe: calls serialize on the (stateful) DDG encoder.</remarks>
public sealed class UpdateEncryptor
{
    /// <summary>
    /// Two chunks' quantized values (4 bytes per value: the one the encoder fills and the one being encrypted), kept
    /// across rounds, wiped before they are kept: the next round takes them instead of faulting in fresh arrays. One pair
    /// is kept; a second concurrent encryption allocates its own.
    /// </summary>
    private static readonly uint[]?[] s_kept = new uint[]?[2];

    /// <summary>The chunk buffer of <see cref="EncryptTo"/> (ciphertext, not secret), kept for the next round of the same
    /// size: a fresh one each round was large-object garbage that stayed resident until a full collection.</summary>
    private static byte[]? s_chunkBuffer;

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
    /// quantization. The chunks are kept in memory; <paramref name="onChunk"/>, when given, receives each (index, bytes)
    /// as soon as it is encrypted, in index order, one at a time. A participant writes its upload to its state file with
    /// <see cref="EncryptTo"/> instead, which keeps none of it in memory.
    /// </summary>
    /// <exception cref="ArgumentException">The update has another length than the layout.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The weight is outside 1..max-weight.</exception>
    public EncryptedUpload Encrypt(ReadOnlySpan<float> update, ulong weight, Guid uploadId, Action<int, byte[]>? onChunk = null)
    {
        CheckInput(update.Length, weight);
        var chunks = new byte[ChunkCount][];
        (UploadCommitment commitment, SignedStatement signed, ReadOnlyMemory<byte>[] digests) = EncryptCore(update, weight, uploadId, reuseBuffer: false, (index, chunk) =>
        {
            chunks[index] = chunk;
            onChunk?.Invoke(index, chunk);
        });
        return new EncryptedUpload(commitment, signed, chunks, digests);
    }

    /// <summary>
    /// Encrypts like <see cref="Encrypt"/> and writes the upload in the stored format to <paramref name="destination"/>
    /// (a 0600 file; open it with <see cref="EncryptedUpload.Open"/>) as the chunks are made, through one chunk buffer:
    /// besides the update, memory holds two chunks' values, one chunk and the encryptor, whatever the update's length.
    /// </summary>
    /// <returns>The upload's commitment (signed in the file).</returns>
    /// <exception cref="ArgumentException">The update has another length than the layout.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The weight is outside 1..max-weight.</exception>
    public UploadCommitment EncryptTo(ReadOnlySpan<float> update, ulong weight, Guid uploadId, Stream destination) =>
        WriteStored(update, weight, uploadId, destination).Commitment;

    /// <summary>
    /// Encrypts like <see cref="EncryptTo"/> into <paramref name="destination"/>, the stream whose bytes become the file
    /// at <paramref name="path"/> once written (e.g. a temporary file renamed there after its fsync), and returns that
    /// stored upload without reading the file back: its commitment and chunk digests are the ones just made, and each
    /// chunk is read from <paramref name="path"/> and checked against its digest when sent
    /// (<see cref="EncryptedUpload.ReadChunk(int, Span{byte})"/>), as for <see cref="EncryptedUpload.Open"/>. Opening the
    /// file once more after writing it cost a warm participant a 2.9 MB read and two SHA-256 passes per round (N = 10,
    /// d = 10^6: about 10 ms of CPU, issue 17).
    /// </summary>
    /// <exception cref="ArgumentException">The update has another length than the layout, or the path is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The weight is outside 1..max-weight.</exception>
    public EncryptedUpload EncryptToFile(ReadOnlySpan<float> update, ulong weight, Guid uploadId, Stream destination, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        (UploadCommitment commitment, SignedStatement signed, ReadOnlyMemory<byte>[] digests) = WriteStored(update, weight, uploadId, destination);
        return EncryptedUpload.Written(commitment, signed, path, ChunkCount, ChunkBytes, digests);
    }

    /// <summary>The stored format (version 2) written to <paramref name="destination"/> as the chunks are made, through
    /// one kept chunk buffer; the input is checked before the header goes out.</summary>
    private (UploadCommitment Commitment, SignedStatement Signed, ReadOnlyMemory<byte>[] Digests) WriteStored(ReadOnlySpan<float> update, ulong weight, Guid uploadId, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        CheckInput(update.Length, weight);
        using var writer = new StoredUploadFormat.Writer(destination, ChunkCount, ChunkBytes);
        (UploadCommitment commitment, SignedStatement signed, ReadOnlyMemory<byte>[] digests) = EncryptCore(update, weight, uploadId, reuseBuffer: true, (_, chunk) => writer.WriteChunk(chunk));
        writer.Finish(signed);
        return (commitment, signed, digests);
    }

    /// <summary>
    /// The encryption: the encoder hands over one chunk's b-bit values at a time (4 bytes per value) as soon as they are
    /// noised, and each chunk is encrypted while the encoder makes the next, so no plaintext buffer spans the update.
    /// <paramref name="onChunk"/> gets the chunks in index order, one at a time, on a pool thread; with
    /// <paramref name="reuseBuffer"/> every chunk comes in the same array (consume it before returning). The callers
    /// have checked the input (<see cref="CheckInput"/>).
    /// </summary>
    private (UploadCommitment, SignedStatement, ReadOnlyMemory<byte>[]) EncryptCore(ReadOnlySpan<float> update, ulong weight, Guid uploadId, bool reuseBuffer, Action<int, byte[]> onChunk)
    {
        DdgParameters ddg = _round.Ddg;
        var digests = new ReadOnlyMemory<byte>[ChunkCount];
        int perChunk = _round.Aggregation.ValuesPerChunk;
        int pieceLength = Math.Min(perChunk, ddg.PaddedDimension);
        uint[] piece = TakeKept(0, pieceLength), encrypting = TakeKept(1, pieceLength);
        byte[]? buffer = !reuseBuffer ? null
            : Interlocked.Exchange(ref s_chunkBuffer, null) is { } keptBuffer && keptBuffer.Length == ChunkBytes ? keptBuffer : new byte[ChunkBytes];
        Task pending = Task.CompletedTask;
        int cores = MaxDegreeOfParallelism > 0 ? MaxDegreeOfParallelism : Environment.ProcessorCount;
        using RingParallelism.LimitScope ringLimit = RingParallelism.Limit(cores);
        var encryptor = new MaskedEncryptor(_round.Aggregation, _secret);
        try
        {
            Quantize(update, weight, piece, (start, values) =>
            {
                pending.GetAwaiter().GetResult(); // one encryptor, one chunk at a time, in order
                values.CopyTo(encrypting);
                int index = start / perChunk, length = values.Length;
                pending = Task.Run(() => EncryptChunk(encryptor, index, encrypting.AsSpan(0, length), buffer, digests, onChunk));
            });
            pending.GetAwaiter().GetResult();
            // Chunks past the padded update (none with the planned presets) encrypt zeros.
            for (int index = 0; index < ChunkCount; index++)
            {
                if (digests[index].IsEmpty)
                {
                    EncryptChunk(encryptor, index, [], buffer, digests, onChunk);
                }
            }
        }
        finally
        {
            // The chunk being encrypted when the encoder failed must finish before its plaintext is wiped.
            try
            {
                pending.Wait();
            }
            catch (AggregateException)
            {
                // Already thrown above, or superseded by the encoder's exception.
            }

            encryptor.Dispose();
            Array.Clear(encrypting); // the quantized values are as secret as the update (the encoder wiped the piece)
            s_kept[0] = piece;
            s_kept[1] = encrypting;
            if (buffer is not null)
            {
                s_chunkBuffer = buffer;
            }
        }

        UploadCommitment commitment = UploadCommitment.Create(
            _round.Descriptor.Digest.Span, _round.KeyEpochId, ParticipantId, _round.Round, uploadId, weight, digests);
        return (commitment, _signer.Sign(commitment), digests);
    }

    private void CheckInput(int length, ulong weight)
    {
        if (length != _round.Ddg.Dimension)
        {
            throw new ArgumentException($"The update has {length} values; the round's layout holds {_round.Ddg.Dimension}.", "update");
        }

        if (weight < 1 || weight > _round.MaxWeight)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), $"Weight {weight} must be in [1, max-weight = {_round.MaxWeight}].");
        }
    }

    private static uint[] TakeKept(int slot, int length) =>
        Interlocked.Exchange(ref s_kept[slot], null) is { } kept && kept.Length == length ? kept : GC.AllocateUninitializedArray<uint>(length);

    private void EncryptChunk(MaskedEncryptor encryptor, int index, ReadOnlySpan<uint> values, byte[]? buffer, ReadOnlyMemory<byte>[] digests, Action<int, byte[]> onChunk)
    {
        byte[] chunk = buffer ?? new byte[encryptor.UploadBytes];
        using (RoundPolynomial a = _round.Polynomial(index))
        {
            encryptor.EncryptTo(values, a, chunk);
        }

        digests[index] = UploadCommitment.DigestChunk(chunk);
        onChunk(index, chunk);
    }

    /// <summary>DDG-encodes the update; a weight below max-weight scales it by clip(‖x‖)·w/max-weight inside the encoder
    /// (x_i = (float)(update_i·factor), as a scaled copy would hold, without making one).</summary>
    private void Quantize(ReadOnlySpan<float> update, ulong weight, uint[] piece, DdgPieceHandler onPiece)
    {
        DdgParameters ddg = _round.Ddg;
        double factor = 1.0;
        if (weight != _round.MaxWeight)
        {
            double norm = DdgEncoder.L2Norm(update);
            factor = (norm > ddg.ClipNorm ? ddg.ClipNorm / norm : 1.0) * weight / _round.MaxWeight;
        }

        using Prng random = Prng.CreateSecure();
        lock (_gate)
        {
            _encoder.Encode(update, factor, _round.RotationSeed.Span, random, piece, onPiece);
        }
    }
}
