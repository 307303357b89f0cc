using System.Buffers.Binary;
using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Serialization;

/// <summary>
/// Strictly validated wire format of CKKS ciphertexts: a 56-byte header — magic "SACK", version 1, limb count,
/// polynomial count 2, flags 0, parameter id (u64 LE), scale, noise bound, message bound, encoding error bound
/// (IEEE doubles LE), summand count (i32 LE), 4 zero bytes — then the two components bit-packed by
/// <see cref="PolyCodec"/> at each prime's width: 56 + 2·n·Σ_{i&lt;ℓ} bits(p_i)/8 bytes. Reading rejects (with
/// <see cref="InvalidEncodingException"/>) a wrong magic/version/parameter id/limb count/length, flags or reserved
/// bytes, a scale that is not finite and ≥ 1, a negative or non-finite bound, a summand count below 1, a residue
/// ≥ its prime and non-zero padding. The bounds are the sender's claims; a receiver that must not trust them checks
/// <see cref="CkksCiphertext.SummandCount"/> against what it expects.
/// </summary>
public static class CkksSerializer
{
    /// <summary>Header size in bytes.</summary>
    public const int HeaderSize = 56;
    private const byte Version = 1;
    private static ReadOnlySpan<byte> Magic => "SACK"u8;

    /// <summary>Serialized size of <paramref name="ciphertext"/>.</summary>
    public static int GetSize(CkksCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        return HeaderSize + PolyCodec.GetSize(ciphertext.Parameters.Ring, ciphertext.LimbCount, 2);
    }

    /// <summary>Writes <paramref name="ciphertext"/>; returns the bytes written.</summary>
    public static int Write(CkksCiphertext ciphertext, Span<byte> destination)
    {
        int size = GetSize(ciphertext);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The destination needs {size} bytes, has {destination.Length}.", nameof(destination));
        }

