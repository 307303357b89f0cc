using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SecAgg.Quantize.Internal;

/// <summary>The first step of the DDG rotation: scale, then flip the signs of the round's random diagonal D.</summary>
internal static class SignScaling
{
    /// <summary>Tests switch the vector path off to compare it with the scalar one.</summary>
    internal static bool UseVectors = true;

    /// <summary>w_i = (−1)^{s_i}·scale·x_i with x_i = (float)(x_i·inputScale) (no rounding to float when inputScale = 1):
    /// the scale, the rounding to float and the sign flip are exact per element, so the vector path (8 values per sign
    /// byte) is bit-identical to the scalar one. Runs once per round, so it is compiled fully optimized at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(ReadOnlySpan<float> x, double inputScale, double scale, ReadOnlySpan<byte> signs, Span<double> w)
    {
        bool scaled = inputScale != 1.0;
        int i = 0;
        if (UseVectors && Vector256.IsHardwareAccelerated)
        {
            ref ulong masks = ref MemoryMarshal.GetArrayDataReference(NibbleSignMasks);
            ref float src = ref MemoryMarshal.GetReference(x);
            ref double dst = ref MemoryMarshal.GetReference(w);
            Vector256<double> s = Vector256.Create(scale), si = Vector256.Create(inputScale);
            for (; i + 8 <= x.Length; i += 8)
            {
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                if (scaled)
                {
                    (lo, hi) = Vector256.Widen(Vector256.Narrow(lo * si, hi * si));
                }

                int b = signs[i >> 3];
                Vector256<ulong> loSigns = Vector256.LoadUnsafe(ref masks, (nuint)((b & 15) * 4));
                Vector256<ulong> hiSigns = Vector256.LoadUnsafe(ref masks, (nuint)((b >> 4) * 4));
                (Vector256.AsUInt64(lo * s) ^ loSigns).AsDouble().StoreUnsafe(ref dst, (nuint)i);
                (Vector256.AsUInt64(hi * s) ^ hiSigns).AsDouble().StoreUnsafe(ref dst, (nuint)(i + 4));
            }
        }

        for (; i < x.Length; i++)
        {
            ulong bit = (ulong)(signs[i >> 3] >> (i & 7)) & 1;
            float xi = scaled ? (float)(x[i] * inputScale) : x[i];
            w[i] = BitConverter.UInt64BitsToDouble(BitConverter.DoubleToUInt64Bits(xi * scale) ^ (bit << 63));
        }
    }

    /// <summary>For each nibble v, 4 lanes: lane j is the double sign bit when bit j of v is set.</summary>
    private static readonly ulong[] NibbleSignMasks = BuildNibbleSignMasks();

    private static ulong[] BuildNibbleSignMasks()
    {
        var t = new ulong[16 * 4];
        for (int v = 0; v < 16; v++)
        {
            for (int j = 0; j < 4; j++)
            {
                t[(v * 4) + j] = (ulong)((v >> j) & 1) << 63;
            }
        }

        return t;
    }
}
