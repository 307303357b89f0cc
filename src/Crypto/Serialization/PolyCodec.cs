using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Serialization;

/// <summary>
/// Bit-packed encoding of RNS polynomials: limb after limb, each residue of limb l written little-endian in exactly
/// bits(p_l) bits, as one continuous little-endian bit stream over all polynomials given; the final byte is padded
/// with zero bits. Reading rejects residues ≥ p_l and non-zero padding.
/// </summary>
public static class PolyCodec
{
    /// <summary>Bytes needed for <paramref name="polyCount"/> polynomials of <paramref name="limbCount"/> limbs.</summary>
    public static int GetSize(RingQ ring, int limbCount, int polyCount = 1)
    {
        ArgumentNullException.ThrowIfNull(ring);
        if (limbCount < 1 || limbCount > ring.MaxLimbCount)
        {
            throw new ArgumentOutOfRangeException(nameof(limbCount), limbCount, $"Must be in [1, {ring.MaxLimbCount}].");
        }

        long bits = 0;
        for (int l = 0; l < limbCount; l++)
        {
            bits += ring.Moduli[l].BitLength;
        }

        return checked((int)(((bits * ring.N * polyCount) + 7) / 8));
    }

    /// <summary>Writes the polynomials (all with the same limb count) into <paramref name="destination"/>; returns
    /// the bytes written (<see cref="GetSize"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Write(RingQ ring, ReadOnlySpan<Poly> polys, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(ring);
        if (polys.Length == 0)
        {
            throw new ArgumentException("Nothing to write.", nameof(polys));
        }

        int limbs = polys[0].LimbCount;
        int size = GetSize(ring, limbs, polys.Length);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The destination needs {size} bytes, has {destination.Length}.", nameof(destination));
        }

        int pos = 0;
        ulong acc = 0;
        int used = 0;
        foreach (Poly poly in polys)
        {
            if (poly.N != ring.N || poly.LimbCount != limbs)
            {
                throw new ArgumentException("All polynomials must have the ring's degree and the same limb count.", nameof(polys));
            }

            for (int l = 0; l < limbs; l++)
            {
                int b = ring.Moduli[l].BitLength;
                foreach (ulong v in poly.Limb(l))
                {
                    acc |= v << used;
                    used += b;
                    if (used >= 64)
                    {
                        BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(pos, 8), acc);
                        pos += 8;
                        used -= 64;
                        acc = used == 0 ? 0 : v >> (b - used);
                    }
                }
            }
        }

        for (; used > 0; used -= 8)
        {
            destination[pos++] = (byte)acc;
            acc >>= 8;
        }

        return pos;
    }

    /// <summary>Reads <paramref name="destinations"/>.Length polynomials of <paramref name="limbCount"/> limbs from
    /// exactly <see cref="GetSize"/> bytes, validating every residue; marks them with <paramref name="isNtt"/>.</summary>
    /// <exception cref="InvalidEncodingException">Wrong length, a residue ≥ its prime, or non-zero padding.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Read(RingQ ring, ReadOnlySpan<byte> source, int limbCount, bool isNtt, Span<Poly> destinations)
    {
        ArgumentNullException.ThrowIfNull(ring);
        int size = GetSize(ring, limbCount, destinations.Length);
        if (source.Length != size)
        {
            throw new InvalidEncodingException($"Expected {size} bytes of packed coefficients, got {source.Length}.");
        }

        int pos = 0;
        ulong acc = 0;
        int avail = 0;
        for (int k = 0; k < destinations.Length; k++)
        {
            Poly poly = destinations[k];
            if (poly.N != ring.N || poly.LimbCount != limbCount)
            {
                throw new ArgumentException("Destination polynomials must match the ring and limb count.", nameof(destinations));
            }

            for (int l = 0; l < limbCount; l++)
            {
                int b = ring.Moduli[l].BitLength;
                ulong p = ring.Moduli[l].Value;
                ulong mask = (1UL << b) - 1;
                Span<ulong> row = poly.Limb(l);
                for (int j = 0; j < row.Length; j++)
                {
                    ulong v;
                    if (avail >= b)
                    {
                        v = acc & mask;
                        acc >>= b;
                        avail -= b;
                    }
                    else
                    {
                        ulong next = ReadWord(source, ref pos);
                        v = (acc | (next << avail)) & mask;
                        int fromNext = b - avail;
                        acc = next >> fromNext; // fromNext ≤ 61
                        avail = 64 - fromNext;
                    }

                    if (v >= p)
                    {
                        throw new InvalidEncodingException(
                            $"Coefficient {j} of limb {l} of polynomial {k} is {v}, not below its prime {p}.");
                    }

                    row[j] = v;
                }
            }

            poly.IsNtt = isNtt;
        }

        // The bits left in the last word read are the padding (or zero fill past the end): they must be zero.
        if (acc != 0)
        {
            throw new InvalidEncodingException("The padding bits after the last coefficient are not zero.");
        }
    }

    private static ulong ReadWord(ReadOnlySpan<byte> source, ref int pos)
    {
        ulong w;
        if (pos + 8 <= source.Length)
        {
            w = BinaryPrimitives.ReadUInt64LittleEndian(source.Slice(pos, 8));
        }
        else
        {
            w = 0;
            for (int i = 0; pos + i < source.Length; i++)
            {
                w |= (ulong)source[pos + i] << (8 * i);
            }
        }

        pos += 8;
        return w;
    }
}
