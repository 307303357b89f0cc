using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
