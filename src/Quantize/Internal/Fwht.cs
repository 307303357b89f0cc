using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SecAgg.Quantize.Internal;

/// <summary>
/// In-place unnormalised fast Walsh-Hadamard transform: y = H_s·x with H_1 = [1], H_2s = [[H_s, H_s],
/// [H_s, −H_s]], so H_s·H_s = s·I. O(s log s) butterflies; the first two levels are fused in a
/// scalar radix-4 pass, later levels use Vector512/Vector256 when available; levels below 2^12 are
/// done chunk by chunk (32 KiB, L1-resident) before the wide levels sweep the whole block.
/// </summary>
internal static class Fwht
{
    /// <summary>Test switch: false forces the scalar path.</summary>
    internal static bool UseVectors = true;

    private const int ChunkLog = 12;

    public static void Transform(Span<double> x)
    {
        int n = x.Length;
        if (n == 0 || (n & (n - 1)) != 0)
        {
            throw new ArgumentException($"The transform length {n} must be a power of two.", nameof(x));
        }

        if (n == 1)
        {
            return;
        }

        int chunk = Math.Min(n, 1 << ChunkLog);
        for (int start = 0; start < n; start += chunk)
        {
            Span<double> c = x.Slice(start, chunk);
            if (chunk == 2)
            {
                double a = c[0], b = c[1];
                c[0] = a + b;
                c[1] = a - b;
                continue;
            }

            Radix4(c);
            for (int h = 4; h < chunk; h <<= 1)
            {
                Level(c, h);
            }
        }

        for (int h = chunk; h < n; h <<= 1)
        {
            Level(x, h);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix4(Span<double> x)
    {
        ref double r = ref MemoryMarshal.GetReference(x);
        for (int i = 0; i < x.Length; i += 4)
        {
            double a = Unsafe.Add(ref r, i), b = Unsafe.Add(ref r, i + 1), c = Unsafe.Add(ref r, i + 2), d = Unsafe.Add(ref r, i + 3);
            double s0 = a + b, d0 = a - b, s1 = c + d, d1 = c - d;
            Unsafe.Add(ref r, i) = s0 + s1;
            Unsafe.Add(ref r, i + 1) = d0 + d1;
            Unsafe.Add(ref r, i + 2) = s0 - s1;
            Unsafe.Add(ref r, i + 3) = d0 - d1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Level(Span<double> x, int h)
    {
        ref double r = ref MemoryMarshal.GetReference(x);
        int n = x.Length;
        if (UseVectors && Vector512.IsHardwareAccelerated && h >= Vector512<double>.Count)
        {
            for (int i = 0; i < n; i += 2 * h)
            {
                for (int j = i; j < i + h; j += Vector512<double>.Count)
                {
                    Vector512<double> a = Vector512.LoadUnsafe(ref r, (nuint)j);
                    Vector512<double> b = Vector512.LoadUnsafe(ref r, (nuint)(j + h));
                    (a + b).StoreUnsafe(ref r, (nuint)j);
                    (a - b).StoreUnsafe(ref r, (nuint)(j + h));
                }
            }

            return;
        }

        if (UseVectors && Vector256.IsHardwareAccelerated && h >= Vector256<double>.Count)
        {
            for (int i = 0; i < n; i += 2 * h)
            {
                for (int j = i; j < i + h; j += Vector256<double>.Count)
                {
                    Vector256<double> a = Vector256.LoadUnsafe(ref r, (nuint)j);
                    Vector256<double> b = Vector256.LoadUnsafe(ref r, (nuint)(j + h));
                    (a + b).StoreUnsafe(ref r, (nuint)j);
                    (a - b).StoreUnsafe(ref r, (nuint)(j + h));
                }
            }

            return;
        }

        for (int i = 0; i < n; i += 2 * h)
        {
            for (int j = i; j < i + h; j++)
            {
                double a = Unsafe.Add(ref r, j), b = Unsafe.Add(ref r, j + h);
                Unsafe.Add(ref r, j) = a + b;
                Unsafe.Add(ref r, j + h) = a - b;
            }
        }
    }
}
