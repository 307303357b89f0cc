using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Quantize.Internal;

/// <summary>
/// Randomized rounding x̃_i = ⌊x_i⌋ + [u_i &lt; (x_i − ⌊x_i⌋)·2^32] with u_i a uniform 32-bit word
/// (so E[x̃_i] = x_i up to 2^−32), and the exact check ‖x̃‖₂² ≤ T. Vector256 path and scalar path
/// consume the random words in the same order and give identical output (tested).
/// </summary>
internal static class RandomizedRounding
{
    /// <summary>Test switch: false forces the scalar path.</summary>
    internal static bool UseVectors = true;

    private const int Batch = 512;

    /// <summary>Rounds <paramref name="w"/> into <paramref name="dest"/>; returns whether ‖dest‖₂² ≤ <paramref name="threshold"/> (exactly).</summary>
    public static bool RoundWithin(ReadOnlySpan<double> w, Span<long> dest, Prng random, long threshold)
    {
        double approx = Round(w, dest, random);
        // Double sum of n exact-or-rounded squares: relative error below n*2^-52 < 2^-20 for n < 2^31.
        if (approx < threshold * (1 - 1e-5))
        {
            return true;
        }

        if (approx > threshold * (1 + 1e-5))
        {
            return false;
        }

        return ExactSumOfSquares(dest) <= threshold;
    }

    internal static Int128 ExactSumOfSquares(ReadOnlySpan<long> x)
    {
        Int128 sum = 0;
        foreach (long v in x)
        {
            sum += (Int128)v * v;
        }

        return sum;
    }

    /// <summary>Rounds and returns the sum of squares computed in double (approximate).</summary>
    internal static double Round(ReadOnlySpan<double> w, Span<long> dest, Prng random)
    {
        Span<uint> words = stackalloc uint[Batch];
        Span<byte> bytes = MemoryMarshal.AsBytes(words);
        double total = 0;
        for (int start = 0; start < w.Length; start += Batch)
        {
            int n = Math.Min(Batch, w.Length - start);
            random.Fill(bytes[..(n * 4)]);
            total += UseVectors && Vector256.IsHardwareAccelerated
                ? RoundVector(w.Slice(start, n), dest.Slice(start, n), words)
                : RoundScalar(w.Slice(start, n), dest.Slice(start, n), words);
        }

        return total;
    }

    /// <summary>
    /// Makes the rounding decisions <see cref="Round"/> would make, from the same random words in the same order, and
    /// keeps only them: bit i of <paramref name="bits"/> (least significant first) is x̃_i − ⌊w_i⌋. Returns Σ x̃_i² in
    /// double (approximate, like <see cref="Round"/>). <paramref name="w"/>.Length is a multiple of 8 and
    /// <paramref name="bits"/> holds w.Length / 8 bytes, which are overwritten. With <see cref="ApplyBits"/> on the same
    /// w this gives <see cref="Round"/>'s integers with 1 bit per coordinate kept instead of 64.
    /// </summary>
    internal static double RoundToBits(ReadOnlySpan<double> w, Span<byte> bits, Prng random)
    {
        if ((w.Length & 7) != 0 || bits.Length != w.Length / 8)
        {
            throw new ArgumentException($"RoundToBits needs a length divisible by 8 and length/8 bytes of bits; got {w.Length} values and {bits.Length} bytes.");
        }

        Span<uint> words = stackalloc uint[Batch];
        Span<byte> bytes = MemoryMarshal.AsBytes(words);
        double total = 0;
        for (int start = 0; start < w.Length; start += Batch)
        {
            int n = Math.Min(Batch, w.Length - start);
            random.Fill(bytes[..(n * 4)]);
            total += UseVectors && Vector256.IsHardwareAccelerated
                ? RoundToBitsVector(w.Slice(start, n), bits.Slice(start / 8, n / 8), words)
                : RoundToBitsScalar(w.Slice(start, n), bits.Slice(start / 8, n / 8), words);
        }

        CryptographicOperations.ZeroMemory(bytes);
        return total;
    }

    /// <summary>dest_i = ⌊w_i⌋ + bit i of <paramref name="bits"/>: the integers of <see cref="RoundToBits"/>'s decisions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ApplyBits(ReadOnlySpan<double> w, ReadOnlySpan<byte> bits, Span<long> dest)
    {
        if ((w.Length & 7) != 0 || bits.Length != w.Length / 8 || dest.Length != w.Length)
        {
            throw new ArgumentException($"ApplyBits needs a length divisible by 8, length/8 bytes of bits and as many destinations; got {w.Length}, {bits.Length}, {dest.Length}.");
        }

        int i = 0;
        if (UseVectors && Vector256.IsHardwareAccelerated)
        {
            ref double wr = ref MemoryMarshal.GetReference(w);
            ref long dr = ref MemoryMarshal.GetReference(dest);
            ref long masks = ref MemoryMarshal.GetArrayDataReference(NibbleOnes);
            for (; i < w.Length; i += 4)
            {
                int nibble = (bits[i >> 3] >> (i & 4)) & 15;
                Vector256<long> up = Vector256.LoadUnsafe(ref masks, (nuint)(nibble * 4));
                (IntegersToInt64(Vector256.Floor(Vector256.LoadUnsafe(ref wr, (nuint)i))) + up).StoreUnsafe(ref dr, (nuint)i);
            }

            return;
        }

        for (; i < w.Length; i++)
        {
            dest[i] = (long)Math.Floor(w[i]) + ((bits[i >> 3] >> (i & 7)) & 1);
        }
    }

