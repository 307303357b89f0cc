using System.Buffers.Binary;
using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Serialization;

/// <summary>
/// Compact, strictly validated wire format of BFV ciphertexts and public keys. A 32-byte header
/// (magic "SACT"/"SAPK", version 1, limb count, polynomial count 2, flags 0, parameter id (u64 LE), two bounds as
/// IEEE doubles LE: ciphertext noise bound and secret-norm bound; public-key secret-norm and error bounds) followed by
/// <see cref="PolyCodec"/>'s bit-packed components. A ciphertext of ℓ limbs takes 32 + 2·n·Σ_{i&lt;ℓ} bits(p_i)/8 bytes.
/// Reading rejects (with <see cref="InvalidEncodingException"/>) wrong magic/version, another parameter id, a bad limb
/// count or length, a residue ≥ its prime, non-zero padding, and non-finite or negative bounds. Bounds read from the
/// wire are the sender's claims: a receiver that must not trust them recomputes them
/// (<see cref="Ciphertext.SetNoiseBounds"/>).
/// </summary>
public static class BfvSerializer
{
    /// <summary>Header size in bytes.</summary>
    public const int HeaderSize = 32;
    private const byte Version = 1;
    private static ReadOnlySpan<byte> CiphertextMagic => "SACT"u8;
    private static ReadOnlySpan<byte> PublicKeyMagic => "SAPK"u8;

    /// <summary>Serialized size of <paramref name="ciphertext"/>.</summary>
    public static int GetSize(Ciphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        return HeaderSize + PolyCodec.GetSize(ciphertext.Context.Ring, ciphertext.LimbCount, 2);
    }

    /// <summary>Serialized size of <paramref name="publicKey"/>.</summary>
    public static int GetSize(PublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        return HeaderSize + PolyCodec.GetSize(publicKey.Context.Ring, publicKey.Context.MaxLimbCount, 2);
    }

    /// <summary>Writes <paramref name="ciphertext"/>; returns the bytes written.</summary>
    public static int Write(Ciphertext ciphertext, Span<byte> destination)
    {
        int size = GetSize(ciphertext);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The destination needs {size} bytes, has {destination.Length}.", nameof(destination));
        }

