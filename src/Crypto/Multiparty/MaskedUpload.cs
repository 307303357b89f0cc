using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// A protocol-v2 masked upload c0_i = −a_{r,k}·s_i + e_i + Encode(M_i) (<see cref="MaskedEncryptor"/>), or the sum of
/// several (<see cref="SummandCount"/> of them), in NTT form mod q. Only c0 exists: the "c1" would be a_{r,k}, which
/// everybody derives. The aggregator folds uploads with <see cref="AddInplace(MaskedUpload)"/> or straight from their
/// bytes with <see cref="AddInplace(ReadOnlySpan{byte})"/>.
/// <para>Wire: "SAMP" | version 1 | kind 20 | 8-byte parameter digest | summand count (int32 LE) | c0 with each limb
/// bit-packed at its prime's width (<see cref="AggregationParameters.UploadBytes"/> bytes in all).</para>
/// </summary>
public sealed class MaskedUpload
{
    /// <summary>Header bytes: 14-byte prefix and the summand count.</summary>
    public const int HeaderBytes = MpWire.PrefixBytes + 4;

    private const string What = "masked upload";

    internal MaskedUpload(AggregationParameters parameters, Poly c0, int summands)
    {
        Parameters = parameters;
        C0 = c0;
        SummandCount = summands;
    }

    /// <summary>The parameters.</summary>
    public AggregationParameters Parameters { get; }

    /// <summary>How many uploads are summed in here (1 for one upload).</summary>
    public int SummandCount { get; private set; }

    /// <summary>Bytes of <see cref="Serialize()"/>'s output.</summary>
    public int SerializedBytes => Parameters.UploadBytes;

    internal Poly C0 { get; }

    /// <summary>A zero sum of no uploads, to fold uploads into.</summary>
    public static MaskedUpload CreateEmptySum(AggregationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Poly c0 = parameters.Ring.NewPoly();
        c0.IsNtt = true;
        return new MaskedUpload(parameters, c0, 0);
    }

    /// <summary>a + b as a new sum.</summary>
    public static MaskedUpload Add(MaskedUpload a, MaskedUpload b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var r = new MaskedUpload(a.Parameters, a.C0.Clone(), a.SummandCount);
        r.AddInplace(b);
        return r;
    }

    /// <summary>this += other (per-limb modular addition, vectorized).</summary>
    /// <exception cref="ArgumentException">Other parameters.</exception>
    /// <exception cref="InvalidOperationException">The sum would exceed MaxSummands.</exception>
    public void AddInplace(MaskedUpload other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Parameters.CheckSame(other.Parameters, nameof(other));
        int total = CheckedTotal(other.SummandCount);
        Parameters.Ring.Add(C0, other.C0, C0);
        SummandCount = total;
    }

    /// <summary>this += the serialized upload (or sum) <paramref name="data"/>, validated exactly as
    /// <see cref="Deserialize"/> does, decoded straight into c0 (<see cref="Serialization.PolyCodec.ReadAdd"/>: no
    /// polynomial is allocated). When the bytes are malformed this is left unchanged.</summary>
    /// <exception cref="InvalidDataException">The bytes are malformed.</exception>
    /// <exception cref="InvalidOperationException">The sum would exceed MaxSummands.</exception>
    public void AddInplace(ReadOnlySpan<byte> data)
    {
        int count = ReadHeader(Parameters, data);
        int total = CheckedTotal(count);
        MpWire.AddPoly(data[HeaderBytes..], Parameters.Ring, C0, What);
        SummandCount = total;
    }

    /// <summary>Checks a serialized upload or sum exactly as <see cref="Deserialize"/> does, without materialising it;
    /// returns its summand count.</summary>
    /// <exception cref="InvalidDataException">Any check fails; the message names it.</exception>
    public static int Validate(AggregationParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int count = ReadHeader(parameters, data);
        MpWire.ValidatePoly(data[HeaderBytes..], parameters.Ring, parameters.Ring.MaxLimbCount, What);
        return count;
    }

    /// <summary>Marks this as one fresh upload (after the encryptor overwrote c0).</summary>
    internal void ResetToOneUpload() => SummandCount = 1;

    private int CheckedTotal(int added)
    {
        long total = (long)SummandCount + added;
        if (total > Parameters.MaxSummands)
        {
            throw new InvalidOperationException($"Adding would make {total} summands; the parameters decrypt sums of at most {Parameters.MaxSummands}.");
        }

        return (int)total;
    }

    /// <summary>Writes header and c0.</summary>
    public byte[] Serialize()
    {
        var buf = new byte[SerializedBytes];
        Serialize(buf);
        return buf;
    }

    /// <summary>Writes header and c0 into <paramref name="destination"/>; returns the bytes written.</summary>
    public int Serialize(Span<byte> destination)
    {
        if (destination.Length < SerializedBytes)
        {
            throw new ArgumentException($"The destination needs {SerializedBytes} bytes, has {destination.Length}.", nameof(destination));
        }

        MpWire.WritePrefix(destination, MpKind.MaskedUpload, Parameters.Digest.Span);
        MpWire.WriteInt(destination[MpWire.PrefixBytes..], SummandCount);
        return HeaderBytes + MpWire.WritePoly(destination[HeaderBytes..], Parameters.Ring, C0);
    }

    /// <summary>Parses and validates an upload or sum: length, magic, version, kind, parameter digest, summand count in
    /// [1, MaxSummands], every residue below its prime, zero padding.</summary>
    /// <exception cref="InvalidDataException">Any check fails; the message names it.</exception>
    public static MaskedUpload Deserialize(AggregationParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int count = ReadHeader(parameters, data);
        Poly c0 = parameters.Ring.NewPoly();
        MpWire.ReadPoly(data[HeaderBytes..], parameters.Ring, c0, isNtt: true, What);
        return new MaskedUpload(parameters, c0, count);
    }

    private static int ReadHeader(AggregationParameters parameters, ReadOnlySpan<byte> data)
    {
        MpWire.ReadPrefix(data, MpKind.MaskedUpload, parameters.Digest.Span, "aggregation parameters", What);
        if (data.Length != parameters.UploadBytes)
        {
            throw new InvalidDataException($"The {What} has {data.Length} bytes; expected {parameters.UploadBytes}.");
        }

        int count = MpWire.ReadInt(data[MpWire.PrefixBytes..]);
        if (count < 1 || count > parameters.MaxSummands)
        {
            throw new InvalidDataException($"The {What} claims {count} summands; allowed 1..{parameters.MaxSummands}.");
        }

        return count;
    }
}