        destination[..HeaderSize].Clear();
        Magic.CopyTo(destination);
        destination[4] = Version;
        destination[5] = (byte)ciphertext.LimbCount;
        destination[6] = 2;
        destination[7] = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], ciphertext.Parameters.ParameterId);
        BinaryPrimitives.WriteDoubleLittleEndian(destination[16..], ciphertext.Scale);
        BinaryPrimitives.WriteDoubleLittleEndian(destination[24..], ciphertext.NoiseBound);
        BinaryPrimitives.WriteDoubleLittleEndian(destination[32..], ciphertext.MessageBound);
        BinaryPrimitives.WriteDoubleLittleEndian(destination[40..], ciphertext.EncodingErrorBound);
        BinaryPrimitives.WriteInt32LittleEndian(destination[48..], ciphertext.SummandCount);
        return HeaderSize + PolyCodec.Write(ciphertext.Parameters.Ring, new[] { ciphertext.C0, ciphertext.C1 }, destination[HeaderSize..]);
    }

    /// <summary>Allocating form of <see cref="Write"/>.</summary>
    public static byte[] Serialize(CkksCiphertext ciphertext)
    {
        var buffer = new byte[GetSize(ciphertext)];
        Write(ciphertext, buffer);
        return buffer;
    }

    /// <summary>Reads a ciphertext for <paramref name="parameters"/> from exactly <paramref name="source"/>.</summary>
    /// <exception cref="InvalidEncodingException">The bytes are not a valid ciphertext for these parameters.</exception>
    public static CkksCiphertext ReadCiphertext(CkksParameters parameters, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (source.Length < HeaderSize)
        {
            throw new InvalidEncodingException($"A CKKS ciphertext needs at least {HeaderSize} bytes, got {source.Length}.");
        }

        int limbs = ReadHeader(parameters, source);
        var ct = new CkksCiphertext(parameters, parameters.Ring.NewPoly(limbs), parameters.Ring.NewPoly(limbs), 1);
        ReadInto(parameters, source, ct);
        return ct;
    }

    /// <summary>Reads into <paramref name="destination"/> (no allocation; its limb count must match).</summary>
    /// <exception cref="InvalidEncodingException">The bytes are not a valid ciphertext for these parameters.</exception>
    public static void ReadCiphertext(CkksParameters parameters, ReadOnlySpan<byte> source, CkksCiphertext destination)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(destination);
        parameters.CheckSame(destination.Parameters, nameof(destination));
        if (source.Length < HeaderSize)
        {
            throw new InvalidEncodingException($"A CKKS ciphertext needs at least {HeaderSize} bytes, got {source.Length}.");
        }

        int limbs = ReadHeader(parameters, source);
        if (limbs != destination.LimbCount)
        {
            throw new InvalidEncodingException($"The ciphertext has {limbs} limbs, the destination {destination.LimbCount}.");
        }

        ReadInto(parameters, source, destination);
    }

    private static void ReadInto(CkksParameters parameters, ReadOnlySpan<byte> source, CkksCiphertext ct)
    {
        PolyCodec.Read(parameters.Ring, source[HeaderSize..], ct.LimbCount, false, new[] { ct.C0, ct.C1 });
        ct.Scale = BinaryPrimitives.ReadDoubleLittleEndian(source[16..]);
        ct.NoiseBound = BinaryPrimitives.ReadDoubleLittleEndian(source[24..]);
        ct.MessageBound = BinaryPrimitives.ReadDoubleLittleEndian(source[32..]);
        ct.EncodingErrorBound = BinaryPrimitives.ReadDoubleLittleEndian(source[40..]);
        ct.SummandCount = BinaryPrimitives.ReadInt32LittleEndian(source[48..]);
    }

    private static int ReadHeader(CkksParameters parameters, ReadOnlySpan<byte> source)
    {
        if (!source[..4].SequenceEqual(Magic))
        {
            throw new InvalidEncodingException("Not a CKKS ciphertext (magic 'SACK' missing).");
        }

        if (source[4] != Version)
        {
            throw new InvalidEncodingException($"Unsupported CKKS ciphertext version {source[4]} (expected {Version}).");
        }

        int limbs = source[5];
        if (limbs < 1 || limbs > parameters.MaxLimbCount)
        {
            throw new InvalidEncodingException($"The limb count {limbs} is outside [1, {parameters.MaxLimbCount}].");
        }

        if (source[6] != 2 || source[7] != 0 || BinaryPrimitives.ReadInt32LittleEndian(source[52..]) != 0)
        {
            throw new InvalidEncodingException("Bad polynomial count, flags or reserved bytes in the CKKS ciphertext header.");
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(source[8..]) != parameters.ParameterId)
        {
            throw new InvalidEncodingException("The ciphertext was made under other CKKS parameters (parameter id mismatch).");
        }

        double scale = BinaryPrimitives.ReadDoubleLittleEndian(source[16..]);
        if (!(scale >= 1) || double.IsInfinity(scale))
        {
            throw new InvalidEncodingException($"Invalid scale {scale} (must be finite and ≥ 1).");
        }

        for (int offset = 24; offset <= 40; offset += 8)
        {
            double b = BinaryPrimitives.ReadDoubleLittleEndian(source[offset..]);
            if (!(b >= 0) || double.IsInfinity(b))
            {
                throw new InvalidEncodingException($"Invalid bound {b} at header offset {offset} (must be finite and ≥ 0).");
            }
        }

        if (BinaryPrimitives.ReadInt32LittleEndian(source[48..]) < 1)
        {
            throw new InvalidEncodingException("The summand count must be at least 1.");
        }

        int expected = HeaderSize + PolyCodec.GetSize(parameters.Ring, limbs, 2);
        if (source.Length != expected)
        {
            throw new InvalidEncodingException($"A {limbs}-limb CKKS ciphertext has {expected} bytes, got {source.Length}.");
        }

        return limbs;
    }
}