    /// <summary>For each nibble v, 4 lanes: lane j is 1 when bit j of v is set.</summary>
    private static readonly long[] NibbleOnes = [.. Enumerable.Range(0, 64).Select(k => (long)(((k / 4) >> (k % 4)) & 1))];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double RoundToBitsScalar(ReadOnlySpan<double> w, Span<byte> bits, ReadOnlySpan<uint> u)
    {
        bits.Clear();
        double sum = 0;
        for (int i = 0; i < w.Length; i++)
        {
            double v = w[i];
            double fl = Math.Floor(v);
            bool up = u[i] < (v - fl) * 4294967296.0;
            double r = up ? fl + 1 : fl;
            if (up)
            {
                bits[i >> 3] |= (byte)(1 << (i & 7));
            }

            sum += r * r;
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double RoundToBitsVector(ReadOnlySpan<double> w, Span<byte> bits, ReadOnlySpan<uint> u)
    {
        ref double wr = ref MemoryMarshal.GetReference(w);
        ref uint ur = ref MemoryMarshal.GetReference(u);
        Vector256<double> acc = Vector256<double>.Zero;
        Vector256<double> two32 = Vector256.Create(4294967296.0);
        Vector256<double> one = Vector256.Create(1.0);
        for (int i = 0; i < w.Length; i += 8)
        {
            Vector256<double> v0 = Vector256.LoadUnsafe(ref wr, (nuint)i), v1 = Vector256.LoadUnsafe(ref wr, (nuint)(i + 4));
            Vector256<double> f0 = Vector256.Floor(v0), f1 = Vector256.Floor(v1);
            Vector256<double> u0 = WordsToDouble(Vector128.LoadUnsafe(ref ur, (nuint)i));
            Vector256<double> u1 = WordsToDouble(Vector128.LoadUnsafe(ref ur, (nuint)(i + 4)));
            Vector256<double> up0 = Vector256.LessThan(u0, (v0 - f0) * two32), up1 = Vector256.LessThan(u1, (v1 - f1) * two32);
            Vector256<double> r0 = f0 + (up0 & one), r1 = f1 + (up1 & one);
            acc += (r0 * r0) + (r1 * r1);
            bits[i >> 3] = (byte)(Vector256.ExtractMostSignificantBits(up0) | (Vector256.ExtractMostSignificantBits(up1) << 4));
        }

        return Vector256.Sum(acc);
    }

    /// <summary>Four random words as exact doubles. AVX2 has no 64-bit integer conversion (the runtime converts
    /// <see cref="Vector256{T}"/> of long lane by lane there): the int32 conversion of u − 2^31, plus 2^31.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> WordsToDouble(Vector128<uint> u) =>
        Avx.IsSupported && !Avx512DQ.VL.IsSupported
            ? Avx.ConvertToVector256Double((u ^ Vector128.Create(0x80000000u)).AsInt32()) + Vector256.Create(2147483648.0)
            : Vector256.ConvertToDouble(Vector256.WidenLower(u.ToVector256()).AsInt64());

    /// <summary>Integer-valued doubles as longs. Without AVX-512 (no vcvttpd2qq) by the magic number 1.5·2^52: for
    /// |r| &lt; 2^51, r + 1.5·2^52 has exponent 52 and r + 2^51 in its mantissa, so its bits minus the magic's are r;
    /// a vector with a wider lane takes the runtime's conversion.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> IntegersToInt64(Vector256<double> r)
    {
        if (Avx512DQ.VL.IsSupported || Vector256.GreaterThanOrEqualAny(Vector256.Abs(r), Vector256.Create(2251799813685248.0)))
        {
            return Vector256.ConvertToInt64(r);
        }

        Vector256<double> magic = Vector256.Create(6755399441055744.0);
        return (r + magic).AsInt64() - magic.AsInt64();
    }

    private static double RoundScalar(ReadOnlySpan<double> w, Span<long> dest, ReadOnlySpan<uint> u)
    {
        double sum = 0;
        for (int i = 0; i < w.Length; i++)
        {
            double v = w[i];
            double fl = Math.Floor(v);
            double r = u[i] < (v - fl) * 4294967296.0 ? fl + 1 : fl;
            dest[i] = (long)r;
            sum += r * r;
        }

        return sum;
    }

    private static double RoundVector(ReadOnlySpan<double> w, Span<long> dest, ReadOnlySpan<uint> u)
    {
        ref double wr = ref MemoryMarshal.GetReference(w);
        ref long dr = ref MemoryMarshal.GetReference(dest);
        ref uint ur = ref MemoryMarshal.GetReference(u);
        Vector256<double> acc = Vector256<double>.Zero;
        Vector256<double> two32 = Vector256.Create(4294967296.0);
        Vector256<double> one = Vector256.Create(1.0);
        int i = 0;
        for (; i + 4 <= w.Length; i += 4)
        {
            Vector256<double> v = Vector256.LoadUnsafe(ref wr, (nuint)i);
            Vector256<double> fl = Vector256.Floor(v);
            Vector256<double> threshold = (v - fl) * two32;
            Vector128<uint> u4 = Vector128.LoadUnsafe(ref ur, (nuint)i);
            Vector256<double> ud = WordsToDouble(u4);
            Vector256<double> r = fl + (Vector256.LessThan(ud, threshold) & one);
            IntegersToInt64(r).StoreUnsafe(ref dr, (nuint)i);
            acc += r * r;
        }

        double sum = Vector256.Sum(acc);
        for (; i < w.Length; i++)
        {
            double v = Unsafe.Add(ref wr, i);
            double fl = Math.Floor(v);
            double r = Unsafe.Add(ref ur, i) < (v - fl) * 4294967296.0 ? fl + 1 : fl;
            Unsafe.Add(ref dr, i) = (long)r;
            sum += r * r;
        }

        return sum;
    }
}
