using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// A (possibly aggregated) decryption share Σ_{j∈C} (c1·s_j + e_flood,j) at the wire modulus, for one
/// ciphertext (identified by its share digest) and one fixed decryption set; C ⊆ set are the
/// contributors so far.
/// </summary>
public sealed class DecryptionShare
{
    internal const int DigestBytes = 16;

    internal DecryptionShare(MultipartyParameters parameters, Poly value, int[] activeSet, int[] contributors, byte[] ciphertextDigest)
    {
        Parameters = parameters;
        Value = value;
        ActiveSetIds = activeSet;
        ContributorIds = contributors;
        CiphertextDigest = ciphertextDigest;
    }

    /// <summary>The parameters.</summary>
    public MultipartyParameters Parameters { get; }

    /// <summary>The fixed decryption set.</summary>
    public IReadOnlyList<int> ActiveSet => ActiveSetIds;

    /// <summary>Members whose shares are summed in here.</summary>
    public IReadOnlyList<int> Contributors => ContributorIds;

    internal int[] ActiveSetIds { get; set; }

    internal int[] ContributorIds { get; set; }

    /// <summary>The digest of the ciphertext this share answers (what the one-share-per-ciphertext ledger is keyed by).</summary>
    public byte[] CiphertextDigest { get; internal set; }

    internal Poly Value { get; }

    /// <summary>Serialized size in bytes.</summary>
    public int SerializedBytes => HeaderSize(Parameters) + Parameters.WirePolyBytes;

    private static int HeaderSize(MultipartyParameters p) => MpWire.PrefixBytes + DigestBytes + 2 * MpWire.SetBytes(p.Parties);

    /// <summary>Writes prefix, 16-byte ciphertext digest, set bitmap, contributor bitmap, bit-packed limbs.</summary>
    public byte[] Serialize()
    {
        var buf = new byte[SerializedBytes];
        int setBytes = MpWire.SetBytes(Parameters.Parties);
        MpWire.WritePrefix(buf, MpKind.DecryptionShare, Parameters);
        CiphertextDigest.CopyTo(buf.AsSpan(MpWire.PrefixBytes));
        MpWire.WriteSet(buf.AsSpan(MpWire.PrefixBytes + DigestBytes), ActiveSetIds, Parameters.Parties);
        MpWire.WriteSet(buf.AsSpan(MpWire.PrefixBytes + DigestBytes + setBytes), ContributorIds, Parameters.Parties);
        MpWire.WritePoly(buf.AsSpan(HeaderSize(Parameters)), Parameters.WireRing, Value);
        return buf;
    }

    /// <summary>Parses and validates a share (length, prefix, sets, contributors ⊆ set, coefficients &lt; primes).</summary>
    public static DecryptionShare Deserialize(MultipartyParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        MpWire.ReadPrefix(data, MpKind.DecryptionShare, parameters, "decryption share");
        int setBytes = MpWire.SetBytes(parameters.Parties);
        int expected = HeaderSize(parameters) + parameters.WirePolyBytes;
        if (data.Length != expected)
        {
            throw new InvalidDataException($"The decryption share has {data.Length} bytes; expected {expected}.");
        }

        byte[] digest = data.Slice(MpWire.PrefixBytes, DigestBytes).ToArray();
        int[] set = MpWire.ReadSet(data.Slice(MpWire.PrefixBytes + DigestBytes, setBytes), parameters.Parties, "decryption share");
        int[] contributors = MpWire.ReadSet(data.Slice(MpWire.PrefixBytes + DigestBytes + setBytes, setBytes), parameters.Parties, "decryption share");
        if (set.Length < parameters.Threshold)
        {
            throw new InvalidDataException($"The decryption share's set has {set.Length} members; the threshold is {parameters.Threshold}.");
        }

        if (contributors.Length == 0 || contributors.Except(set).Any())
        {
            throw new InvalidDataException("The decryption share's contributors are empty or not within its decryption set.");
        }

        Poly value = MpWire.ReadPoly(data[HeaderSize(parameters)..], parameters.WireRing, parameters.WireLimbCount, "decryption share");
        return new DecryptionShare(parameters, value, set, contributors, digest);
    }
}
