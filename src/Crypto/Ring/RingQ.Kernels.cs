using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SecAgg.Crypto.Ring;

/// <summary>The per-limb kernels of <see cref="RingQ"/>'s operations: each reads and writes one limb (n residues
/// mod one prime), so the operations can run limbs on several threads (RingQ.Parallel.cs).</summary>
public sealed partial class RingQ
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NegateLimb(Span<ulong> x, Span<ulong> r, ulong p)
    {
        for (int j = 0; j < x.Length; j++)
        {
            r[j] = x[j] == 0 ? 0 : p - x[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyLimb(Span<ulong> x, Span<ulong> y, Span<ulong> r, Modulus m)
    {
        for (int j = 0; j < x.Length; j++)
        {
            r[j] = m.Multiply(x[j], y[j]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyAddLimb(Span<ulong> x, Span<ulong> y, Span<ulong> r, Modulus m)
    {
        for (int j = 0; j < x.Length; j++)
        {
            r[j] = m.Add(r[j], m.Multiply(x[j], y[j]));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShoupLimb(Span<ulong> x, Span<ulong> y, Modulus m)
    {
        for (int j = 0; j < x.Length; j++)
        {
            y[j] = m.ShoupPrecompute(x[j]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScalarLimb(Span<ulong> x, ulong scalar, Span<ulong> r, Modulus m)
    {
        ulong c = m.Reduce(scalar);
        ulong cs = m.ShoupPrecompute(c);
        for (int j = 0; j < x.Length; j++)
        {
            r[j] = m.MultiplyShoup(x[j], c, cs);
        }
    }

    /// <summary>One limb of SetSigned/AddSigned: r = values mod p (or r += values mod p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LiftLimb(ReadOnlySpan<long> values, Span<ulong> r, Modulus m, bool accumulate)
    {
        ulong p = m.Value;
        int start = LiftSmallVector(values, r, p, accumulate);
        for (int j = start; j < values.Length; j++)
        {
            long v = values[j];
            // Fast path for |v| < p, which covers every small sampler.
            ulong x = v >= 0 ? ((ulong)v < p ? (ulong)v : m.Reduce((ulong)v)) : m.ReduceSigned(v);
            r[j] = accumulate ? Modulus.SubtractIfAtLeast(r[j] + x, p) : x;
        }
    }

    /// <summary>Vector path of SetSigned/AddSigned: handles 8-lane chunks whose values all satisfy |v| &lt; p and
    /// returns the index where it stopped (the scalar loop finishes from there).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int LiftSmallVector(ReadOnlySpan<long> values, Span<ulong> r, ulong p, bool accumulate)
    {
        if (Simd == SimdMode.Vector256)
        {
            return LiftSmallVector256(values, r, p, accumulate);
        }

        if (Simd != SimdMode.Vector512)
        {
            return 0;
        }

        var vp = Vector512.Create(p);
        var limit = Vector512.Create((long)p);
        ref long rv = ref MemoryMarshal.GetReference(values);
        ref ulong rr = ref MemoryMarshal.GetReference(r);
        int j = 0;
        for (; j + 8 <= values.Length; j += 8)
        {
            var v = Vector512.LoadUnsafe(ref rv, (nuint)j);
            if (!Vector512.LessThanAll(Vector512.Abs(v), limit) || Vector512.EqualsAny(v, Vector512.Create(long.MinValue)))
            {
                return j;
            }

            var x = v.AsUInt64() + (vp & Vector512.ShiftRightArithmetic(v, 63).AsUInt64()); // v or v + p, in [0, p)
            if (accumulate)
            {
                x = Internal.Ntt.ReduceOnce(x + Vector512.LoadUnsafe(ref rr, (nuint)j), vp);
            }

            x.StoreUnsafe(ref rr, (nuint)j);
        }

        return j;
    }

    /// <summary>The 4-lane twin of <see cref="LiftSmallVector"/> (AVX2 has no 64-bit arithmetic shift: the sign mask is a
    /// signed compare with zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LiftSmallVector256(ReadOnlySpan<long> values, Span<ulong> r, ulong p, bool accumulate)
    {
        var vp = Vector256.Create(p);
        var limit = Vector256.Create((long)p);
        var negativeLimit = Vector256.Create(-(long)p);
        ref long rv = ref MemoryMarshal.GetReference(values);
        ref ulong rr = ref MemoryMarshal.GetReference(r);
        int j = 0;
        for (; j + 4 <= values.Length; j += 4)
        {
            var v = Vector256.LoadUnsafe(ref rv, (nuint)j);
            if (!Vector256.LessThanAll(v, limit) || !Vector256.GreaterThanAll(v, negativeLimit))
            {
                return j;
            }

            var x = v.AsUInt64() + (vp & Vector256.LessThan(v, Vector256<long>.Zero).AsUInt64()); // v or v + p, in [0, p)
            if (accumulate)
            {
                x = Internal.Ntt.ReduceOnce(x + Vector256.LoadUnsafe(ref rr, (nuint)j), vp);
            }

            x.StoreUnsafe(ref rr, (nuint)j);
        }

        return j;
    }

    /// <summary>r = a + b mod p, per residue (inputs in [0, p)).</summary>
    internal void AddLimb(Span<ulong> a, Span<ulong> b, Span<ulong> r, ulong p) => CombineLimb<AddResidues>(a, b, r, p);

    /// <summary>r = a − b mod p, per residue, as a + (p − b) (inputs in [0, p)).</summary>
    internal void SubtractLimb(Span<ulong> a, Span<ulong> b, Span<ulong> r, ulong p) => CombineLimb<SubtractResidues>(a, b, r, p);

    /// <summary>
    /// r = TOp(a, b) reduced once into [0, p): TOp gives a value in [0, 2p) for a, b in [0, p). One loop for addition and
    /// subtraction; the JIT compiles each struct instantiation separately, so each runs its own specialised loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CombineLimb<TOp>(Span<ulong> a, Span<ulong> b, Span<ulong> r, ulong p)
        where TOp : struct, IResidueCombination
    {
        int j = 0;
        ref ulong ra = ref MemoryMarshal.GetReference(a);
        ref ulong rb = ref MemoryMarshal.GetReference(b);
        ref ulong rr = ref MemoryMarshal.GetReference(r);
        if (Simd == SimdMode.Vector512)
        {
            var vp = Vector512.Create(p);
            for (; j + 8 <= a.Length; j += 8)
            {
                var s = TOp.Combine(Vector512.LoadUnsafe(ref ra, (nuint)j), Vector512.LoadUnsafe(ref rb, (nuint)j), vp);
                Internal.Ntt.ReduceOnce(s, vp).StoreUnsafe(ref rr, (nuint)j);
            }
        }
        else if (Simd == SimdMode.Vector256)
        {
            var vp = Vector256.Create(p);
            for (; j + 4 <= a.Length; j += 4)
            {
                var s = TOp.Combine(Vector256.LoadUnsafe(ref ra, (nuint)j), Vector256.LoadUnsafe(ref rb, (nuint)j), vp);
                Internal.Ntt.ReduceOnce(s, vp).StoreUnsafe(ref rr, (nuint)j);
            }
        }

        for (; j < a.Length; j++)
        {
            ulong s = TOp.Combine(Unsafe.Add(ref ra, j), Unsafe.Add(ref rb, j), p);
            Unsafe.Add(ref rr, j) = Modulus.SubtractIfAtLeast(s, p);
        }
    }

    /// <summary>r = a ⊙ b mod p with b's Shoup companions.</summary>
    internal void MulShoupLimb(Span<ulong> a, Span<ulong> b, Span<ulong> bs, Span<ulong> r, ulong p) => MulShoupLimb<StoreProduct>(a, b, bs, r, p);

    /// <summary>
    /// q = a ⊙ b mod p with b's Shoup companions, then r = q (<see cref="StoreProduct"/>) or r = r − q mod p
    /// (<see cref="SubtractProduct"/>, one pass instead of a product buffer and a subtraction). The JIT compiles each
    /// struct instantiation separately, so the store variant never reads r.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void MulShoupLimb<TOut>(Span<ulong> a, Span<ulong> b, Span<ulong> bs, Span<ulong> r, ulong p)
        where TOut : struct, IShoupOutput
    {
        int j = 0;
        ref ulong ra = ref MemoryMarshal.GetReference(a);
        ref ulong rb = ref MemoryMarshal.GetReference(b);
        ref ulong rbs = ref MemoryMarshal.GetReference(bs);
        ref ulong rr = ref MemoryMarshal.GetReference(r);
        if (Simd == SimdMode.Vector512)
        {
            var vp = Vector512.Create(p);
            for (; j + 8 <= a.Length; j += 8)
            {
                var x = Vector512.LoadUnsafe(ref ra, (nuint)j);
                var w = Vector512.LoadUnsafe(ref rb, (nuint)j);
                var ws = Vector512.LoadUnsafe(ref rbs, (nuint)j);
                var q = Internal.Ntt.ReduceOnce((x * w) - (Internal.Ntt.MulHi(x, ws, Vector512.ShiftRightLogical(ws, 32)) * vp), vp);
                if (TOut.SubtractsFromResult)
                {
                    q = Internal.Ntt.ReduceOnce(Vector512.LoadUnsafe(ref rr, (nuint)j) + vp - q, vp);
                }

                q.StoreUnsafe(ref rr, (nuint)j);
            }
        }
        else if (Simd == SimdMode.Vector256)
        {
            var vp = Vector256.Create(p);
            for (; j + 4 <= a.Length; j += 4)
            {
                var x = Vector256.LoadUnsafe(ref ra, (nuint)j);
                var w = Vector256.LoadUnsafe(ref rb, (nuint)j);
                var ws = Vector256.LoadUnsafe(ref rbs, (nuint)j);
                var q = Internal.Ntt.ReduceOnce((x * w) - (Internal.Ntt.MulHi(x, ws, Vector256.ShiftRightLogical(ws, 32)) * vp), vp);
                if (TOut.SubtractsFromResult)
                {
                    q = Internal.Ntt.ReduceOnce(Vector256.LoadUnsafe(ref rr, (nuint)j) + vp - q, vp);
                }

                q.StoreUnsafe(ref rr, (nuint)j);
            }
        }

        for (; j < a.Length; j++)
        {
            ulong q = Modulus.SubtractIfAtLeast(Modulus.MultiplyShoupLazy(Unsafe.Add(ref ra, j), Unsafe.Add(ref rb, j), Unsafe.Add(ref rbs, j), p), p);
            Unsafe.Add(ref rr, j) = TOut.SubtractsFromResult ? Modulus.SubtractIfAtLeast(Unsafe.Add(ref rr, j) + p - q, p) : q;
        }
    }
}

/// <summary>What <see cref="RingQ.MulShoupLimb{TOut}"/> does with the product: store it, or subtract it from the result.</summary>
internal interface IShoupOutput
{
    static abstract bool SubtractsFromResult { get; }
}

/// <summary>r = a ⊙ b.</summary>
internal readonly struct StoreProduct : IShoupOutput
{
    public static bool SubtractsFromResult => false;
}

/// <summary>r = r − a ⊙ b.</summary>
internal readonly struct SubtractProduct : IShoupOutput
{
    public static bool SubtractsFromResult => true;
}

/// <summary>A residue-wise combination of two values in [0, p) into [0, 2p) (then reduced once by the caller).</summary>
internal interface IResidueCombination
{
    static abstract Vector512<ulong> Combine(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> p);

    static abstract Vector256<ulong> Combine(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> p);

    static abstract ulong Combine(ulong a, ulong b, ulong p);
}

/// <summary>a + b.</summary>
internal readonly struct AddResidues : IResidueCombination
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Combine(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> p) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Combine(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> p) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Combine(ulong a, ulong b, ulong p) => a + b;
}

/// <summary>a + (p − b).</summary>
internal readonly struct SubtractResidues : IResidueCombination
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Combine(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> p) => a + p - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Combine(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> p) => a + p - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Combine(ulong a, ulong b, ulong p) => a + p - b;
}
