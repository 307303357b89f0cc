using System.Runtime.CompilerServices;

namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>Packs words of a fixed bit width (1..62) densely, little-endian bit order.</summary>
internal static class BitPacker
{
    public static int PackedBytes(int count, int width) => (int)(((long)count * width + 7) / 8);

    /// <summary>Writes <paramref name="values"/> (each &lt; 2^width) into <paramref name="dst"/>; returns bytes written.</summary>
    public static int Pack(ReadOnlySpan<ulong> values, int width, Span<byte> dst)
    {
        int bytes = PackedBytes(values.Length, width);
        if (dst.Length < bytes)
        {
            throw new ArgumentException("Destination too small for the packed data.", nameof(dst));
        }

        UInt128 acc = 0;
        int bits = 0, pos = 0;
        foreach (ulong v in values)
        {
            acc |= (UInt128)v << bits;
            bits += width;
            if (bits >= 64)
            {
                // at least 64 bits consumed so far, so these 8 bytes lie inside the packed range
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(dst.Slice(pos, 8), (ulong)acc);
                pos += 8;
                acc >>= 64;
                bits -= 64;
            }
        }

        while (bits > 0)
        {
            dst[pos++] = (byte)acc;
            acc >>= 8;
            bits -= 8;
        }

        return bytes;
    }

    /// <summary>Reads <paramref name="values"/>.Length words; returns false if the padding bits are not zero.</summary>
    public static bool Unpack(ReadOnlySpan<byte> src, int width, Span<ulong> values)
    {
        int bytes = PackedBytes(values.Length, width);
        if (src.Length < bytes)
        {
            throw new ArgumentException("Source too short for the packed data.", nameof(src));
        }

        src = src[..bytes];
        ulong mask = (1UL << width) - 1;
        UInt128 acc = 0;
        int bits = 0, pos = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (bits < width && pos + 8 <= src.Length)
            {
                acc |= (UInt128)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(src.Slice(pos, 8)) << bits;
                pos += 8;
                bits += 64;
            }

            while (bits < width)
            {
                acc |= (UInt128)src[pos++] << bits;
                bits += 8;
            }

            values[i] = (ulong)acc & mask;
            acc >>= width;
            bits -= width;
        }

        while (pos < src.Length)
        {
            acc |= (UInt128)src[pos++] << bits;
            bits += 8;
        }

        return acc == 0;
    }

    /// <summary>Packs ternary coefficients (−1, 0, 1) as 2-bit codes c + 1 (the secret-key file format).</summary>
    public static void PackTernary(ReadOnlySpan<long> coefficients, Span<byte> dst)
    {
        var codes = new ulong[coefficients.Length];
        for (int j = 0; j < codes.Length; j++)
        {
            codes[j] = (ulong)(coefficients[j] + 1);
        }

        Pack(codes, 2, dst);
        Array.Clear(codes);
    }

    /// <summary>Reads what <see cref="PackTernary"/> wrote into <paramref name="coefficients"/>; returns null, or what is
    /// wrong (non-zero padding, a code that is not 0, 1 or 2), in which case the output is wiped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? UnpackTernary(ReadOnlySpan<byte> src, Span<long> coefficients)
    {
        var codes = new ulong[coefficients.Length];
        try
        {
            if (!Unpack(src, 2, codes))
            {
                return "non-zero padding bits";
            }

            for (int j = 0; j < codes.Length; j++)
            {
                if (codes[j] > 2)
                {
                    coefficients.Clear();
                    return $"an invalid ternary code at coefficient {j}";
                }

                coefficients[j] = (long)codes[j] - 1;
            }

            return null;
        }
        finally
        {
            Array.Clear(codes);
        }
    }
}
