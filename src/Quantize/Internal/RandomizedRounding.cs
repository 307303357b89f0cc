using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
            Vector256<double> ud = Vector256.ConvertToDouble(Vector256.WidenLower(u4.ToVector256()).AsInt64());
            Vector256<double> r = fl + (Vector256.LessThan(ud, threshold) & one);
            Vector256.ConvertToInt64(r).StoreUnsafe(ref dr, (nuint)i);
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
