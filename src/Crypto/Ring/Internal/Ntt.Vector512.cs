using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SecAgg.Crypto.Ring.Internal;

/// <summary>The AVX-512 (8 lanes) paths of <see cref="Ntt"/>.</summary>
internal static partial class Ntt
{
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
        ulong[] invPowers = tables.InvRootPowers, invShoup = tables.InvRootPowersShoup;
        int t = W;
        for (int m = n / (2 * W); m >= 1; m >>= 1)
        {
            for (int i = 0; i < m; i++)
            {
                int j1 = 2 * i * t;
                ulong w = invPowers[m + i];
                ulong ws = invShoup[m + i];
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
}
