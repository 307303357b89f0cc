using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SecAgg.Crypto.Ring.Internal;

/// <summary>
/// Negacyclic NTT over Z_p[X]/(X^n + 1) with Harvey's lazy butterflies and Shoup twiddles.
/// Forward: Cooley–Tukey, natural order in, bit-reversed order out, values kept in [0, 4p) between stages.
/// Inverse: Gentleman–Sande, bit-reversed in, natural out, values kept in [0, 2p), then scaled by n^−1.
/// Inputs must be reduced ([0, p)); outputs are reduced.
/// </summary>
internal static partial class Ntt
{
    public static void Forward(Span<ulong> a, NttTables tables, SimdMode mode)
    {
        switch (mode)
        {
            case SimdMode.Vector512:
                ForwardVector512(a, tables);
                break;
            case SimdMode.Vector256:
                ForwardVector256(a, tables);
                break;
            default:
                ForwardScalar(a, tables);
                break;
        }
    }

    public static void Inverse(Span<ulong> a, NttTables tables, SimdMode mode)
    {
        switch (mode)
        {
            case SimdMode.Vector512:
                InverseVector512(a, tables);
                break;
            case SimdMode.Vector256:
                InverseVector256(a, tables);
                break;
            default:
                InverseScalar(a, tables);
                break;
        }
    }

    // ---------------------------------------------------------------- scalar

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardScalar(Span<ulong> span, NttTables tables) => ForwardStagesScalar(span, tables, tables.N, true);

