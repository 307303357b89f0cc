using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
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
    public static void Read(RingQ ring, ReadOnlySpan<byte> source, int limbCount, bool isNtt, Span<Poly> destinations)
    {
        ArgumentNullException.ThrowIfNull(ring);
        CheckShape(ring, limbCount, destinations);
        if (Decode<Store>(ring, source, limbCount, destinations.Length, destinations, long.MaxValue, out _) is { } problem)
        {
            throw new InvalidEncodingException(problem);
        }

        foreach (Poly poly in destinations)
        {
            poly.IsNtt = isNtt;
        }
    }

    /// <summary>Checks <paramref name="polyCount"/> encoded polynomials of <paramref name="limbCount"/> limbs exactly as
    /// <see cref="Read"/> does (length, every residue below its prime, zero padding) without storing them.</summary>
    /// <exception cref="InvalidEncodingException">Wrong length, a residue ≥ its prime, or non-zero padding.</exception>
    public static void Validate(RingQ ring, ReadOnlySpan<byte> source, int limbCount, int polyCount = 1)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentOutOfRangeException.ThrowIfLessThan(polyCount, 1);
        if (Decode<Discard>(ring, source, limbCount, polyCount, [], long.MaxValue, out _) is { } problem)
        {
            throw new InvalidEncodingException(problem);
        }
    }

    /// <summary>
    /// <paramref name="accumulator"/> += the one encoded polynomial in <paramref name="source"/> (of the accumulator's limb
    /// count), limb-wise mod p_l, decoded straight into the sum: no polynomial is materialised. The encoding is validated
    /// as <see cref="Read"/> does; when it is malformed the residues already added are subtracted again, so the
    /// accumulator is unchanged. The domain flag is the caller's to match (both NTT or both coefficient form).
    /// </summary>
    /// <exception cref="InvalidEncodingException">Wrong length, a residue ≥ its prime, or non-zero padding.</exception>
    public static void ReadAdd(RingQ ring, ReadOnlySpan<byte> source, Poly accumulator)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(accumulator);
        Span<Poly> target = [accumulator];
        CheckShape(ring, accumulator.LimbCount, target);
        if (Decode<AddMod>(ring, source, accumulator.LimbCount, 1, target, long.MaxValue, out long added) is { } problem)
        {
            Decode<SubMod>(ring, source, accumulator.LimbCount, 1, target, added, out _);
            throw new InvalidEncodingException(problem);
        }
    }

    private static void CheckShape(RingQ ring, int limbCount, ReadOnlySpan<Poly> polys)
    {
        foreach (Poly poly in polys)
        {
            if (poly.N != ring.N || poly.LimbCount != limbCount)
            {
                throw new ArgumentException("Destination polynomials must match the ring and limb count.", nameof(polys));
            }
        }
    }

    /// <summary>
    /// The one decoding loop: hands the first <paramref name="limit"/> residues (limb after limb, polynomial after
    /// polynomial) to <typeparamref name="TSink"/> and stops at the first residue ≥ its prime. Returns the problem, or
    /// null when every residue and the padding are valid; <paramref name="handed"/> counts the residues handed over.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? Decode<TSink>(
        RingQ ring, ReadOnlySpan<byte> source, int limbCount, int polyCount, ReadOnlySpan<Poly> polys, long limit, out long handed)
        where TSink : struct, IResidueSink
    {
        handed = 0;
        int size = GetSize(ring, limbCount, polyCount);
        if (source.Length != size)
        {
            return $"Expected {size} bytes of packed coefficients, got {source.Length}.";
        }

        // Residue j of a limb of b bits starts at bit o of the stream: it is bits [o mod 8, o mod 8 + b) of the bytes from
        // o / 8 on, i.e. of one unaligned 8-byte load for b ≤ 56 (plus the next byte above that), with no state carried
        // from one residue to the next but o. The last few residues, whose load would pass the end, read the tail bytes.
        long bit = 0;
        int safeEnd = source.Length - 9; // a residue whose first byte is at most here has its 9 bytes inside the source
        ref byte s0 = ref MemoryMarshal.GetReference(source);
        for (int k = 0; k < polyCount; k++)
        {
            for (int l = 0; l < limbCount; l++)
            {
                int b = ring.Moduli[l].BitLength;
                ulong p = ring.Moduli[l].Value;
                ulong mask = (1UL << b) - 1;
                Span<ulong> row = polys.IsEmpty ? default : polys[k].Limb(l);
                int n = (int)Math.Min(ring.N, limit - handed);
                // j < fast: the residue's bytes lie inside the source
                long room = ((long)safeEnd * 8) - bit;
                int fast = room < 0 ? 0 : (int)Math.Min((room / b) + 1, n);
                int j = 0;
                for (; j < fast; j++, bit += b)
                {
                    int at = (int)(bit >> 3);
                    int shift = (int)(bit & 7);
                    ulong word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s0, at));
                    word = (BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word)) >> shift;
                    // bits 64 − shift .. of the residue come from the next byte ((x << 1) << (63 − shift): no shift by 64)
                    word |= ((ulong)Unsafe.Add(ref s0, at + 8) << 1) << (63 - shift);
                    ulong v = word & mask;
                    if (v >= p)
                    {
                        handed += j;
                        return Refused(j, l, k, v, p);
                    }

                    TSink.Put(row, j, v, p);
                }

                for (; j < n; j++, bit += b)
                {
                    ulong v = ReadTail(source, bit, b) & mask;
                    if (v >= p)
                    {
                        handed += j;
                        return Refused(j, l, k, v, p);
                    }

                    TSink.Put(row, j, v, p);
                }

                handed += n;
                if (handed == limit)
                {
                    return null;
                }
            }
        }

        // The bits of the last byte after the last coefficient are the padding: they must be zero.
        int used = (int)(bit & 7);
        return used != 0 && (source[^1] >> used) != 0 ? "The padding bits after the last coefficient are not zero." : null;
    }

    private static string Refused(int j, int l, int k, ulong v, ulong p) =>
        $"Coefficient {j} of limb {l} of polynomial {k} is {v}, not below its prime {p}.";

    /// <summary>Bits [<paramref name="bit"/>, <paramref name="bit"/> + <paramref name="count"/>) of the stream (bits
    /// past the end read as zero), for the residues near its end.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong ReadTail(ReadOnlySpan<byte> source, long bit, int count)
    {
        int at = (int)(bit >> 3);
        int shift = (int)(bit & 7);
        UInt128 w = 0;
        for (int i = 0; i < 9 && at + i < source.Length; i++)
        {
            w |= (UInt128)source[at + i] << (8 * i);
        }

        return (ulong)(w >> shift) & (count == 64 ? ulong.MaxValue : (1UL << count) - 1);
    }

    /// <summary>What <see cref="Decode{TSink}"/> does with each valid residue v of row[j] (mod p).</summary>
    private interface IResidueSink
    {
        static abstract void Put(Span<ulong> row, int j, ulong v, ulong p);
    }

    private readonly struct Store : IResidueSink
    {
        public static void Put(Span<ulong> row, int j, ulong v, ulong p) => row[j] = v;
    }

    private readonly struct Discard : IResidueSink
    {
        public static void Put(Span<ulong> row, int j, ulong v, ulong p)
        {
        }
    }

    private readonly struct AddMod : IResidueSink
    {
        public static void Put(Span<ulong> row, int j, ulong v, ulong p)
        {
            // both < p < 2^61: s − p is negative as a long exactly when s < p; then add p back (no branch: it is a coin flip)
            ulong d = row[j] + v - p;
            row[j] = d + (p & (ulong)((long)d >> 63));
        }
    }

    private readonly struct SubMod : IResidueSink
    {
        public static void Put(Span<ulong> row, int j, ulong v, ulong p)
        {
            ulong d = row[j] - v; // negative as a long exactly when r < v: then add p
            row[j] = d + (p & (ulong)((long)d >> 63));
        }
    }
}
