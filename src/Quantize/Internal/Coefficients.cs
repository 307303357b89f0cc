using System.Runtime.CompilerServices;

namespace SecAgg.Quantize.Internal;

/// <summary>The encoder's output coefficients (mod 2^b, 32- or 64-bit) read into and written from integer windows.</summary>
internal static class Coefficients
{
    /// <summary>window = destination[start..] (values mod 2^b); once per window, so compiled fully optimized at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Load(ReadOnlySpan<uint> u32, ReadOnlySpan<ulong> u64, int start, Span<long> window)
    {
        if (u32.IsEmpty)
        {
            ReadOnlySpan<ulong> s64 = u64.Slice(start, window.Length);
            for (int i = 0; i < window.Length; i++)
            {
                window[i] = (long)s64[i];
            }

            return;
        }

        ReadOnlySpan<uint> s32 = u32.Slice(start, window.Length);
        for (int i = 0; i < window.Length; i++)
        {
            window[i] = s32[i];
        }
    }

    /// <summary>destination[start..] = ints mod 2^b; once per window, so compiled fully optimized at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Store(ReadOnlySpan<long> ints, int start, ulong mask, Span<uint> u32, Span<ulong> u64)
    {
        if (u32.IsEmpty)
        {
            Span<ulong> d64 = u64.Slice(start, ints.Length);
            for (int i = 0; i < ints.Length; i++)
            {
                d64[i] = (ulong)ints[i] & mask;
            }

            return;
        }

        Span<uint> d32 = u32.Slice(start, ints.Length);
        uint m32 = (uint)mask;
        for (int i = 0; i < ints.Length; i++)
        {
            d32[i] = (uint)ints[i] & m32;
        }
    }
}
