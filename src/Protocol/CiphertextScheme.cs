using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Internal;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Protocol;

/// <summary>
/// The scheme-specific half of a key epoch (<see cref="HeScheme"/>): everything the protocol does with
/// ciphertext bytes. Participants encrypt quantized chunks (<see cref="CreateChunkEncryptor"/>) and answer
/// decryption requests (<see cref="RequestDigest"/>, <see cref="AnswerDecryption"/>); the aggregator checks and
/// adds uploads (<see cref="TryValidateUpload"/>, <see cref="Add"/>) and opens the summed chunks
/// (<see cref="OpenAggregate"/>) to send requests and combine shares. The key epoch itself (public-key shares,
/// the collective key, secret and threshold shares) is scheme-independent and runs on <see cref="KeyParameters"/>.
/// </summary>
/// <remarks>
/// Values cross this boundary as the DDG pipeline produces them: b-bit integers mod 2^b, one chunk of
/// <see cref="ValuesPerCiphertext"/> at a time; a decrypted sum comes back the same way. BFV carries them exactly;
/// CKKS carries their centered lift as fixed-point reals and rounds back to the integer grid, refusing to
/// decode when its error bound reaches 1/2 (docs/ckks-integration.md). Thread-safe.
/// </remarks>
public abstract class CiphertextScheme
{
    private protected CiphertextScheme()
    {
    }

    /// <summary>Which scheme.</summary>
    public abstract HeScheme Kind { get; }

    /// <summary>The key epoch's ring and party parameters (collective key, secrets, threshold shares).</summary>
    public abstract MultipartyParameters KeyParameters { get; }

    /// <summary>SHA-256 of the checked parameter set (HeParameters.parameter_digest).</summary>
    public abstract ReadOnlyMemory<byte> Digest { get; }

    /// <summary>b: bits per value (values are in [0, 2^b)).</summary>
    public abstract int ValueBits { get; }

    /// <summary>Values carried by one ciphertext (one chunk).</summary>
    public abstract int ValuesPerCiphertext { get; }

    /// <summary>Bytes of one serialized upload ciphertext (all uploads and sums have this size).</summary>
    public abstract int CiphertextBytes { get; }

    /// <summary>Whether these are test-only parameters.</summary>
    public bool IsInsecureForTests => KeyParameters.IsInsecureForTests;

    /// <summary>The multiparty BFV scheme over <paramref name="parameters"/> (the default).</summary>
    public static CiphertextScheme Bfv(MultipartyParameters parameters) => new BfvCiphertextScheme(parameters);

    /// <summary>
    /// Multiparty CKKS over <paramref name="parameters"/> (made by <see cref="MultipartyParameters.ForCkks"/>), carrying
    /// b-bit values (<paramref name="valueBits"/>) as centered integers on the grid of step 1.
    /// </summary>
    public static CiphertextScheme Ckks(MultipartyParameters parameters, int valueBits) => new CkksCiphertextScheme(parameters, valueBits);

    /// <summary>
    /// Whether a sum of <paramref name="summands"/> uploads decrypted by <paramref name="decryptors"/> members is read back
    /// exactly: null when it is, otherwise what does not fit (CKKS: the message + noise + flooding must stay below q/2
    /// and the tracked slot error below 1/2 of the integer grid; BFV's packing headroom is checked by its parameters).
    /// </summary>
    public virtual string? CheckCapacity(int summands, int decryptors) => null;

    /// <summary>The HE parameters as a contract message (parameter_digest = <see cref="Digest"/>, scheme set).</summary>
    public abstract V1.HeParameters ToContract(string parameterSetId);

    // ------------------------------------------------------------------ participant

    /// <summary>An encryptor of chunks under the collective key; not thread-safe (make one per thread).</summary>
    /// <exception cref="ParameterMismatchException">The key was made under other parameters.</exception>
    public abstract IChunkEncryptor CreateChunkEncryptor(CollectivePublicKey publicKey);

    /// <summary>
    /// Parses a decryption request (the c1-only form of an aggregate, see <see cref="AggregateChunk.EncodeRequest"/>) and
    /// returns its one-share-per-ciphertext digest. Throws <see cref="InvalidDataException"/> when it is malformed.
    /// </summary>
    public abstract byte[] RequestDigest(ReadOnlySpan<byte> request);

    /// <summary>
    /// This party's decryption share for an aggregate (or its request form) through the one-share-per-ciphertext
    /// ledger: generated and recorded the first time, the same bytes afterwards; another decryption set for the same
    /// ciphertext throws <see cref="ShareAlreadyIssuedException"/>.
    /// </summary>
    public abstract byte[] AnswerDecryption(IShareLedger ledger, DecryptionSecret secret, ReadOnlySpan<byte> aggregate, int expectedSummands);

    // ------------------------------------------------------------------ aggregator

    /// <summary>Checks one uploaded chunk (size, header, parameters, reduced coefficients, one fresh summand).</summary>
    public abstract bool TryValidateUpload(int chunkIndex, ReadOnlySpan<byte> payload, out string? problem);

    /// <summary>sum ← sum + addend, in place (both serialized, same size).</summary>
    public abstract void Add(int chunkIndex, Span<byte> sum, ReadOnlySpan<byte> addend);

    /// <summary>Parses a summed chunk for the decryption phase.</summary>
    public abstract AggregateChunk OpenAggregate(ReadOnlySpan<byte> sum);
}

/// <summary>Encrypts chunks of b-bit values (each in [0, 2^b)) under the collective key; dispose to wipe its randomness.</summary>
public interface IChunkEncryptor : IDisposable
{
    /// <summary>Encrypts up to <see cref="CiphertextScheme.ValuesPerCiphertext"/> values (missing trailing values are zero) and serializes the ciphertext.</summary>
    byte[] Encrypt(ReadOnlySpan<uint> values);
}

/// <summary>One summed chunk on the aggregator during decryption: its request, its share checks, the combination.</summary>
public abstract class AggregateChunk
{
    private protected AggregateChunk()
    {
    }

    /// <summary>Uploads summed into it.</summary>
    public abstract int Summands { get; }

    /// <summary>SHA-256 identity for the one-share-per-ciphertext ledger (over c1 and the parameters).</summary>
    public abstract byte[] Digest { get; }

    /// <summary>The flooding standard deviation each member adds to its share (log2 goes into the session).</summary>
    public abstract double FloodingSigma { get; }

    /// <summary>The c1-only request sent to the decryption set (c0 zeroed: a share depends only on c1 and the summand count).</summary>
    public abstract byte[] EncodeRequest();

    /// <summary>Checks a member's serialized share: well formed, made by <paramref name="party"/> alone, for <paramref name="activeSet"/> and this ciphertext.</summary>
    public abstract bool TryCheckShare(ReadOnlySpan<byte> share, int party, IReadOnlyList<int> activeSet, out string? problem);

    /// <summary>
    /// Sums the decryption set's shares and decrypts: the chunk's values mod 2^b. Throws <see cref="InvalidDataException"/> for
    /// a malformed share, <see cref="ArgumentException"/>/<see cref="InvalidOperationException"/> when shares are missing, repeated or
    /// for another ciphertext, and (CKKS) <see cref="InvalidOperationException"/> when the error bound does not allow exact rounding.
    /// </summary>
    public abstract uint[] Combine(IEnumerable<ReadOnlyMemory<byte>> shares);
}