        WriteHeader(destination, CiphertextMagic, ciphertext.LimbCount, ciphertext.ParameterId, ciphertext.NoiseBound, ciphertext.SecretNormBound);
        return HeaderSize + PolyCodec.Write(ciphertext.Context.Ring, new[] { ciphertext.C0, ciphertext.C1 }, destination[HeaderSize..]);
    }

    /// <summary>Allocating form of <see cref="Write(Ciphertext, Span{byte})"/>.</summary>
    public static byte[] Serialize(Ciphertext ciphertext)
    {
        var buffer = new byte[GetSize(ciphertext)];
        Write(ciphertext, buffer);
        return buffer;
    }

    /// <summary>Reads a ciphertext for <paramref name="context"/> from exactly <paramref name="source"/>.</summary>
    /// <exception cref="InvalidEncodingException">The bytes are not a valid ciphertext for these parameters.</exception>
    public static Ciphertext ReadCiphertext(BfvContext context, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(context);
        (int limbs, double b1, double b2) = ReadHeader(context, source, CiphertextMagic, "ciphertext", requireAllLimbs: false);
        var c0 = new Poly(context.N, limbs);
        var c1 = new Poly(context.N, limbs);
        PolyCodec.Read(context.Ring, source[HeaderSize..], limbs, false, new[] { c0, c1 });
        return new Ciphertext(context, c0, c1, b1, b2);
    }

    /// <summary>Reads a ciphertext into <paramref name="destination"/> (no allocation: for receivers that add many
    /// ciphertexts). The serialized limb count must equal the destination's; on failure the destination's content is
    /// unspecified.</summary>
    /// <exception cref="InvalidEncodingException">The bytes are not a valid ciphertext for these parameters.</exception>
    public static void ReadCiphertext(BfvContext context, ReadOnlySpan<byte> source, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.ParameterId != context.ParameterId)
        {
            throw new ArgumentException("The destination ciphertext belongs to other parameters.", nameof(destination));
        }

        (int limbs, double b1, double b2) = ReadHeader(context, source, CiphertextMagic, "ciphertext", requireAllLimbs: false);
        if (limbs != destination.LimbCount)
        {
            throw new InvalidEncodingException($"The ciphertext has {limbs} limbs, the destination {destination.LimbCount}.");
        }

        PolyCodec.Read(context.Ring, source[HeaderSize..], limbs, false, new[] { destination.C0, destination.C1 });
        destination.SetNoiseBounds(b1, b2);
    }

    /// <summary>Writes <paramref name="publicKey"/>; returns the bytes written.</summary>
    public static int Write(PublicKey publicKey, Span<byte> destination)
    {
        int size = GetSize(publicKey);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The destination needs {size} bytes, has {destination.Length}.", nameof(destination));
        }

        WriteHeader(destination, PublicKeyMagic, publicKey.Context.MaxLimbCount, publicKey.Context.ParameterId, publicKey.SecretNormBound, publicKey.ErrorNormBound);
        return HeaderSize + PolyCodec.Write(publicKey.Context.Ring, new[] { publicKey.P0, publicKey.P1 }, destination[HeaderSize..]);
    }

    /// <summary>Allocating form of <see cref="Write(PublicKey, Span{byte})"/>.</summary>
    public static byte[] Serialize(PublicKey publicKey)
    {
        var buffer = new byte[GetSize(publicKey)];
        Write(publicKey, buffer);
        return buffer;
    }

    /// <summary>Reads a public key for <paramref name="context"/> from exactly <paramref name="source"/>.</summary>
    /// <exception cref="InvalidEncodingException">The bytes are not a valid public key for these parameters.</exception>
    public static PublicKey ReadPublicKey(BfvContext context, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(context);
        (int limbs, double b1, double b2) = ReadHeader(context, source, PublicKeyMagic, "public key", requireAllLimbs: true);
        var p0 = new Poly(context.N, limbs);
        var p1 = new Poly(context.N, limbs);
        PolyCodec.Read(context.Ring, source[HeaderSize..], limbs, true, new[] { p0, p1 });
        return new PublicKey(context, p0, p1, b1, b2);
    }

    private static void WriteHeader(Span<byte> d, ReadOnlySpan<byte> magic, int limbs, ulong parameterId, double b1, double b2)
    {
        magic.CopyTo(d);
        d[4] = Version;
        d[5] = (byte)limbs;
        d[6] = 2;
        d[7] = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(d[8..], parameterId);
        BinaryPrimitives.WriteDoubleLittleEndian(d[16..], b1);
        BinaryPrimitives.WriteDoubleLittleEndian(d[24..], b2);
    }

    private static (int Limbs, double B1, double B2) ReadHeader(
        BfvContext context, ReadOnlySpan<byte> s, ReadOnlySpan<byte> magic, string what, bool requireAllLimbs)
    {
        if (s.Length < HeaderSize)
        {
            throw new InvalidEncodingException($"A serialized {what} needs at least {HeaderSize} bytes, got {s.Length}.");
        }

        if (!s[..4].SequenceEqual(magic))
        {
            throw new InvalidEncodingException($"Not a serialized {what} (bad magic).");
        }

        if (s[4] != Version)
        {
            throw new InvalidEncodingException($"Unsupported {what} format version {s[4]} (expected {Version}).");
        }

        int limbs = s[5];
        if (limbs < 1 || limbs > context.MaxLimbCount || (requireAllLimbs && limbs != context.MaxLimbCount))
        {
            throw new InvalidEncodingException($"The {what} has {limbs} limbs; these parameters allow {(requireAllLimbs ? "exactly" : "1 to")} {context.MaxLimbCount}.");
        }

        if (s[6] != 2 || s[7] != 0)
        {
            throw new InvalidEncodingException($"The {what} header has an unsupported size or flags.");
        }

        ulong id = BinaryPrimitives.ReadUInt64LittleEndian(s[8..]);
        if (id != context.ParameterId)
        {
            throw new InvalidEncodingException($"The {what} was made for other parameters (id {id:x16}, expected {context.ParameterId:x16}).");
        }

        double b1 = BinaryPrimitives.ReadDoubleLittleEndian(s[16..]);
        double b2 = BinaryPrimitives.ReadDoubleLittleEndian(s[24..]);
        if (!double.IsFinite(b1) || b1 < 0 || !double.IsFinite(b2) || b2 < 0)
        {
            throw new InvalidEncodingException($"The {what} carries an invalid bound.");
        }

        int expected = HeaderSize + PolyCodec.GetSize(context.Ring, limbs, 2);
        if (s.Length != expected)
        {
            throw new InvalidEncodingException($"A {what} with {limbs} limbs takes {expected} bytes, got {s.Length} (truncated or padded).");
        }

        return (limbs, b1, b2);
    }
}
