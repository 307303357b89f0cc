using SecAgg.Crypto.Multiparty;

namespace SecAgg.Protocol;

/// <summary>
/// The decryption phase's wire forms, shared by both sides. A request carries the aggregate's c1 as a
/// serialized <see cref="CompactCiphertext"/> whose c0 is all zero ("c1-only"): a share
/// h_i = c1·s_i' + e_flood depends only on c1 and the summand count (for the flooding σ), so the member
/// computes exactly the share it would for the full aggregate, and the one-share-per-ciphertext
/// digest (<see cref="CompactCiphertext.ShareDigest"/>, over c1 only) is the same.
/// </summary>
public static class DecryptionCodec
{
    /// <summary>The c1-only serialization of <paramref name="aggregate"/> (c0 zeroed).</summary>
    public static byte[] EncodeRequest(CompactCiphertext aggregate)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        byte[] bytes = aggregate.Serialize();
        bytes.AsSpan(CompactCiphertext.HeaderBytes, aggregate.Parameters.WirePolyBytes).Clear();
        return bytes;
    }

    /// <summary>Parses a c1-only request; throws <see cref="InvalidDataException"/> when it is malformed or carries a non-zero c0.</summary>
    public static CompactCiphertext DecodeRequest(MultipartyParameters parameters, ReadOnlySpan<byte> c1Only)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CompactCiphertext ct = CompactCiphertext.Deserialize(parameters, c1Only);
        if (c1Only.Slice(CompactCiphertext.HeaderBytes, parameters.WirePolyBytes).ContainsAnyExcept((byte)0))
        {
            throw new InvalidDataException("A decryption request must carry c1 only (its c0 part must be zero).");
        }

        return ct;
    }

    /// <summary>SHA-256 identity of the ciphertext for the one-share-per-ciphertext ledger (over c1 and the parameters).</summary>
    public static byte[] CiphertextDigest(CompactCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        return ciphertext.ShareDigest();
    }

    /// <summary>
    /// Aggregator side: checks and sums the members' serialized shares for one chunk and decrypts
    /// c0 + Σ h_i, returning the slot sums mod 2^b. Throws <see cref="InvalidDataException"/> for a
    /// malformed share and <see cref="ArgumentException"/>/<see cref="InvalidOperationException"/> when
    /// shares belong to another ciphertext or set, repeat a member, or miss one.
    /// </summary>
    public static uint[] Combine(CompactCiphertext aggregate, IEnumerable<ReadOnlyMemory<byte>> shares)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        ArgumentNullException.ThrowIfNull(shares);
        var protocol = new DecryptionShareProtocol(aggregate.Parameters);
        DecryptionShare sum = protocol.AllocateShare();
        foreach (ReadOnlyMemory<byte> bytes in shares)
        {
            DecryptionShare share = DecryptionShare.Deserialize(aggregate.Parameters, bytes.Span);
            protocol.AggregateShares(sum, share, sum);
        }

        return protocol.FinalizeWrapped(aggregate, sum);
    }
}
