using SecAgg.Crypto.Multiparty;

namespace SecAgg.Protocol.Internal;

/// <summary>The aggregator's check of one member's serialized decryption share, the same for every scheme.</summary>
internal static class DecryptionShareCheck
{
    /// <summary>
    /// Whether <paramref name="share"/> parses under <paramref name="parameters"/> and is <paramref name="party"/>'s alone,
    /// for <paramref name="activeSet"/> and the ciphertext whose share digest is <paramref name="ciphertextDigest"/>.
    /// </summary>
    public static bool TryCheck(MultipartyParameters parameters, ReadOnlySpan<byte> ciphertextDigest, ReadOnlySpan<byte> share, int party, IReadOnlyList<int> activeSet, out string? problem)
    {
        DecryptionShare s;
        try
        {
            s = DecryptionShare.Deserialize(parameters, share);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            problem = $"malformed: {e.Message}";
            return false;
        }

        if (s.Contributors.Count != 1 || s.Contributors[0] != party || !s.ActiveSet.SequenceEqual(activeSet)
            || s.CiphertextDigest.Length > ciphertextDigest.Length
            || !s.CiphertextDigest.AsSpan().SequenceEqual(ciphertextDigest[..s.CiphertextDigest.Length]))
        {
            problem = $"it must be party {party}'s alone, for the set [{string.Join(", ", activeSet)}] and this chunk's ciphertext";
            return false;
        }

        problem = null;
        return true;
    }
}