    /// <summary>Runs the forward stages whose half-width t is below <paramref name="tLimit"/> (all when tLimit = n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardStagesScalar(Span<ulong> span, NttTables tables, int tLimit, bool finalReduce)
    {
        int n = tables.N;
        ulong p = tables.Modulus.Value;
        ulong twoP = 2 * p;
        ref ulong a = ref MemoryMarshal.GetReference(span);
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(tables.RootPowers);
        ref ulong ws = ref MemoryMarshal.GetArrayDataReference(tables.RootPowersShoup);
        int t = n;
        for (int m = 1; m < n; m <<= 1)
        {
            t >>= 1;
            if (t >= tLimit)
            {
                continue;
            }

            for (int i = 0; i < m; i++)
            {
                int j1 = 2 * i * t;
                ulong W = Unsafe.Add(ref w, m + i);
                ulong Ws = Unsafe.Add(ref ws, m + i);
                ref ulong x = ref Unsafe.Add(ref a, j1);
                ref ulong y = ref Unsafe.Add(ref a, j1 + t);
                for (int j = 0; j < t; j++)
                {
                    ulong X = Unsafe.Add(ref x, j);
                    X = Modulus.SubtractIfAtLeast(X, twoP);
                    ulong Q = Modulus.MultiplyShoupLazy(Unsafe.Add(ref y, j), W, Ws, p);
                    Unsafe.Add(ref x, j) = X + Q;
                    Unsafe.Add(ref y, j) = X - Q + twoP;
                }
            }
        }

        if (finalReduce)
        {
            for (int j = 0; j < n; j++)
            {
                ulong X = Unsafe.Add(ref a, j);
                X = Modulus.SubtractIfAtLeast(X, twoP);
                Unsafe.Add(ref a, j) = Modulus.SubtractIfAtLeast(X, p);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InverseScalar(Span<ulong> span, NttTables tables)
    {
        InverseStagesScalar(span, tables, tables.N);
        int n = tables.N;
        ulong p = tables.Modulus.Value;
        ulong invN = tables.InvN, invNs = tables.InvNShoup;
        ref ulong a = ref MemoryMarshal.GetReference(span);
        for (int j = 0; j < n; j++)
        {
            ulong X = Modulus.MultiplyShoupLazy(Unsafe.Add(ref a, j), invN, invNs, p);
            Unsafe.Add(ref a, j) = Modulus.SubtractIfAtLeast(X, p);
        }
    }

    /// <summary>Runs the inverse stages whose half-width t is below <paramref name="tLimit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseStagesScalar(Span<ulong> span, NttTables tables, int tLimit)
    {
        int n = tables.N;
        ulong p = tables.Modulus.Value;
        ulong twoP = 2 * p;
        ref ulong a = ref MemoryMarshal.GetReference(span);
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(tables.InvRootPowers);
        ref ulong ws = ref MemoryMarshal.GetArrayDataReference(tables.InvRootPowersShoup);
        int t = 1;
        for (int m = n >> 1; m >= 1 && t < tLimit; m >>= 1)
        {
            for (int i = 0; i < m; i++)
            {
                int j1 = 2 * i * t;
                ulong W = Unsafe.Add(ref w, m + i);
                ulong Ws = Unsafe.Add(ref ws, m + i);
                ref ulong x = ref Unsafe.Add(ref a, j1);
                ref ulong y = ref Unsafe.Add(ref a, j1 + t);
                for (int j = 0; j < t; j++)
                {
                    ulong X = Unsafe.Add(ref x, j);
                    ulong Y = Unsafe.Add(ref y, j);
                    ulong T = X + Y;
                    Unsafe.Add(ref x, j) = Modulus.SubtractIfAtLeast(T, twoP);
                    Unsafe.Add(ref y, j) = Modulus.MultiplyShoupLazy(X - Y + twoP, W, Ws, p);
                }
            }

            t <<= 1;
        }
    }

    // ---------------------------------------------------------------- vector helpers

    /// <summary>High 64 bits of the unsigned 64×64 product of each lane (four 32×32 partial products).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<ulong> MulHi(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> bHi)
    {
        Vector512<ulong> aHi = Vector512.ShiftRightLogical(a, 32);
        Vector512<ulong> ll = Avx512F.Multiply(a.AsUInt32(), b.AsUInt32());
        Vector512<ulong> lh = Avx512F.Multiply(a.AsUInt32(), bHi.AsUInt32());
        Vector512<ulong> hl = Avx512F.Multiply(aHi.AsUInt32(), b.AsUInt32());
        Vector512<ulong> hh = Avx512F.Multiply(aHi.AsUInt32(), bHi.AsUInt32());
        Vector512<ulong> t = hl + Vector512.ShiftRightLogical(ll, 32);
        Vector512<ulong> u = lh + (t & Vector512.Create(0xFFFF_FFFFUL));
        return hh + Vector512.ShiftRightLogical(t, 32) + Vector512.ShiftRightLogical(u, 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<ulong> MulHi(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> bHi)
    {
        Vector256<ulong> aHi = Vector256.ShiftRightLogical(a, 32);
        Vector256<ulong> ll = Avx2.Multiply(a.AsUInt32(), b.AsUInt32());
        Vector256<ulong> lh = Avx2.Multiply(a.AsUInt32(), bHi.AsUInt32());
        Vector256<ulong> hl = Avx2.Multiply(aHi.AsUInt32(), b.AsUInt32());
        Vector256<ulong> hh = Avx2.Multiply(aHi.AsUInt32(), bHi.AsUInt32());
        Vector256<ulong> t = hl + Vector256.ShiftRightLogical(ll, 32);
        Vector256<ulong> u = lh + (t & Vector256.Create(0xFFFF_FFFFUL));
        return hh + Vector256.ShiftRightLogical(t, 32) + Vector256.ShiftRightLogical(u, 32);
    }

    /// <summary>x − m if x ≥ m, else x (unsigned; requires x &lt; 2^63 + m).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<ulong> ReduceOnce(Vector512<ulong> x, Vector512<ulong> m) => Vector512.Min(x, x - m);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<ulong> ReduceOnce(Vector256<ulong> x, Vector256<ulong> m)
    {
        Vector256<ulong> d = x - m;
        // x ≥ m exactly when the subtraction did not wrap, i.e. d ≤ x.
        return Vector256.ConditionalSelect(Vector256.GreaterThan(d, x), x, d);
    }
}
