using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// A (possibly aggregated) collective public key share Σ_{i∈S} (−a·s_i + e_i) in NTT form at the key
/// level, with the set S of contributing parties.
/// </summary>
public sealed class PublicKeyShare
{
    internal PublicKeyShare(MultipartyParameters parameters, Poly value, int[] contributors)
    {
        Parameters = parameters;
        Value = value;
        ContributorIds = contributors;
    }

    /// <summary>The parameters.</summary>
    public MultipartyParameters Parameters { get; }

    /// <summary>Party ids whose shares are summed in here (sorted).</summary>
    public IReadOnlyList<int> Contributors => ContributorIds;

    internal int[] ContributorIds { get; set; }

    internal Poly Value { get; }

    /// <summary>Serialized size in bytes.</summary>
    public int SerializedBytes => MpWire.PrefixBytes + MpWire.SetBytes(Parameters.Parties) + MpWire.PolyBytes(Parameters.KeyRing, Parameters.Primes.Count);

    /// <summary>Serializes: prefix, contributor bitmap, bit-packed limbs.</summary>
    public byte[] Serialize()
    {
        var buf = new byte[SerializedBytes];
        MpWire.WritePrefix(buf, MpKind.PublicKeyShare, Parameters);
        MpWire.WriteSet(buf.AsSpan(MpWire.PrefixBytes), ContributorIds, Parameters.Parties);
        MpWire.WritePoly(buf.AsSpan(MpWire.PrefixBytes + MpWire.SetBytes(Parameters.Parties)), Parameters.KeyRing, Value);
        return buf;
    }

    /// <summary>Parses and validates a share (length, magic, parameters, contributors, every coefficient &lt; its prime).</summary>
    public static PublicKeyShare Deserialize(MultipartyParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        MpWire.ReadPrefix(data, MpKind.PublicKeyShare, parameters, "public key share");
        int setBytes = MpWire.SetBytes(parameters.Parties);
        int expected = MpWire.PrefixBytes + setBytes + MpWire.PolyBytes(parameters.KeyRing, parameters.Primes.Count);
        if (data.Length != expected)
        {
            throw new InvalidDataException($"The public key share has {data.Length} bytes; expected {expected}.");
        }

        int[] ids = MpWire.ReadSet(data.Slice(MpWire.PrefixBytes, setBytes), parameters.Parties, "public key share");
        if (ids.Length == 0)
        {
            throw new InvalidDataException("The public key share names no contributing party.");
        }

        Poly value = MpWire.ReadPoly(data[(MpWire.PrefixBytes + setBytes)..], parameters.KeyRing, parameters.Primes.Count, "public key share");
        return new PublicKeyShare(parameters, value, ids);
    }
}
