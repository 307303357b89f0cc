using SecAgg.Crypto.Ring;
using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// A BFV ciphertext under the collective key, switched down to the wire modulus q' right after
/// encryption: (c0, c1) in coefficient form, plus the number of fresh ciphertexts summed into it. Its
/// noise bound is recomputed from the parameters and that count (never read from the wire):
/// B = count · B_up (see <see cref="MultipartyParameters"/>).
/// </summary>
public sealed class CompactCiphertext
{
    /// <summary>Serialized header: 14-byte multiparty prefix + 4-byte summand count.</summary>
    public const int HeaderBytes = MpWire.PrefixBytes + 4;

    internal CompactCiphertext(MultipartyParameters parameters, Poly c0, Poly c1, int summands)
    {
        Parameters = parameters;
        C0 = c0;
        C1 = c1;
        SummandCount = summands;
    }

    /// <summary>The parameters.</summary>
    public MultipartyParameters Parameters { get; }

    /// <summary>Number of fresh encryptions summed into this ciphertext.</summary>
    public int SummandCount { get; private set; }

    /// <summary>Rigorous ∞-norm bound of the noise (at modulus q').</summary>
    public double NoiseBound => Parameters.SumNoiseBound(SummandCount);

    internal Poly C0 { get; }

    internal Poly C1 { get; }

    /// <summary>ct = a + b (homomorphic sum of the encrypted values).</summary>
    public static CompactCiphertext Add(CompactCiphertext a, CompactCiphertext b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        CompactCiphertext r = new(a.Parameters, a.C0.Clone(), a.C1.Clone(), a.SummandCount);
        r.AddInplace(b);
        return r;
    }

    /// <summary>this += other. Throws when the sum would exceed the parameters' MaxSummands (decryption could fail).</summary>
    public void AddInplace(CompactCiphertext other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!other.Parameters.Digest.Span.SequenceEqual(Parameters.Digest.Span))
        {
            throw new ArgumentException("The ciphertexts were made under different multiparty parameters.", nameof(other));
        }

        long total = (long)SummandCount + other.SummandCount;
        if (total > Parameters.MaxSummands)
        {
            throw new InvalidOperationException($"Adding would make {total} summands; the parameters guarantee correct decryption for at most {Parameters.MaxSummands}.");
        }

        RingQ ring = Parameters.WireRing;
        ring.AddLimbs(C0, other.C0, C0);
        ring.AddLimbs(C1, other.C1, C1);
        SummandCount = (int)total;
    }

    /// <summary>Serialized size: <see cref="MultipartyParameters.CiphertextBytes"/>.</summary>
    public int SerializedBytes => Parameters.CiphertextBytes;

    /// <summary>Writes header, c0, c1 with each limb bit-packed at its prime's width.</summary>
    public byte[] Serialize()
    {
        var buf = new byte[SerializedBytes];
        MpWire.WritePrefix(buf, MpKind.Ciphertext, Parameters);
        MpWire.WriteInt(buf.AsSpan(MpWire.PrefixBytes), SummandCount);
        int poly = Parameters.WirePolyBytes;
        MpWire.WritePoly(buf.AsSpan(HeaderBytes), Parameters.WireRing, C0);
        MpWire.WritePoly(buf.AsSpan(HeaderBytes + poly), Parameters.WireRing, C1);
        return buf;
    }

    /// <summary>Parses and validates (length, magic, version, parameters, count in [1, MaxSummands], every coefficient &lt; its prime).</summary>
    public static CompactCiphertext Deserialize(MultipartyParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.CheckBfv(nameof(parameters));
        MpWire.ReadPrefix(data, MpKind.Ciphertext, parameters, "ciphertext");
        if (data.Length != parameters.CiphertextBytes)
        {
            throw new InvalidDataException($"The ciphertext has {data.Length} bytes; expected {parameters.CiphertextBytes}.");
        }

        int count = MpWire.ReadInt(data[MpWire.PrefixBytes..]);
        if (count < 1 || count > parameters.MaxSummands)
        {
            throw new InvalidDataException($"The ciphertext claims {count} summands; allowed 1..{parameters.MaxSummands}.");
        }

        int poly = parameters.WirePolyBytes;
        Poly c0 = MpWire.ReadPoly(data.Slice(HeaderBytes, poly), parameters.WireRing, parameters.WireLimbCount, "ciphertext");
        Poly c1 = MpWire.ReadPoly(data.Slice(HeaderBytes + poly, poly), parameters.WireRing, parameters.WireLimbCount, "ciphertext");
        return new CompactCiphertext(parameters, c0, c1, count);
    }

    /// <summary>
    /// SHA-256 over the parameters and c1: the identity of this ciphertext for the "one share per
    /// ciphertext" rule (a share depends on c1 only, so any two requests with the same c1 are the same request).
    /// </summary>
    public byte[] ShareDigest()
    {
        int poly = Parameters.WirePolyBytes;
        byte[] buf = new byte[32 + 8 + poly];
        System.Text.Encoding.ASCII.GetBytes("SecAgg.Multiparty.ShareDigest.v1").CopyTo(buf, 0);
        Parameters.Digest.Span[..8].CopyTo(buf.AsSpan(32));
        MpWire.WritePoly(buf.AsSpan(40), Parameters.WireRing, C1);
        return SHA256.HashData(buf);
    }
}
