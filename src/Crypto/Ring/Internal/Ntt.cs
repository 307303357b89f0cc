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
internal static class Ntt
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

    // ---------------------------------------------------------------- Vector512

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardVector512(Span<ulong> span, NttTables tables)
    {
        const int W = 8;
        int n = tables.N;
        if (n < 2 * W)
        {
            ForwardScalar(span, tables);
            return;
        }

        ulong p = tables.Modulus.Value;
        var vp = Vector512.Create(p);
        var v2p = Vector512.Create(2 * p);
        ref ulong a = ref MemoryMarshal.GetReference(span);
        int t = n;
        for (int m = 1; m < n; m <<= 1)
        {
            t >>= 1;
            if (t < W)
            {
                break;
            }

            for (int i = 0; i < m; i++)
            {
                int j1 = 2 * i * t;
                ulong w = tables.RootPowers[m + i];
                ulong ws = tables.RootPowersShoup[m + i];
                var vw = Vector512.Create(w);
                var vws = Vector512.Create(ws);
                var vwsHi = Vector512.Create(ws >> 32);
                for (int j = j1; j < j1 + t; j += W)
                {
                    var x = Vector512.LoadUnsafe(ref a, (nuint)j);
                    var y = Vector512.LoadUnsafe(ref a, (nuint)(j + t));
                    x = ReduceOnce(x, v2p);
                    var q = (y * vw) - (MulHi(y, vws, vwsHi) * vp);
                    (x + q).StoreUnsafe(ref a, (nuint)j);
                    (x - q + v2p).StoreUnsafe(ref a, (nuint)(j + t));
                }
            }
        }

        ForwardInnerStagesVector512(ref a, tables, vp, v2p);
    }

    // Lane permutations for the innermost stages, on a pair (A, B) of consecutive vectors (16 coefficients):
    // gather X (first halves of each butterfly block) and Y (second halves), then scatter back.
    private static readonly Vector512<ulong> Gather4X = Vector512.Create(0UL, 1, 2, 3, 8, 9, 10, 11);
    private static readonly Vector512<ulong> Gather4Y = Vector512.Create(4UL, 5, 6, 7, 12, 13, 14, 15);
    private static readonly Vector512<ulong> Gather2X = Vector512.Create(0UL, 1, 4, 5, 8, 9, 12, 13);
    private static readonly Vector512<ulong> Gather2Y = Vector512.Create(2UL, 3, 6, 7, 10, 11, 14, 15);
    private static readonly Vector512<ulong> Scatter2A = Vector512.Create(0UL, 1, 8, 9, 2, 3, 10, 11);
    private static readonly Vector512<ulong> Scatter2B = Vector512.Create(4UL, 5, 12, 13, 6, 7, 14, 15);
    private static readonly Vector512<ulong> Gather1X = Vector512.Create(0UL, 2, 4, 6, 8, 10, 12, 14);
    private static readonly Vector512<ulong> Gather1Y = Vector512.Create(1UL, 3, 5, 7, 9, 11, 13, 15);
    private static readonly Vector512<ulong> Scatter1A = Vector512.Create(0UL, 8, 1, 9, 2, 10, 3, 11);
    private static readonly Vector512<ulong> Scatter1B = Vector512.Create(4UL, 12, 5, 13, 6, 14, 7, 15);

    // Twiddles of stages t = 4 and t = 2 spread over the lanes from the bit-reversed root table itself (no expanded
    // copies: they were 4n words per prime): lanes 0–3 and 4–7 take two consecutive roots, or lane pairs four.
    private static readonly Vector512<ulong> Spread4 = Vector512.Create(0UL, 0, 0, 0, 1, 1, 1, 1);
    private static readonly Vector512<ulong> Spread2 = Vector512.Create(0UL, 0, 1, 1, 2, 2, 3, 3);

    /// <summary>Roots m + i, m + i + 1 of <paramref name="roots"/>, each in four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> TwoRoots(ref ulong roots, nuint at) =>
        Avx512F.PermuteVar8x64(Vector128.LoadUnsafe(ref roots, at).ToVector256Unsafe().ToVector512Unsafe(), Spread4);

    /// <summary>Roots at, …, at + 3 of <paramref name="roots"/>, each in two lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> FourRoots(ref ulong roots, nuint at) =>
        Avx512F.PermuteVar8x64(Vector256.LoadUnsafe(ref roots, at).ToVector512Unsafe(), Spread2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> ShoupLazy(Vector512<ulong> x, Vector512<ulong> w, Vector512<ulong> ws, Vector512<ulong> vp) =>
        (x * w) - (MulHi(x, ws, Vector512.ShiftRightLogical(ws, 32)) * vp);

    /// <summary>Forward stages t = 4, 2, 1 with in-register permutations, and the final reduction to [0, p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardInnerStagesVector512(ref ulong a, NttTables tables, Vector512<ulong> vp, Vector512<ulong> v2p)
    {
        int n = tables.N;
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(tables.RootPowers);
        ref ulong ws = ref MemoryMarshal.GetArrayDataReference(tables.RootPowersShoup);
        ref ulong w1 = ref Unsafe.Add(ref w, n / 2);
        ref ulong w1s = ref Unsafe.Add(ref ws, n / 2);
        for (int j = 0; j < n; j += 16)
        {
            var A = Vector512.LoadUnsafe(ref a, (nuint)j);
            var B = Vector512.LoadUnsafe(ref a, (nuint)(j + 8));
            nuint k = (nuint)(j / 2), k4 = (nuint)((n / 8) + (j / 8)), k2 = (nuint)((n / 4) + (j / 4));

            // t = 4: X = [A0..3, B0..3], Y = [A4..7, B4..7]; the same permutations scatter back.
            var x = Avx512F.PermuteVar8x64x2(A, Gather4X, B);
            var y = Avx512F.PermuteVar8x64x2(A, Gather4Y, B);
            x = ReduceOnce(x, v2p);
            var q = ShoupLazy(y, TwoRoots(ref w, k4), TwoRoots(ref ws, k4), vp);
            var xo = x + q;
            var yo = x - q + v2p;
            A = Avx512F.PermuteVar8x64x2(xo, Gather4X, yo);
            B = Avx512F.PermuteVar8x64x2(xo, Gather4Y, yo);

            // t = 2
            x = Avx512F.PermuteVar8x64x2(A, Gather2X, B);
            y = Avx512F.PermuteVar8x64x2(A, Gather2Y, B);
            x = ReduceOnce(x, v2p);
            q = ShoupLazy(y, FourRoots(ref w, k2), FourRoots(ref ws, k2), vp);
            xo = x + q;
            yo = x - q + v2p;
            A = Avx512F.PermuteVar8x64x2(xo, Scatter2A, yo);
            B = Avx512F.PermuteVar8x64x2(xo, Scatter2B, yo);

            // t = 1, fused with the final reduction.
            x = Avx512F.PermuteVar8x64x2(A, Gather1X, B);
            y = Avx512F.PermuteVar8x64x2(A, Gather1Y, B);
            x = ReduceOnce(x, v2p);
            q = ShoupLazy(y, Vector512.LoadUnsafe(ref w1, k), Vector512.LoadUnsafe(ref w1s, k), vp);
            xo = ReduceOnce(ReduceOnce(x + q, v2p), vp);
            yo = ReduceOnce(ReduceOnce(x - q + v2p, v2p), vp);
            Avx512F.PermuteVar8x64x2(xo, Scatter1A, yo).StoreUnsafe(ref a, (nuint)j);
            Avx512F.PermuteVar8x64x2(xo, Scatter1B, yo).StoreUnsafe(ref a, (nuint)(j + 8));
        }
    }

    /// <summary>Inverse stages t = 1, 2, 4 with in-register permutations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseInnerStagesVector512(ref ulong a, NttTables tables, Vector512<ulong> vp, Vector512<ulong> v2p)
    {
        int n = tables.N;
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(tables.InvRootPowers);
        ref ulong ws = ref MemoryMarshal.GetArrayDataReference(tables.InvRootPowersShoup);
        ref ulong w1 = ref Unsafe.Add(ref w, n / 2);
        ref ulong w1s = ref Unsafe.Add(ref ws, n / 2);
        for (int j = 0; j < n; j += 16)
        {
            var A = Vector512.LoadUnsafe(ref a, (nuint)j);
            var B = Vector512.LoadUnsafe(ref a, (nuint)(j + 8));
            nuint k = (nuint)(j / 2), k4 = (nuint)((n / 8) + (j / 8)), k2 = (nuint)((n / 4) + (j / 4));

            // t = 1
            var x = Avx512F.PermuteVar8x64x2(A, Gather1X, B);
            var y = Avx512F.PermuteVar8x64x2(A, Gather1Y, B);
            var xo = ReduceOnce(x + y, v2p);
            var yo = ShoupLazy(x - y + v2p, Vector512.LoadUnsafe(ref w1, k), Vector512.LoadUnsafe(ref w1s, k), vp);
            A = Avx512F.PermuteVar8x64x2(xo, Scatter1A, yo);
            B = Avx512F.PermuteVar8x64x2(xo, Scatter1B, yo);

            // t = 2
            x = Avx512F.PermuteVar8x64x2(A, Gather2X, B);
            y = Avx512F.PermuteVar8x64x2(A, Gather2Y, B);
            xo = ReduceOnce(x + y, v2p);
            yo = ShoupLazy(x - y + v2p, FourRoots(ref w, k2), FourRoots(ref ws, k2), vp);
            A = Avx512F.PermuteVar8x64x2(xo, Scatter2A, yo);
            B = Avx512F.PermuteVar8x64x2(xo, Scatter2B, yo);

            // t = 4
            x = Avx512F.PermuteVar8x64x2(A, Gather4X, B);
            y = Avx512F.PermuteVar8x64x2(A, Gather4Y, B);
            xo = ReduceOnce(x + y, v2p);
            yo = ShoupLazy(x - y + v2p, TwoRoots(ref w, k4), TwoRoots(ref ws, k4), vp);
            Avx512F.PermuteVar8x64x2(xo, Gather4X, yo).StoreUnsafe(ref a, (nuint)j);
            Avx512F.PermuteVar8x64x2(xo, Gather4Y, yo).StoreUnsafe(ref a, (nuint)(j + 8));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseVector512(Span<ulong> span, NttTables tables)
    {
        const int W = 8;
        int n = tables.N;
        if (n < 2 * W)
        {
            InverseScalar(span, tables);
            return;
        }

        ulong p = tables.Modulus.Value;
        var vp = Vector512.Create(p);
        var v2p = Vector512.Create(2 * p);
        ref ulong a = ref MemoryMarshal.GetReference(span);
        InverseInnerStagesVector512(ref a, tables, vp, v2p);
        int t = W;
        for (int m = n / (2 * W); m >= 1; m >>= 1)
        {
            for (int i = 0; i < m; i++)
            {
                int j1 = 2 * i * t;
                ulong w = tables.InvRootPowers[m + i];
                ulong ws = tables.InvRootPowersShoup[m + i];
                var vw = Vector512.Create(w);
                var vws = Vector512.Create(ws);
                var vwsHi = Vector512.Create(ws >> 32);
                for (int j = j1; j < j1 + t; j += W)
                {
                    var x = Vector512.LoadUnsafe(ref a, (nuint)j);
                    var y = Vector512.LoadUnsafe(ref a, (nuint)(j + t));
                    ReduceOnce(x + y, v2p).StoreUnsafe(ref a, (nuint)j);
                    var d = x - y + v2p;
                    var q = (d * vw) - (MulHi(d, vws, vwsHi) * vp);
                    q.StoreUnsafe(ref a, (nuint)(j + t));
                }
            }

            t <<= 1;
        }

        var vinv = Vector512.Create(tables.InvN);
        var vinvs = Vector512.Create(tables.InvNShoup);
        var vinvsHi = Vector512.Create(tables.InvNShoup >> 32);
        for (int j = 0; j < n; j += W)
        {
            var x = Vector512.LoadUnsafe(ref a, (nuint)j);
            var q = (x * vinv) - (MulHi(x, vinvs, vinvsHi) * vp);
            ReduceOnce(q, vp).StoreUnsafe(ref a, (nuint)j);
        }
    }

    // ---------------------------------------------------------------- Vector256

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardVector256(Span<ulong> span, NttTables tables)
    {
        const int W = 4;
        int n = tables.N;
        if (n < 2 * W)
        {
            ForwardScalar(span, tables);
            return;
        }

        ulong p = tables.Modulus.Value;
        var vp = Vector256.Create(p);
        var v2p = Vector256.Create(2 * p);
        ref ulong a = ref MemoryMarshal.GetReference(span);
        int t = n;
        for (int m = 1; m < n; m <<= 1)
        {
            t >>= 1;
            if (t < W)
            {
                break;
            }

            for (int i = 0; i < m; i++)
            {
                int j1 = 2 * i * t;
                ulong w = tables.RootPowers[m + i];
                ulong ws = tables.RootPowersShoup[m + i];
                var vw = Vector256.Create(w);
                var vws = Vector256.Create(ws);
                var vwsHi = Vector256.Create(ws >> 32);
                for (int j = j1; j < j1 + t; j += W)
                {
                    var x = Vector256.LoadUnsafe(ref a, (nuint)j);
                    var y = Vector256.LoadUnsafe(ref a, (nuint)(j + t));
                    x = ReduceOnce(x, v2p);
                    var q = (y * vw) - (MulHi(y, vws, vwsHi) * vp);
                    (x + q).StoreUnsafe(ref a, (nuint)j);
                    (x - q + v2p).StoreUnsafe(ref a, (nuint)(j + t));
                }
            }
        }

        ForwardStagesScalar(span, tables, W, false);
        for (int j = 0; j < n; j += W)
        {
            var x = Vector256.LoadUnsafe(ref a, (nuint)j);
            x = ReduceOnce(ReduceOnce(x, v2p), vp);
            x.StoreUnsafe(ref a, (nuint)j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseVector256(Span<ulong> span, NttTables tables)
    {
        const int W = 4;
        int n = tables.N;
        if (n < 2 * W)
        {
            InverseScalar(span, tables);
            return;
        }

        ulong p = tables.Modulus.Value;
        var vp = Vector256.Create(p);
        var v2p = Vector256.Create(2 * p);
        ref ulong a = ref MemoryMarshal.GetReference(span);
        InverseStagesScalar(span, tables, W);
        int t = W;
        for (int m = n / (2 * W); m >= 1; m >>= 1)
        {
            for (int i = 0; i < m; i++)
            {
                int j1 = 2 * i * t;
                ulong w = tables.InvRootPowers[m + i];
                ulong ws = tables.InvRootPowersShoup[m + i];
                var vw = Vector256.Create(w);
                var vws = Vector256.Create(ws);
                var vwsHi = Vector256.Create(ws >> 32);
                for (int j = j1; j < j1 + t; j += W)
                {
                    var x = Vector256.LoadUnsafe(ref a, (nuint)j);
                    var y = Vector256.LoadUnsafe(ref a, (nuint)(j + t));
                    ReduceOnce(x + y, v2p).StoreUnsafe(ref a, (nuint)j);
                    var d = x - y + v2p;
                    var q = (d * vw) - (MulHi(d, vws, vwsHi) * vp);
                    q.StoreUnsafe(ref a, (nuint)(j + t));
                }
            }

            t <<= 1;
        }

        var vinv = Vector256.Create(tables.InvN);
        var vinvs = Vector256.Create(tables.InvNShoup);
        var vinvsHi = Vector256.Create(tables.InvNShoup >> 32);
        for (int j = 0; j < n; j += W)
        {
            var x = Vector256.LoadUnsafe(ref a, (nuint)j);
            var q = (x * vinv) - (MulHi(x, vinvs, vinvsHi) * vp);
            ReduceOnce(q, vp).StoreUnsafe(ref a, (nuint)j);
        }
    }
}
