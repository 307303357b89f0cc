using SecAgg.Crypto.Serialization;
using SecAgg.Crypto.Ring;
using System.Buffers.Binary;

namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>Kinds of serialized multiparty objects. Kinds 1–8 were protocol v1's (collective key, c1-bound shares) and
/// stay unassigned so that a v1 buffer is refused by kind rather than misread.</summary>
internal enum MpKind : byte
{
    KeyShareSecret = 16,
    DealtKeyShare = 17,
    SeededDealtKeyShare = 18,
    ThresholdKeyShares = 19,
    MaskedUpload = 20,
    SetDecryptionShare = 21,
}

/// <summary>
/// Common framing: "SAMP" | version 1 | kind | 8-byte parameter digest | kind-specific header | bit-packed limbs.
/// Readers check every field and every coefficient against its prime.
/// </summary>
internal static class MpWire
{
    public const int PrefixBytes = 14;
    private const byte Version = 1;

    /// <summary>Writes the prefix with the first 8 bytes of <paramref name="parameterDigest"/>.</summary>
    public static void WritePrefix(Span<byte> dst, MpKind kind, ReadOnlySpan<byte> parameterDigest)
    {
        dst[0] = (byte)'S';
        dst[1] = (byte)'A';
        dst[2] = (byte)'M';
        dst[3] = (byte)'P';
        dst[4] = Version;
        dst[5] = (byte)kind;
        parameterDigest[..8].CopyTo(dst.Slice(6, 8));
    }

    /// <summary>Checks length, magic, version and kind, and that the digest field equals the first 8 bytes of
    /// <paramref name="parameterDigest"/>, naming <paramref name="parametersName"/> when it does not.</summary>
    public static void ReadPrefix(ReadOnlySpan<byte> src, MpKind kind, ReadOnlySpan<byte> parameterDigest, string parametersName, string what)
    {
        ReadPrefix(src, kind, what);
        if (!src.Slice(6, 8).SequenceEqual(parameterDigest[..8]))
        {
            throw new InvalidDataException($"The {what} was made under different {parametersName} (digest mismatch).");
        }
    }

    private static void ReadPrefix(ReadOnlySpan<byte> src, MpKind kind, string what)
    {
        if (src.Length < PrefixBytes)
        {
            throw new InvalidDataException($"The {what} is truncated ({src.Length} bytes).");
        }

        if (src[0] != 'S' || src[1] != 'A' || src[2] != 'M' || src[3] != 'P')
        {
            throw new InvalidDataException($"The {what} does not start with the multiparty magic 'SAMP'.");
        }

        if (src[4] != Version)
        {
            throw new InvalidDataException($"The {what} has format version {src[4]}, expected {Version}.");
        }

        if (src[5] != (byte)kind)
        {
            throw new InvalidDataException($"Expected a {what} (kind {(byte)kind}) but the buffer holds kind {src[5]}.");
        }
    }

    /// <summary>Bytes of one polynomial of <paramref name="limbs"/> limbs: the core's bit-packed
    /// <see cref="PolyCodec"/> size. For a power-of-two n ≥ 8 every limb ends on a byte boundary, so this equals the
    /// per-limb packing of wire version 1.</summary>
    public static int PolyBytes(RingQ ring, int limbs) => PolyCodec.GetSize(ring, limbs);

    /// <summary>Writes <paramref name="poly"/> with the core's <see cref="PolyCodec"/>; returns the bytes written.</summary>
    public static int WritePoly(Span<byte> dst, RingQ ring, Poly poly) => PolyCodec.Write(ring, [poly], dst);

    /// <summary>Reads one polynomial with the core's <see cref="PolyCodec"/> (every residue checked against its prime,
    /// zero padding), reporting problems as <see cref="InvalidDataException"/> naming <paramref name="what"/>.</summary>
    public static Poly ReadPoly(ReadOnlySpan<byte> src, RingQ ring, int limbs, string what)
    {
        var poly = new Poly(ring.N, limbs);
        ReadPoly(src, ring, poly, isNtt: false, what);
        return poly;
    }

