using System.Diagnostics.CodeAnalysis;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// Durable record of the decryption shares a party has released: ciphertext share digest (32 bytes,
/// <see cref="CompactCiphertext.ShareDigest"/>) → the exact share bytes. Backs the rule "never two
/// shares for one ciphertext" (repeated flooding of the same c1 leaks the key: eprint 2024/194,
/// 2025/409, 2026/031).
/// </summary>
public interface IShareLedger
{
    /// <summary>Returns the recorded share for <paramref name="digest"/>, if any.</summary>
    bool TryGet(ReadOnlySpan<byte> digest, [NotNullWhen(true)] out byte[]? shareBytes);

    /// <summary>
    /// Records the share durably before returning. Must throw <see cref="ShareAlreadyIssuedException"/>
    /// if a different share is already recorded for the digest.
    /// </summary>
    void Record(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> shareBytes);
}
