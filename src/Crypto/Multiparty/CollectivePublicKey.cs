using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>The collective public key pk = (p0, p1) = (Σ_i (−a·s_i + e_i), a) = (−a·s + e, a), s = Σ s_i.</summary>
public sealed class CollectivePublicKey
{
    internal CollectivePublicKey(MultipartyParameters parameters, Poly p0, Poly p1)
    {
        Parameters = parameters;
        P0 = p0;
        P1 = p1;
    }

    /// <summary>The parameters.</summary>
    public MultipartyParameters Parameters { get; }

    internal Poly P0 { get; }

    internal Poly P1 { get; }

    /// <summary>Serializes p0 and p1 (prefix, then both polynomials bit-packed).</summary>
    public byte[] Serialize()
    {
        int poly = MpWire.PolyBytes(Parameters.KeyRing, Parameters.Primes.Count);
        var buf = new byte[MpWire.PrefixBytes + 2 * poly];
        MpWire.WritePrefix(buf, MpKind.CollectivePublicKey, Parameters);
        MpWire.WritePoly(buf.AsSpan(MpWire.PrefixBytes), Parameters.KeyRing, P0);
        MpWire.WritePoly(buf.AsSpan(MpWire.PrefixBytes + poly), Parameters.KeyRing, P1);
        return buf;
    }

    /// <summary>Parses and validates a collective public key.</summary>
    public static CollectivePublicKey Deserialize(MultipartyParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        MpWire.ReadPrefix(data, MpKind.CollectivePublicKey, parameters, "collective public key");
        int poly = MpWire.PolyBytes(parameters.KeyRing, parameters.Primes.Count);
        if (data.Length != MpWire.PrefixBytes + 2 * poly)
        {
            throw new InvalidDataException($"The collective public key has {data.Length} bytes; expected {MpWire.PrefixBytes + 2 * poly}.");
        }

        Poly p0 = MpWire.ReadPoly(data.Slice(MpWire.PrefixBytes, poly), parameters.KeyRing, parameters.Primes.Count, "collective public key");
        Poly p1 = MpWire.ReadPoly(data.Slice(MpWire.PrefixBytes + poly, poly), parameters.KeyRing, parameters.Primes.Count, "collective public key");
        return new CollectivePublicKey(parameters, p0, p1);
    }
}