    /// <summary>Reads one polynomial of <paramref name="destination"/>'s limb count into it, marked
    /// <paramref name="isNtt"/>; problems as in <see cref="ReadPoly(ReadOnlySpan{byte}, RingQ, int, string)"/>.</summary>
    public static void ReadPoly(ReadOnlySpan<byte> src, RingQ ring, Poly destination, bool isNtt, string what) =>
        Decode(src, ring, destination.LimbCount, what, (bytes, r) => PolyCodec.Read(r, bytes, destination.LimbCount, isNtt, [destination]));

    /// <summary>Checks one polynomial of <paramref name="limbs"/> limbs as <see cref="ReadPoly(ReadOnlySpan{byte}, RingQ, int, string)"/>
    /// does, without storing it.</summary>
    public static void ValidatePoly(ReadOnlySpan<byte> src, RingQ ring, int limbs, string what) =>
        Decode(src, ring, limbs, what, (bytes, r) => PolyCodec.Validate(r, bytes, limbs));

    /// <summary><paramref name="accumulator"/> += one polynomial read from <paramref name="src"/> (checked as
    /// <see cref="ReadPoly(ReadOnlySpan{byte}, RingQ, int, string)"/> does; unchanged when it is malformed).</summary>
    public static void AddPoly(ReadOnlySpan<byte> src, RingQ ring, Poly accumulator, string what) =>
        Decode(src, ring, accumulator.LimbCount, what, (bytes, r) => PolyCodec.ReadAdd(r, bytes, accumulator));

    private static void Decode(ReadOnlySpan<byte> src, RingQ ring, int limbs, string what, SpanDecoder decode)
    {
        int bytes = PolyBytes(ring, limbs);
        if (src.Length < bytes)
        {
            throw new InvalidDataException($"The {what} is truncated: its polynomial needs {bytes} bytes, {src.Length} remain.");
        }

        try
        {
            decode(src[..bytes], ring);
        }
        catch (InvalidEncodingException e)
        {
            throw new InvalidDataException($"The {what} is malformed: {e.Message} (a residue ≥ its prime or non-zero padding).", e);
        }
    }

    private delegate void SpanDecoder(ReadOnlySpan<byte> bytes, RingQ ring);

    public static void WriteInt(Span<byte> dst, int v) => BinaryPrimitives.WriteInt32LittleEndian(dst, v);

    public static void WriteULong(Span<byte> dst, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(dst, v);

    public static ulong ReadULong(ReadOnlySpan<byte> src) => BinaryPrimitives.ReadUInt64LittleEndian(src);

    public static int ReadInt(ReadOnlySpan<byte> src) => BinaryPrimitives.ReadInt32LittleEndian(src);

    /// <summary>Writes a sorted set of party ids as a 64-bit-per-word bitmap of N bits (ceil(N/8) bytes).</summary>
    public static void WriteSet(Span<byte> dst, IReadOnlyList<int> ids, int parties)
    {
        dst[..SetBytes(parties)].Clear();
        foreach (int id in ids)
        {
            dst[(id - 1) >> 3] |= (byte)(1 << ((id - 1) & 7));
        }
    }

    public static int SetBytes(int parties) => (parties + 7) / 8;

    public static int[] ReadSet(ReadOnlySpan<byte> src, int parties, string what)
    {
        var ids = new List<int>();
        for (int i = 0; i < SetBytes(parties) * 8; i++)
        {
            if ((src[i >> 3] & (1 << (i & 7))) != 0)
            {
                if (i >= parties)
                {
                    throw new InvalidDataException($"The {what} names party {i + 1} but there are only {parties}.");
                }

                ids.Add(i + 1);
            }
        }

        return ids.ToArray();
    }
}
