using System.Security.Cryptography;
using System.Text;

namespace SecAgg.Participant.Client;

/// <summary>
/// The pairwise envelope of a threshold share relayed by the aggregator: ECDH P-256 between sender and recipient,
/// HKDF-SHA256 to an AES-256-GCM key bound to (epoch, sender, recipient), 12-byte synthetic nonce, 16-byte tag.
/// Layout: nonce | ciphertext | tag. The aggregator cannot open it; a blob replayed under other ids fails the tag.
/// The nonce is HMAC-SHA256(K_nonce, plaintext) truncated to 12 bytes, K_nonce the second HKDF block (SIV style): sealing
/// the same share again (a participant restarted mid-relay re-deals the same shares) gives the same bytes, so the
/// aggregator's exactly-once relay accepts the repeat; a different plaintext under the same key gets a different nonce.
/// </summary>
internal static class ShareEnvelope
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    public static byte[] Seal(ECDiffieHellman mine, ReadOnlySpan<byte> peerPublicKey, ulong epoch, string sender, string recipient, ReadOnlySpan<byte> plaintext)
    {
        byte[] keys = DeriveKey(mine, peerPublicKey, epoch, sender, recipient, 64);
        byte[] key = keys[..32];
        try
        {
            byte[] result = new byte[NonceBytes + plaintext.Length + TagBytes];
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(keys.AsSpan(32), plaintext, mac);
            mac[..NonceBytes].CopyTo(result);
            using var gcm = new AesGcm(key, TagBytes);
            gcm.Encrypt(result.AsSpan(0, NonceBytes), plaintext, result.AsSpan(NonceBytes, plaintext.Length), result.AsSpan(NonceBytes + plaintext.Length), Associated(epoch, sender, recipient));
            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public static byte[] Open(ECDiffieHellman mine, ReadOnlySpan<byte> peerPublicKey, ulong epoch, string sender, string recipient, ReadOnlySpan<byte> envelope)
    {
        if (envelope.Length < NonceBytes + TagBytes)
        {
            throw new InvalidDataException($"A threshold-share envelope from '{sender}' is {envelope.Length} bytes, shorter than nonce and tag.");
        }

        byte[] key = DeriveKey(mine, peerPublicKey, epoch, sender, recipient);
        try
        {
            byte[] plaintext = new byte[envelope.Length - NonceBytes - TagBytes];
            using var gcm = new AesGcm(key, TagBytes);
            gcm.Decrypt(envelope[..NonceBytes], envelope.Slice(NonceBytes, plaintext.Length), envelope[^TagBytes..], plaintext, Associated(epoch, sender, recipient));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new InvalidDataException($"The threshold share from '{sender}' failed authentication (tampered, or sealed for someone else).", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static byte[] DeriveKey(ECDiffieHellman mine, ReadOnlySpan<byte> peerPublicKey, ulong epoch, string sender, string recipient, int length = 32)
    {
        using var peer = ECDiffieHellman.Create();
        peer.ImportSubjectPublicKeyInfo(peerPublicKey, out _);
        byte[] secret = mine.DeriveRawSecretAgreement(peer.PublicKey);
        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, length, salt: Encoding.ASCII.GetBytes("secagg/v1/threshold-share"), info: Associated(epoch, sender, recipient));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static byte[] Associated(ulong epoch, string sender, string recipient) => Encoding.UTF8.GetBytes($"epoch={epoch};from={sender};to={recipient}");
}
