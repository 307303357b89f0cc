using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SecAgg.Crypto.Ring.Internal;

/// <summary>The AVX2 (4 lanes) paths of <see cref="Ntt"/>.</summary>
internal static partial class Ntt
{
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

        ForwardInnerStagesVector256(ref a, tables, vp, v2p);
    }

    // The innermost stages on a pair (A, B) of consecutive vectors (8 coefficients), with AVX2's in-lane permutations:
    // t = 2 takes X = [A0, A1, B0, B1] and Y = [A2, A3, B2, B3] (128-bit halves, vperm2i128), twiddles of two blocks
    // each in two lanes; t = 1 takes X = [A0, B0, A2, B2] and Y = [A1, B1, A3, B3] (vpunpck{l,h}qdq), whose pairs are
    // 0, 2, 1, 3 of four consecutive roots. The same permutations scatter back.
    private const byte LowHalves = 0x20, HighHalves = 0x31;
    private const byte SpreadTwo = 0x50; // lanes 0, 0, 1, 1
    private const byte PairOrder = 0xD8; // lanes 0, 2, 1, 3

    /// <summary>Roots at, at + 1 of <paramref name="roots"/>, each in two lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> TwoRoots256(ref ulong roots, nuint at) =>
        Avx2.Permute4x64(Vector128.LoadUnsafe(ref roots, at).ToVector256Unsafe(), SpreadTwo);

    /// <summary>Roots at, …, at + 3 of <paramref name="roots"/> in the order 0, 2, 1, 3 (the lanes of the t = 1 X).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> PairRoots256(ref ulong roots, nuint at) =>
        Avx2.Permute4x64(Vector256.LoadUnsafe(ref roots, at), PairOrder);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> ShoupLazy(Vector256<ulong> x, Vector256<ulong> w, Vector256<ulong> ws, Vector256<ulong> vp) =>
        (x * w) - (MulHi(x, ws, Vector256.ShiftRightLogical(ws, 32)) * vp);

    /// <summary>Forward stages t = 2, 1 with in-register permutations, and the final reduction to [0, p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardInnerStagesVector256(ref ulong a, NttTables tables, Vector256<ulong> vp, Vector256<ulong> v2p)
    {
        int n = tables.N;
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(tables.RootPowers);
        ref ulong ws = ref MemoryMarshal.GetArrayDataReference(tables.RootPowersShoup);
        for (int j = 0; j < n; j += 8)
        {
            var A = Vector256.LoadUnsafe(ref a, (nuint)j);
            var B = Vector256.LoadUnsafe(ref a, (nuint)(j + 4));
            nuint k2 = (nuint)((n / 4) + (j / 4)), k1 = (nuint)((n / 2) + (j / 2));

            // t = 2
            var x = Avx2.Permute2x128(A, B, LowHalves);
            var y = Avx2.Permute2x128(A, B, HighHalves);
            x = ReduceOnce(x, v2p);
            var q = ShoupLazy(y, TwoRoots256(ref w, k2), TwoRoots256(ref ws, k2), vp);
            var xo = x + q;
            var yo = x - q + v2p;
            A = Avx2.Permute2x128(xo, yo, LowHalves);
            B = Avx2.Permute2x128(xo, yo, HighHalves);

            // t = 1, fused with the final reduction.
            x = Avx2.UnpackLow(A, B);
            y = Avx2.UnpackHigh(A, B);
            x = ReduceOnce(x, v2p);
            q = ShoupLazy(y, PairRoots256(ref w, k1), PairRoots256(ref ws, k1), vp);
            xo = ReduceOnce(ReduceOnce(x + q, v2p), vp);
            yo = ReduceOnce(ReduceOnce(x - q + v2p, v2p), vp);
            Avx2.UnpackLow(xo, yo).StoreUnsafe(ref a, (nuint)j);
            Avx2.UnpackHigh(xo, yo).StoreUnsafe(ref a, (nuint)(j + 4));
        }
    }

    /// <summary>Inverse stages t = 1, 2 with in-register permutations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseInnerStagesVector256(ref ulong a, NttTables tables, Vector256<ulong> vp, Vector256<ulong> v2p)
    {
        int n = tables.N;
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(tables.InvRootPowers);
        ref ulong ws = ref MemoryMarshal.GetArrayDataReference(tables.InvRootPowersShoup);
        for (int j = 0; j < n; j += 8)
        {
            var A = Vector256.LoadUnsafe(ref a, (nuint)j);
            var B = Vector256.LoadUnsafe(ref a, (nuint)(j + 4));
            nuint k2 = (nuint)((n / 4) + (j / 4)), k1 = (nuint)((n / 2) + (j / 2));

            // t = 1
            var x = Avx2.UnpackLow(A, B);
            var y = Avx2.UnpackHigh(A, B);
            var xo = ReduceOnce(x + y, v2p);
            var yo = ShoupLazy(x - y + v2p, PairRoots256(ref w, k1), PairRoots256(ref ws, k1), vp);
            A = Avx2.UnpackLow(xo, yo);
            B = Avx2.UnpackHigh(xo, yo);

            // t = 2
            x = Avx2.Permute2x128(A, B, LowHalves);
            y = Avx2.Permute2x128(A, B, HighHalves);
            xo = ReduceOnce(x + y, v2p);
            yo = ShoupLazy(x - y + v2p, TwoRoots256(ref w, k2), TwoRoots256(ref ws, k2), vp);
            Avx2.Permute2x128(xo, yo, LowHalves).StoreUnsafe(ref a, (nuint)j);
            Avx2.Permute2x128(xo, yo, HighHalves).StoreUnsafe(ref a, (nuint)(j + 4));
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
        InverseInnerStagesVector256(ref a, tables, vp, v2p);
        ulong[] invPowers = tables.InvRootPowers, invShoup = tables.InvRootPowersShoup;
        int t = W;
        for (int m = n / (2 * W); m >= 1; m >>= 1)
        {
            for (int i = 0; i < m; i++)
            {
                int j1 = 2 * i * t;
                ulong w = invPowers[m + i];
                ulong ws = invShoup[m + i];
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
