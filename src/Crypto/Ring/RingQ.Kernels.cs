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

    /// <summary>y = the Shoup companions floor(x_j·2^64 / p) of reduced residues x (<see cref="Modulus.ShoupPrecompute"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ShoupLimb(Span<ulong> x, Span<ulong> y, Modulus m)
    {
        int j = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        if (Simd == SimdMode.Vector512)
        {
            var c = new ShoupConstants512(m);
            for (; j + 8 <= x.Length; j += 8)
            {
                c.Companion(Vector512.LoadUnsafe(ref rx, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
            }
        }
        else if (Simd == SimdMode.Vector256)
        {
            var c = new ShoupConstants256(m);
            for (; j + 4 <= x.Length; j += 4)
            {
                c.Companion(Vector256.LoadUnsafe(ref rx, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
            }
        }

        for (; j < x.Length; j++)
        {
            Unsafe.Add(ref ry, j) = m.ShoupPrecompute(Unsafe.Add(ref rx, j));
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

    /// <summary>r = a ⊙ b mod p with b's Shoup companions bs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void MulShoupLimb(Span<ulong> a, Span<ulong> b, Span<ulong> bs, Span<ulong> r, ulong p)
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
                ShoupProduct(Vector512.LoadUnsafe(ref ra, (nuint)j), Vector512.LoadUnsafe(ref rb, (nuint)j), Vector512.LoadUnsafe(ref rbs, (nuint)j), vp)
                    .StoreUnsafe(ref rr, (nuint)j);
            }
        }
        else if (Simd == SimdMode.Vector256)
        {
            var vp = Vector256.Create(p);
            for (; j + 4 <= a.Length; j += 4)
            {
                ShoupProduct(Vector256.LoadUnsafe(ref ra, (nuint)j), Vector256.LoadUnsafe(ref rb, (nuint)j), Vector256.LoadUnsafe(ref rbs, (nuint)j), vp)
                    .StoreUnsafe(ref rr, (nuint)j);
            }
        }

        for (; j < a.Length; j++)
        {
            Unsafe.Add(ref rr, j) = Modulus.SubtractIfAtLeast(Modulus.MultiplyShoupLazy(Unsafe.Add(ref ra, j), Unsafe.Add(ref rb, j), Unsafe.Add(ref rbs, j), p), p);
        }
    }

    /// <summary>
    /// r = r − a ⊙ b mod p_l (the masked upload's c0 −= a ⊙ ŝ), with b's Shoup companions made in registers as the
    /// loop goes (<see cref="Modulus.ShoupPrecompute"/>: two products and a correction per residue) instead of read from
    /// a companion polynomial: a fixed b used once per call needs no 8·n·L bytes of companions held beside it. b reduced.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void SubtractProductLimb(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> r, int limb)
    {
        if (a.Length != N || b.Length != N || r.Length != N)
        {
            throw new ArgumentException($"Every operand must hold one limb of {N} residues.");
        }

        Modulus m = _moduli[limb];
        ulong p = m.Value;
        int j = 0;
        ref ulong ra = ref MemoryMarshal.GetReference(a);
        ref ulong rb = ref MemoryMarshal.GetReference(b);
        ref ulong rr = ref MemoryMarshal.GetReference(r);
        if (Simd == SimdMode.Vector512)
        {
            var c = new ShoupConstants512(m);
            for (; j + 8 <= a.Length; j += 8)
            {
                var w = Vector512.LoadUnsafe(ref rb, (nuint)j);
                var q = ShoupProduct(Vector512.LoadUnsafe(ref ra, (nuint)j), w, c.Companion(w), c.P);
                Internal.Ntt.ReduceOnce(Vector512.LoadUnsafe(ref rr, (nuint)j) + c.P - q, c.P).StoreUnsafe(ref rr, (nuint)j);
            }
        }
        else if (Simd == SimdMode.Vector256)
        {
            var c = new ShoupConstants256(m);
            for (; j + 4 <= a.Length; j += 4)
            {
                var w = Vector256.LoadUnsafe(ref rb, (nuint)j);
                var q = ShoupProduct(Vector256.LoadUnsafe(ref ra, (nuint)j), w, c.Companion(w), c.P);
                Internal.Ntt.ReduceOnce(Vector256.LoadUnsafe(ref rr, (nuint)j) + c.P - q, c.P).StoreUnsafe(ref rr, (nuint)j);
            }
        }

        for (; j < a.Length; j++)
        {
            ulong w = Unsafe.Add(ref rb, j);
            ulong q = Modulus.SubtractIfAtLeast(Modulus.MultiplyShoupLazy(Unsafe.Add(ref ra, j), w, m.ShoupPrecompute(w), p), p);
            Unsafe.Add(ref rr, j) = Modulus.SubtractIfAtLeast(Unsafe.Add(ref rr, j) + p - q, p);
        }
    }

    /// <summary>x·w mod p in [0, p) per lane, given w's Shoup companion ws (Harvey: x·w − ⌊x·ws / 2^64⌋·p, then once −p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> ShoupProduct(Vector512<ulong> x, Vector512<ulong> w, Vector512<ulong> ws, Vector512<ulong> p) =>
        Internal.Ntt.ReduceOnce((x * w) - (Internal.Ntt.MulHi(x, ws, Vector512.ShiftRightLogical(ws, 32)) * p), p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> ShoupProduct(Vector256<ulong> x, Vector256<ulong> w, Vector256<ulong> ws, Vector256<ulong> p) =>
        Internal.Ntt.ReduceOnce((x * w) - (Internal.Ntt.MulHi(x, ws, Vector256.ShiftRightLogical(ws, 32)) * p), p);

    /// <summary>
    /// One prime's constants for Shoup companions of whole vectors: <see cref="Modulus.ShoupPrecompute"/> per lane, i.e.
    /// with μ = floor(2^128/p) = μ_h·2^64 + μ_l, e = w·μ_h + ⌊w·μ_l / 2^64⌋ is w' or w' − 1, and the remainder
    /// w·2^64 − e·p = −e·p mod 2^64 (below 2p) is ≥ p exactly when it is w' − 1.
    /// </summary>
    private readonly struct ShoupConstants512(Modulus m)
    {
        public readonly Vector512<ulong> P = Vector512.Create(m.Value);
        private readonly Vector512<ulong> _muHi = Vector512.Create(m.BarrettHi);
        private readonly Vector512<ulong> _muLo = Vector512.Create(m.BarrettLo);
        private readonly Vector512<ulong> _muLoHi = Vector512.Create(m.BarrettLo >> 32);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<ulong> Companion(Vector512<ulong> w)
        {
            Vector512<ulong> e = (w * _muHi) + Internal.Ntt.MulHi(w, _muLo, _muLoHi);
            Vector512<ulong> remainder = Vector512<ulong>.Zero - (e * P);
            return e - Vector512.GreaterThanOrEqual(remainder, P); // a true lane is all ones: e + 1
        }
    }

    /// <summary>The 4-lane twin of <see cref="ShoupConstants512"/>.</summary>
    private readonly struct ShoupConstants256(Modulus m)
    {
        public readonly Vector256<ulong> P = Vector256.Create(m.Value);
        private readonly Vector256<ulong> _muHi = Vector256.Create(m.BarrettHi);
        private readonly Vector256<ulong> _muLo = Vector256.Create(m.BarrettLo);
        private readonly Vector256<ulong> _muLoHi = Vector256.Create(m.BarrettLo >> 32);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<ulong> Companion(Vector256<ulong> w)
        {
            Vector256<ulong> e = (w * _muHi) + Internal.Ntt.MulHi(w, _muLo, _muLoHi);
            Vector256<ulong> remainder = Vector256<ulong>.Zero - (e * P);
            return e - Vector256.GreaterThanOrEqual(remainder, P);
        }
    }
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
