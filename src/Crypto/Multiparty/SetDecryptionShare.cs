using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// A protocol-v2 decryption share h_j = a_{r,k}·(λ_j·Σ_{i∈U} f_i(j)) + NTT(F_j) of one chunk of one
/// <see cref="SetDecryptionSession"/>, or the sum of several members' shares (<see cref="Contributors"/>), in NTT form.
/// <para>Wire: "SAMP" | version 1 | kind 21 | 8-byte parameter digest | session digest (32) | chunk (int32 LE) |
/// contributor bitmap (⌈N/8⌉ bytes) | value with each limb bit-packed at its prime's width.</para>
/// </summary>
public sealed class SetDecryptionShare
{
    private const string What = "set decryption share";
    private const int DigestBytes = 32;

    internal SetDecryptionShare(AggregationParameters parameters, Poly value, byte[] sessionDigest, int chunk, int[] contributors)
    {
        Parameters = parameters;
        Value = value;
        SessionDigestBytes = sessionDigest;
        Chunk = chunk;
        ContributorIds = contributors;
    }

    /// <summary>The parameters.</summary>
    public AggregationParameters Parameters { get; }

    /// <summary>The session's digest (all zero while nothing is aggregated).</summary>
    public ReadOnlyMemory<byte> SessionDigest => SessionDigestBytes;

    /// <summary>The chunk k.</summary>
    public int Chunk { get; internal set; }

    /// <summary>Members whose shares are summed in here (sorted; empty for a fresh allocation).</summary>
    public IReadOnlyList<int> Contributors => ContributorIds;

    /// <summary>Bytes of <see cref="Serialize()"/>'s output.</summary>
    public int SerializedBytes => Parameters.ShareBytes;

    internal byte[] SessionDigestBytes { get; set; }

    internal int[] ContributorIds { get; set; }

    internal Poly Value { get; }

    internal static int HeaderSize(AggregationParameters p) => MpWire.PrefixBytes + DigestBytes + 4 + MpWire.SetBytes(p.Parties);

    /// <summary>Writes the share.</summary>
    public byte[] Serialize()
    {
        var buf = new byte[SerializedBytes];
        Serialize(buf);
        return buf;
    }

    /// <summary>Writes the share into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="InvalidOperationException">Nothing was generated or aggregated into it.</exception>
    public int Serialize(Span<byte> destination)
    {
        if (ContributorIds.Length == 0)
        {
            throw new InvalidOperationException("The decryption share is empty: generate or aggregate into it first.");
        }

        if (destination.Length < SerializedBytes)
        {
            throw new ArgumentException($"The destination needs {SerializedBytes} bytes, has {destination.Length}.", nameof(destination));
        }

        int pos = MpWire.PrefixBytes;
        MpWire.WritePrefix(destination, MpKind.SetDecryptionShare, Parameters.Digest.Span);
        SessionDigestBytes.CopyTo(destination[pos..]);
        pos += DigestBytes;
        MpWire.WriteInt(destination[pos..], Chunk);
        pos += 4;
        MpWire.WriteSet(destination[pos..], ContributorIds, Parameters.Parties);
        pos += MpWire.SetBytes(Parameters.Parties);
        return pos + MpWire.WritePoly(destination[pos..], Parameters.Ring, Value);
    }

    /// <summary>Parses and validates a share: length, prefix, chunk ≥ 0, a non-empty contributor set within 1..N,
    /// every residue below its prime, zero padding.</summary>
    /// <exception cref="InvalidDataException">Any check fails; the message names it.</exception>
    public static SetDecryptionShare Deserialize(AggregationParameters parameters, ReadOnlySpan<byte> data)
    {
        SetDecryptionShareHeader header = ReadHeader(parameters, data);
        Poly value = parameters.Ring.NewPoly();
        MpWire.ReadPoly(data[HeaderSize(parameters)..], parameters.Ring, value, isNtt: true, What);
        return new SetDecryptionShare(parameters, value, header.SessionDigest.ToArray(), header.Chunk, [.. header.Contributors]);
    }

    /// <summary>Checks a share exactly as <see cref="Deserialize"/> does without materialising its value; returns its header.</summary>
    /// <exception cref="InvalidDataException">Any check fails; the message names it.</exception>
    public static SetDecryptionShareHeader Validate(AggregationParameters parameters, ReadOnlySpan<byte> data)
    {
        SetDecryptionShareHeader header = ReadHeader(parameters, data);
        MpWire.ValidatePoly(data[HeaderSize(parameters)..], parameters.Ring, parameters.Ring.MaxLimbCount, What);
        return header;
    }

    /// <summary>Reads and checks a share's framing only (length, prefix, chunk ≥ 0, a non-empty contributor set within
    /// 1..N); its residues are checked by <see cref="Validate"/>, <see cref="Deserialize"/> or when it is aggregated.</summary>
    /// <exception cref="InvalidDataException">A check fails; the message names it.</exception>
    public static SetDecryptionShareHeader ReadHeader(AggregationParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        MpWire.ReadPrefix(data, MpKind.SetDecryptionShare, parameters.Digest.Span, "aggregation parameters", What);
        if (data.Length != parameters.ShareBytes)
        {
            throw new InvalidDataException($"The {What} has {data.Length} bytes; expected {parameters.ShareBytes}.");
        }

        int pos = MpWire.PrefixBytes;
        byte[] digest = data.Slice(pos, DigestBytes).ToArray();
        pos += DigestBytes;
        int chunk = MpWire.ReadInt(data[pos..]);
        if (chunk < 0)
        {
            throw new InvalidDataException($"The {What} names chunk {chunk}.");
        }

        pos += 4;
        int[] contributors = MpWire.ReadSet(data[pos..], parameters.Parties, What);
        if (contributors.Length == 0)
        {
            throw new InvalidDataException($"The {What} names no contributor.");
        }

        return new SetDecryptionShareHeader(digest, chunk, contributors);
    }

    /// <summary>this += the serialized share <paramref name="data"/> (residues checked while they are added; unchanged
    /// when malformed). The caller has checked <paramref name="header"/> against this share.</summary>
    internal void AddValue(ReadOnlySpan<byte> data, SetDecryptionShareHeader header)
    {
        MpWire.AddPoly(data[HeaderSize(Parameters)..], Parameters.Ring, Value, What);
        SessionDigestBytes = header.SessionDigest.ToArray();
        Chunk = header.Chunk;
        ContributorIds = [.. ContributorIds.Concat(header.Contributors).Order()];
    }
}
