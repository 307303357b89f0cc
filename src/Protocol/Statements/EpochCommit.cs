using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Statements;

/// <summary>
/// Key epoch step 1 (kind 1): body = SHA-256(r_i) (32) ‖ the fresh key-agreement public key ka_i as P-256
/// SubjectPublicKeyInfo DER of the uncompressed point (91 bytes, canonical). Shamir dealings are sealed only to keys
/// taken from verified commits, so a key the aggregator substitutes fails the signature of the participant it claims.
/// </summary>
public sealed class EpochCommit : Statement
{
    /// <summary>Bytes of the key-agreement public key field (P-256 SPKI DER, uncompressed point).</summary>
    public const int KeyAgreementKeyBytes = P256Keys.SpkiBytes;

    private readonly byte[] _seedCommitment;
    private readonly byte[] _keyAgreementKey;

    /// <summary>Creates the statement.</summary>
    /// <param name="consortiumDigest">The consortium digest.</param>
    /// <param name="epoch">The key epoch.</param>
    /// <param name="participantId">The committing participant.</param>
    /// <param name="seedCommitment">SHA-256(r_i), 32 bytes.</param>
    /// <param name="keyAgreementPublicKey">ka_i as canonical P-256 SPKI DER (91 bytes).</param>
    public EpochCommit(ReadOnlySpan<byte> consortiumDigest, ulong epoch, string participantId, ReadOnlySpan<byte> seedCommitment, ReadOnlySpan<byte> keyAgreementPublicKey)
        : this(consortiumDigest, epoch, participantId, seedCommitment, keyAgreementPublicKey, keyChecked: false)
    {
    }

    private EpochCommit(ReadOnlySpan<byte> consortiumDigest, ulong epoch, string participantId, ReadOnlySpan<byte> seedCommitment, ReadOnlySpan<byte> keyAgreementPublicKey, bool keyChecked)
        : base(consortiumDigest, epoch, participantId)
    {
        if (seedCommitment.Length != DigestBytes)
        {
            throw new ArgumentException($"A seed commitment is a {DigestBytes}-byte SHA-256, not {seedCommitment.Length} bytes.", nameof(seedCommitment));
        }

        if (!keyChecked && !P256Keys.IsCanonicalSpki(keyAgreementPublicKey))
        {
            throw new ArgumentException($"The key-agreement public key must be the {KeyAgreementKeyBytes}-byte SubjectPublicKeyInfo DER of a P-256 point.", nameof(keyAgreementPublicKey));
        }

        _seedCommitment = seedCommitment.ToArray();
        _keyAgreementKey = keyAgreementPublicKey.ToArray();
    }

    /// <inheritdoc/>
    public override StatementKind Kind => StatementKind.EpochCommit;

    /// <summary>SHA-256(r_i).</summary>
    public ReadOnlyMemory<byte> SeedCommitment => _seedCommitment;

    /// <summary>ka_i: the participant's key-agreement public key for this epoch (P-256 SPKI DER).</summary>
    public ReadOnlyMemory<byte> KeyAgreementPublicKey => _keyAgreementKey;

    /// <summary>Reads an <see cref="EpochCommit"/> strictly.</summary>
    /// <exception cref="InvalidDataException">Not a canonical EpochCommit statement.</exception>
    public static new EpochCommit Parse(ReadOnlySpan<byte> statement) => Parse<EpochCommit>(statement);

    internal static EpochCommit ReadBody(ref ByteReader r, ReadOnlySpan<byte> digest, ulong epoch, string id)
    {
        ReadOnlySpan<byte> commitment = r.Bytes(DigestBytes, "seed commitment");
        ReadOnlySpan<byte> key = r.Bytes(KeyAgreementKeyBytes, "key-agreement public key");
        if (!P256Keys.IsCanonicalSpki(key))
        {
            throw r.Fail("the key-agreement public key is not the SubjectPublicKeyInfo DER of a P-256 point");
        }

        return new(digest, epoch, id, commitment, key, keyChecked: true);
    }

    private protected override void WriteBody(ByteWriter writer)
    {
        writer.Bytes(_seedCommitment);
        writer.Bytes(_keyAgreementKey);
    }
}
