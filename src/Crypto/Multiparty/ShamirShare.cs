using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// The share f_i(x_j) that dealer i sends (encrypted, over a pairwise channel) to recipient j, where
/// f_i is dealer i's random degree-(threshold−1) polynomial per coefficient and limb with f_i(0) = s_i.
/// Secret: zero it with <see cref="Dispose"/>.
/// </summary>
public sealed class ShamirShare : IDisposable
{
    internal ShamirShare(MultipartyParameters parameters, int dealer, int recipient, Poly value)
    {
        Parameters = parameters;
        DealerId = dealer;
        RecipientId = recipient;
        Value = value;
    }

    /// <summary>The parameters.</summary>
    public MultipartyParameters Parameters { get; }

    /// <summary>Dealer party id.</summary>
    public int DealerId { get; }

    /// <summary>Recipient party id (the evaluation point).</summary>
    public int RecipientId { get; }

    internal Poly Value { get; }

    /// <summary>Serializes: prefix, dealer, recipient, bit-packed key-level limbs.</summary>
    public byte[] Serialize() => ShareCodec.Write(Parameters, MpKind.ShamirShare, DealerId, RecipientId, Value);

    /// <summary>Parses and validates a share.</summary>
    public static ShamirShare Deserialize(MultipartyParameters parameters, ReadOnlySpan<byte> data)
    {
        (int dealer, int recipient, Poly value) = ShareCodec.Read(parameters, MpKind.ShamirShare, data, "Shamir share");
        return new ShamirShare(parameters, dealer, recipient, value);
    }

    /// <summary>Zeroes the share.</summary>
    public void Dispose() => Value.Clear();
}

/// <summary>
/// Party j's threshold secret s'_j = Σ_i f_i(x_j): a Shamir share of s = Σ s_i at point j.
/// Secret: keep it like the party secret (file mode 0600) and zero it with <see cref="Dispose"/>.
/// </summary>
public sealed class ThresholdSecretShare : IDisposable
{
    internal ThresholdSecretShare(MultipartyParameters parameters, int partyId, Poly value)
    {
        Parameters = parameters;
        PartyId = partyId;
        Value = value;
    }

    /// <summary>The parameters.</summary>
    public MultipartyParameters Parameters { get; }

    /// <summary>The owner's party id.</summary>
    public int PartyId { get; }

    internal Poly Value { get; }

    /// <summary>Serializes: prefix, owner id (twice), bit-packed key-level limbs.</summary>
    public byte[] Serialize() => ShareCodec.Write(Parameters, MpKind.ThresholdSecretShare, PartyId, PartyId, Value);

    /// <summary>Parses and validates a threshold secret share.</summary>
    public static ThresholdSecretShare Deserialize(MultipartyParameters parameters, ReadOnlySpan<byte> data)
    {
        (int a, int b, Poly value) = ShareCodec.Read(parameters, MpKind.ThresholdSecretShare, data, "threshold secret share");
        if (a != b)
        {
            throw new InvalidDataException("The threshold secret share's owner fields disagree.");
        }

        return new ThresholdSecretShare(parameters, a, value);
    }

    /// <summary>Zeroes the share.</summary>
    public void Dispose() => Value.Clear();
}

internal static class ShareCodec
{
    public static byte[] Write(MultipartyParameters p, MpKind kind, int a, int b, Poly value)
    {
        var buf = new byte[MpWire.PrefixBytes + 8 + MpWire.PolyBytes(p.KeyRing, p.Primes.Count)];
        MpWire.WritePrefix(buf, kind, p);
        MpWire.WriteInt(buf.AsSpan(MpWire.PrefixBytes), a);
        MpWire.WriteInt(buf.AsSpan(MpWire.PrefixBytes + 4), b);
        MpWire.WritePoly(buf.AsSpan(MpWire.PrefixBytes + 8), p.KeyRing, value);
        return buf;
    }

    public static (int, int, Poly) Read(MultipartyParameters p, MpKind kind, ReadOnlySpan<byte> data, string what)
    {
        ArgumentNullException.ThrowIfNull(p);
        MpWire.ReadPrefix(data, kind, p, what);
        int expected = MpWire.PrefixBytes + 8 + MpWire.PolyBytes(p.KeyRing, p.Primes.Count);
        if (data.Length != expected)
        {
            throw new InvalidDataException($"The {what} has {data.Length} bytes; expected {expected}.");
        }

        int a = MpWire.ReadInt(data[MpWire.PrefixBytes..]);
        int b = MpWire.ReadInt(data[(MpWire.PrefixBytes + 4)..]);
        if (a < 1 || a > p.Parties || b < 1 || b > p.Parties)
        {
            throw new InvalidDataException($"The {what} names a party outside 1..{p.Parties}.");
        }

        return (a, b, MpWire.ReadPoly(data[(MpWire.PrefixBytes + 8)..], p.KeyRing, p.Primes.Count, what));
    }
}
