using System.Security.Cryptography;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Internal;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Epoch;

/// <summary>
/// Seals and opens a dealer → recipient blob (a Shamir share f_i(j)) relayed by the aggregator, with the key-agreement
/// keys of the VERIFIED <see cref="EpochCommit"/>s only (made by <see cref="EpochSeedBeacon.CreateEnvelope"/>):
/// <code>
/// context = "secagg/v2/share-envelope" ‖ consortium digest (32) ‖ epoch (u64 LE) ‖ dealer id (str) ‖ recipient id (str)
/// K_enc ‖ K_nonce = HKDF-SHA256(IKM = ECDH-P256(ka_dealer, ka_recipient) x-coordinate,
///                               salt = "secagg/v2/share-envelope/salt", info = context, 64 bytes)
/// nonce = HMAC-SHA256(K_nonce, plaintext)[0..12)
/// envelope = nonce (12) ‖ AES-256-GCM(K_enc, nonce, plaintext, AAD = context) ‖ tag (16)
/// </code>
/// (str = u16 LE length ‖ UTF-8.) The nonce is synthetic (SIV style), not a counter and not random: the key is fixed per
/// (consortium, epoch, dealer, recipient) but a dealer may seal more than one blob under it (a restarted dealer re-deals), and
/// a deterministic fixed nonce would then repeat with different plaintexts and break GCM. With the synthetic nonce, different
/// plaintexts get different nonces (collision 2^−96 per pair), an identical blob sealed again gives identical bytes (so an
/// exactly-once relay accepts the repeat), and the only leak is that two identical plaintexts are identical.
/// A blob for another recipient, from another dealer, for another epoch or consortium fails the tag; the error names the dealer.
/// </summary>
public sealed class KeyAgreementEnvelope : IDisposable
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static readonly byte[] Salt = "secagg/v2/share-envelope/salt"u8.ToArray();
    private static readonly byte[] Domain = "secagg/v2/share-envelope"u8.ToArray();

    private readonly ConsortiumDescriptor _descriptor;
    private readonly ECDiffieHellman _own;
    private readonly byte[][] _peerKeys;
    private readonly Lock _gate = new();

    /// <summary>Binds an own key-agreement private key (taken over) to the verified commits (roster order, all N).</summary>
    internal KeyAgreementEnvelope(ConsortiumDescriptor descriptor, ulong epoch, string participantId, ECDiffieHellman ownKey, IReadOnlyList<EpochCommit> verifiedCommits)
    {
        _descriptor = descriptor;
        Epoch = epoch;
        ParticipantId = participantId;
        _own = ownKey;
        _peerKeys = [.. verifiedCommits.Select(c => c.KeyAgreementPublicKey.ToArray())];
    }

    /// <summary>This participant (the dealer when sealing, the recipient when opening).</summary>
    public string ParticipantId { get; }

    /// <summary>The key epoch the keys belong to.</summary>
    public ulong Epoch { get; }

    /// <summary>Seals <paramref name="plaintext"/> from this participant to <paramref name="recipientId"/>.</summary>
    /// <exception cref="ArgumentException">The recipient is not in the roster.</exception>
    public byte[] Seal(string recipientId, ReadOnlySpan<byte> plaintext)
    {
        byte[] context = Context(ParticipantId, recipientId);
        byte[] keys = DeriveKeys(KeyOf(recipientId, nameof(recipientId)), context);
        try
        {
            byte[] result = new byte[NonceBytes + plaintext.Length + TagBytes];
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(keys.AsSpan(32, 32), plaintext, mac);
            mac[..NonceBytes].CopyTo(result);
            using var gcm = new AesGcm(keys.AsSpan(0, 32), TagBytes);
            gcm.Encrypt(result.AsSpan(0, NonceBytes), plaintext, result.AsSpan(NonceBytes, plaintext.Length), result.AsSpan(NonceBytes + plaintext.Length), context);
            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
        }
    }

    /// <summary>Opens a blob that <paramref name="dealerId"/> sealed to this participant.</summary>
    /// <exception cref="KeyEpochException">It does not open (for another recipient, from another dealer, another epoch or consortium, or altered); names the dealer.</exception>
    /// <exception cref="ArgumentException">The dealer is not in the roster.</exception>
    public byte[] Open(string dealerId, ReadOnlySpan<byte> envelope)
    {
        byte[] peer = KeyOf(dealerId, nameof(dealerId));
        if (envelope.Length < NonceBytes + TagBytes)
        {
            throw new KeyEpochException(dealerId, $"The share envelope from dealer '{dealerId}' has {envelope.Length} bytes, fewer than its nonce and tag ({NonceBytes + TagBytes}).");
        }

        byte[] context = Context(dealerId, ParticipantId);
        byte[] keys = DeriveKeys(peer, context);
        byte[] plaintext = new byte[envelope.Length - NonceBytes - TagBytes];
        try
        {
            using var gcm = new AesGcm(keys.AsSpan(0, 32), TagBytes);
            gcm.Decrypt(envelope[..NonceBytes], envelope.Slice(NonceBytes, plaintext.Length), envelope[^TagBytes..], plaintext, context);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new KeyEpochException(dealerId,
                $"The share envelope from dealer '{dealerId}' to '{ParticipantId}' in epoch {Epoch} does not open: it was sealed for another recipient, by another dealer, " +
                "for another epoch or consortium, or altered in transit. The dealing of that dealer is refused.", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _own.Dispose();

    private byte[] KeyOf(string participantId, string parameter) => _peerKeys[_descriptor.RequireParticipant(participantId, parameter)];

    private byte[] Context(string dealer, string recipient)
    {
        var w = new ByteWriter(128);
        w.Bytes(Domain);
        w.Bytes(_descriptor.Digest.Span);
        w.U64(Epoch);
        w.String(dealer);
        w.String(recipient);
        return w.ToArray();
    }

    private byte[] DeriveKeys(byte[] peerSpki, byte[] context)
    {
        using var peer = ECDiffieHellman.Create();
        peer.ImportSubjectPublicKeyInfo(peerSpki, out _);
        byte[] secret;
        lock (_gate)
        {
            secret = _own.DeriveRawSecretAgreement(peer.PublicKey);
        }

        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 64, Salt, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
