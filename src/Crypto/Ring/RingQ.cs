using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SecAgg.Crypto.Ring.Internal;

namespace SecAgg.Crypto.Ring;

/// <summary>
/// The ring R_q = Z_q[X]/(X^n + 1) for q = p_0·p_1·…·p_{L−1}, a product of distinct NTT-friendly primes
/// (p_i ≡ 1 mod 2n), in RNS representation. A <see cref="Poly"/> with ℓ limbs lives in R_{q_ℓ},
/// q_ℓ = p_0·…·p_{ℓ−1}; every binary operation requires both operands and the result to have the same number of
/// limbs. Results may alias operands. Immutable and thread-safe; polynomials are not.
/// </summary>
public sealed partial class RingQ
{
    private readonly Modulus[] _moduli;
    private readonly NttTables[] _tables;
    private readonly BigInteger[] _modulusAtLevel;

    /// <summary>Builds the ring for degree <paramref name="n"/> (a power of two in [2, 2^17]) and the given primes.</summary>
    /// <exception cref="ArgumentException">n is not a power of two, a prime is not prime or not 1 mod 2n, or primes repeat.</exception>
    public RingQ(int n, IReadOnlyList<ulong> primes)
        : this(n, primes, SimdMode.Auto)
    {
    }

    internal RingQ(int n, IReadOnlyList<ulong> primes, SimdMode simd)
    {
        ArgumentNullException.ThrowIfNull(primes);
        if (n < 2 || n > (1 << 17) || (n & (n - 1)) != 0)
        {
            throw new ArgumentException($"The ring degree must be a power of two in [2, 2^17], got {n}.", nameof(n));
        }

        if (primes.Count == 0)
        {
            throw new ArgumentException("At least one prime is required.", nameof(primes));
        }

        if (primes.Distinct().Count() != primes.Count)
        {
            throw new ArgumentException("The primes must be distinct.", nameof(primes));
        }

        N = n;
        Simd = SimdModes.Resolve(simd);
        _moduli = new Modulus[primes.Count];
        _tables = new NttTables[primes.Count];
        _modulusAtLevel = new BigInteger[primes.Count + 1];
        _modulusAtLevel[0] = BigInteger.One;
        for (int i = 0; i < primes.Count; i++)
        {
            ulong p = primes[i];
            if (p >= 1UL << Modulus.MaxBitLength || !NttPrimes.IsPrime(p) || (p - 1) % (2UL * (ulong)n) != 0)
            {
                throw new ArgumentException(
                    $"Modulus {p} must be a prime below 2^{Modulus.MaxBitLength} congruent to 1 mod 2n = {2 * n}.",
                    nameof(primes));
            }

            _moduli[i] = new Modulus(p);
            _tables[i] = new NttTables(_moduli[i], n);
            _modulusAtLevel[i + 1] = _modulusAtLevel[i] * p;
        }
    }

    /// <summary>The ring degree n.</summary>
    public int N { get; }

    /// <summary>The RNS primes, in limb order.</summary>
    public IReadOnlyList<Modulus> Moduli => _moduli;

    /// <summary>The number of primes, i.e. the most limbs a polynomial of this ring can have.</summary>
    public int MaxLimbCount => _moduli.Length;

    internal SimdMode Simd { get; }

    internal NttTables Tables(int limb) => _tables[limb];

    /// <summary>q_ℓ = p_0·…·p_{ℓ−1} for ℓ = <paramref name="limbCount"/>.</summary>
    public BigInteger ModulusAt(int limbCount)
    {
        if (limbCount < 1 || limbCount > MaxLimbCount)
        {
            throw new ArgumentOutOfRangeException(nameof(limbCount), limbCount, $"Must be in [1, {MaxLimbCount}].");
        }

        return _modulusAtLevel[limbCount];
    }

    /// <summary>Allocates a zero polynomial with <paramref name="limbCount"/> limbs (all limbs by default).</summary>
    public Poly NewPoly(int limbCount = 0)
    {
        if (limbCount == 0)
        {
            limbCount = MaxLimbCount;
        }

        if (limbCount < 1 || limbCount > MaxLimbCount)
        {
            throw new ArgumentOutOfRangeException(nameof(limbCount), limbCount, $"Must be in [1, {MaxLimbCount}].");
        }

        return new Poly(N, limbCount);
    }

    // ------------------------------------------------------------------ element-wise operations

    /// <summary>result = a + b (mod q), in whichever domain a and b share.</summary>
    public void Add(Poly a, Poly b, Poly result)
    {
        CheckSameDomain(a, b, result);
        for (int l = 0; l < a.LimbCount; l++)
        {
            AddLimb(a.Limb(l), b.Limb(l), result.Limb(l), _moduli[l].Value);
        }

        result.IsNtt = a.IsNtt;
    }

    /// <summary>result = a − b (mod q), in whichever domain a and b share.</summary>
    public void Subtract(Poly a, Poly b, Poly result)
    {
        CheckSameDomain(a, b, result);
        for (int l = 0; l < a.LimbCount; l++)
        {
            SubtractLimb(a.Limb(l), b.Limb(l), result.Limb(l), _moduli[l].Value);
        }

        result.IsNtt = a.IsNtt;
    }

    /// <summary>result = −a (mod q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Negate(Poly a, Poly result)
    {
        CheckShape(a, result);
        for (int l = 0; l < a.LimbCount; l++)
        {
            ulong p = _moduli[l].Value;
            Span<ulong> x = a.Limb(l), r = result.Limb(l);
            for (int j = 0; j < x.Length; j++)
            {
                r[j] = x[j] == 0 ? 0 : p - x[j];
            }
        }

        result.IsNtt = a.IsNtt;
    }

    /// <summary>result = a ⊙ b, the coefficient-wise product; with both in NTT form this is the ring product.</summary>
    /// <exception cref="ArgumentException">An operand is not in NTT form.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void MultiplyCoefficients(Poly a, Poly b, Poly result)
    {
        CheckNtt(a, b, result);
        for (int l = 0; l < a.LimbCount; l++)
        {
            Modulus m = _moduli[l];
            Span<ulong> x = a.Limb(l), y = b.Limb(l), r = result.Limb(l);
            for (int j = 0; j < x.Length; j++)
            {
                r[j] = m.Multiply(x[j], y[j]);
            }
        }

        result.IsNtt = true;
    }

    /// <summary>result += a ⊙ b (NTT form).</summary>
    /// <exception cref="ArgumentException">An operand is not in NTT form.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void MultiplyCoefficientsThenAdd(Poly a, Poly b, Poly result)
    {
        CheckNtt(a, b, result);
        if (!result.IsNtt)
        {
            throw new ArgumentException("The accumulator must be in NTT form.", nameof(result));
        }

        for (int l = 0; l < a.LimbCount; l++)
        {
            Modulus m = _moduli[l];
            Span<ulong> x = a.Limb(l), y = b.Limb(l), r = result.Limb(l);
            for (int j = 0; j < x.Length; j++)
            {
                r[j] = m.Add(r[j], m.Multiply(x[j], y[j]));
            }
        }
    }

    /// <summary>result = a ⊙ b where <paramref name="bShoup"/> holds the Shoup companions of b (see
    /// <see cref="ComputeShoup"/>): faster when b is reused (public keys, secret keys).</summary>
    public void MultiplyCoefficientsShoup(Poly a, Poly b, Poly bShoup, Poly result)
    {
        CheckNtt(a, b, result);
        CheckShape(b, bShoup);
        for (int l = 0; l < a.LimbCount; l++)
        {
            MulShoupLimb(a.Limb(l), b.Limb(l), bShoup.Limb(l), result.Limb(l), _moduli[l].Value);
        }

        result.IsNtt = true;
    }

    /// <summary>Returns the Shoup companions floor(b_j·2^64 / p) of every residue of b.</summary>
    public Poly ComputeShoup(Poly b)
    {
        ArgumentNullException.ThrowIfNull(b);
        CheckLimbs(b);
        var r = new Poly(N, b.LimbCount) { IsNtt = b.IsNtt };
        for (int l = 0; l < b.LimbCount; l++)
        {
            Modulus m = _moduli[l];
            Span<ulong> x = b.Limb(l), y = r.Limb(l);
            for (int j = 0; j < x.Length; j++)
            {
                y[j] = m.ShoupPrecompute(x[j]);
            }
        }

        return r;
    }

    /// <summary>result = c·a for an integer scalar c (reduced into each limb).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void MultiplyScalar(Poly a, ulong scalar, Poly result)
    {
        CheckShape(a, result);
        for (int l = 0; l < a.LimbCount; l++)
        {
            Modulus m = _moduli[l];
            ulong c = m.Reduce(scalar);
            ulong cs = m.ShoupPrecompute(c);
            Span<ulong> x = a.Limb(l), r = result.Limb(l);
            for (int j = 0; j < x.Length; j++)
            {
                r[j] = m.MultiplyShoup(x[j], c, cs);
            }
        }

        result.IsNtt = a.IsNtt;
    }

    // ------------------------------------------------------------------ NTT

    /// <summary>result = NTT(a): coefficients to evaluations (negacyclic, bit-reversed order).</summary>
    /// <exception cref="ArgumentException">a is already in NTT form.</exception>
    public void Ntt(Poly a, Poly result)
    {
        CheckShape(a, result);
        if (a.IsNtt)
        {
            throw new ArgumentException("The polynomial is already in NTT form.", nameof(a));
        }

        for (int l = 0; l < a.LimbCount; l++)
        {
            if (!ReferenceEquals(a, result))
            {
                a.Limb(l).CopyTo(result.Limb(l));
            }

            Internal.Ntt.Forward(result.Limb(l), _tables[l], Simd);
        }

        result.IsNtt = true;
    }

    /// <summary>result = NTT^−1(a): evaluations back to coefficients.</summary>
    /// <exception cref="ArgumentException">a is not in NTT form.</exception>
    public void InverseNtt(Poly a, Poly result)
    {
        CheckShape(a, result);
        if (!a.IsNtt)
        {
            throw new ArgumentException("The polynomial is not in NTT form.", nameof(a));
        }

        for (int l = 0; l < a.LimbCount; l++)
        {
            if (!ReferenceEquals(a, result))
            {
                a.Limb(l).CopyTo(result.Limb(l));
            }

            Internal.Ntt.Inverse(result.Limb(l), _tables[l], Simd);
        }

        result.IsNtt = false;
    }

    /// <summary>result += values (a signed integer polynomial of length n, reduced into every limb; coefficient form).</summary>
    public void AddSigned(ReadOnlySpan<long> values, Poly result) => LiftSigned(values, result, accumulate: true);

    /// <summary>Reduces the signed values into every limb of <paramref name="result"/>, adding them to it when
    /// <paramref name="accumulate"/>, else overwriting it. Shared by <see cref="SetSigned"/> and <see cref="AddSigned"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LiftSigned(ReadOnlySpan<long> values, Poly result, bool accumulate)
    {
        ArgumentNullException.ThrowIfNull(result);
        CheckLimbs(result);
        if (values.Length != N)
        {
            throw new ArgumentException($"Expected {N} values, got {values.Length}.", nameof(values));
        }

        for (int l = 0; l < result.LimbCount; l++)
        {
            Modulus m = _moduli[l];
            ulong p = m.Value;
            Span<ulong> r = result.Limb(l);
            int start = LiftSmallVector(values, r, p, accumulate);
            for (int j = start; j < values.Length; j++)
            {
                long v = values[j];
                // Fast path for |v| < p, which covers every small sampler.
                ulong x = v >= 0 ? ((ulong)v < p ? (ulong)v : m.Reduce((ulong)v)) : m.ReduceSigned(v);
                r[j] = accumulate ? Modulus.SubtractIfAtLeast(r[j] + x, p) : x;
            }
        }
    }

    /// <summary>Vector path of SetSigned/AddSigned: handles 8-lane chunks whose values all satisfy |v| &lt; p and
    /// returns the index where it stopped (the scalar loop finishes from there).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int LiftSmallVector(ReadOnlySpan<long> values, Span<ulong> r, ulong p, bool accumulate)
    {
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

    // ------------------------------------------------------------------ conversions

    /// <summary>Writes the small signed integer polynomial <paramref name="values"/> (length n) into every limb of
    /// <paramref name="result"/>, in coefficient form.</summary>
    public void SetSigned(ReadOnlySpan<long> values, Poly result)
    {
        LiftSigned(values, result, accumulate: false);
        result.IsNtt = false;
    }

    /// <summary>Reconstructs the coefficients of a (coefficient form) as integers in [0, q_ℓ) by the CRT,
    /// or in (−q_ℓ/2, q_ℓ/2] when <paramref name="centered"/>. Slow; for tests and diagnostics.</summary>
    public BigInteger[] ToBigIntegers(Poly a, bool centered = false)
    {
        ArgumentNullException.ThrowIfNull(a);
        CheckLimbs(a);
        if (a.IsNtt)
        {
            throw new ArgumentException("Convert out of NTT form first.", nameof(a));
        }

        int limbs = a.LimbCount;
        BigInteger q = _modulusAtLevel[limbs];
        var basis = new BigInteger[limbs];
        for (int l = 0; l < limbs; l++)
        {
            BigInteger qHat = q / _moduli[l].Value;
            BigInteger inv = BigInteger.ModPow(qHat % _moduli[l].Value, _moduli[l].Value - 2, _moduli[l].Value);
            basis[l] = qHat * inv % q;
        }

        var result = new BigInteger[N];
        for (int j = 0; j < N; j++)
        {
            BigInteger x = BigInteger.Zero;
            for (int l = 0; l < limbs; l++)
            {
                x += basis[l] * a.Limb(l)[j];
            }

            x %= q;
            if (centered && x > q / 2)
            {
                x -= q;
            }

            result[j] = x;
        }

        return result;
    }

    /// <summary>Sets a (coefficient form, <paramref name="limbCount"/> limbs) from arbitrary integers, reduced mod q_ℓ.</summary>
    public Poly FromBigIntegers(ReadOnlySpan<BigInteger> values, int limbCount)
    {
        if (values.Length != N)
        {
            throw new ArgumentException($"Expected {N} values, got {values.Length}.", nameof(values));
        }

        Poly r = NewPoly(limbCount);
        for (int l = 0; l < limbCount; l++)
        {
            ulong p = _moduli[l].Value;
            Span<ulong> row = r.Limb(l);
            for (int j = 0; j < N; j++)
            {
                BigInteger x = values[j] % p;
                if (x.Sign < 0)
                {
                    x += p;
                }

                row[j] = (ulong)x;
            }
        }

        return r;
    }

    // ------------------------------------------------------------------ kernels

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void AddLimb(Span<ulong> a, Span<ulong> b, Span<ulong> r, ulong p)
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
                var s = Vector512.LoadUnsafe(ref ra, (nuint)j) + Vector512.LoadUnsafe(ref rb, (nuint)j);
                Internal.Ntt.ReduceOnce(s, vp).StoreUnsafe(ref rr, (nuint)j);
            }
        }
        else if (Simd == SimdMode.Vector256)
        {
            var vp = Vector256.Create(p);
            for (; j + 4 <= a.Length; j += 4)
            {
                var s = Vector256.LoadUnsafe(ref ra, (nuint)j) + Vector256.LoadUnsafe(ref rb, (nuint)j);
                Internal.Ntt.ReduceOnce(s, vp).StoreUnsafe(ref rr, (nuint)j);
            }
        }

        for (; j < a.Length; j++)
        {
            ulong s = Unsafe.Add(ref ra, j) + Unsafe.Add(ref rb, j);
            Unsafe.Add(ref rr, j) = Modulus.SubtractIfAtLeast(s, p);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void SubtractLimb(Span<ulong> a, Span<ulong> b, Span<ulong> r, ulong p)
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
                var s = Vector512.LoadUnsafe(ref ra, (nuint)j) + vp - Vector512.LoadUnsafe(ref rb, (nuint)j);
                Internal.Ntt.ReduceOnce(s, vp).StoreUnsafe(ref rr, (nuint)j);
            }
        }
        else if (Simd == SimdMode.Vector256)
        {
            var vp = Vector256.Create(p);
            for (; j + 4 <= a.Length; j += 4)
            {
                var s = Vector256.LoadUnsafe(ref ra, (nuint)j) + vp - Vector256.LoadUnsafe(ref rb, (nuint)j);
                Internal.Ntt.ReduceOnce(s, vp).StoreUnsafe(ref rr, (nuint)j);
            }
        }

        for (; j < a.Length; j++)
        {
            ulong s = Unsafe.Add(ref ra, j) + p - Unsafe.Add(ref rb, j);
            Unsafe.Add(ref rr, j) = Modulus.SubtractIfAtLeast(s, p);
        }
    }

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
                var x = Vector512.LoadUnsafe(ref ra, (nuint)j);
                var w = Vector512.LoadUnsafe(ref rb, (nuint)j);
                var ws = Vector512.LoadUnsafe(ref rbs, (nuint)j);
                var q = (x * w) - (Internal.Ntt.MulHi(x, ws, Vector512.ShiftRightLogical(ws, 32)) * vp);
                Internal.Ntt.ReduceOnce(q, vp).StoreUnsafe(ref rr, (nuint)j);
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
                var q = (x * w) - (Internal.Ntt.MulHi(x, ws, Vector256.ShiftRightLogical(ws, 32)) * vp);
                Internal.Ntt.ReduceOnce(q, vp).StoreUnsafe(ref rr, (nuint)j);
            }
        }

        for (; j < a.Length; j++)
        {
            ulong q = Modulus.MultiplyShoupLazy(Unsafe.Add(ref ra, j), Unsafe.Add(ref rb, j), Unsafe.Add(ref rbs, j), p);
            Unsafe.Add(ref rr, j) = Modulus.SubtractIfAtLeast(q, p);
        }
    }

    // ------------------------------------------------------------------ checks

    private void CheckLimbs(Poly a)
    {
        if (a.N != N)
        {
            throw new ArgumentException($"The polynomial has degree bound {a.N}, the ring {N}.", nameof(a));
        }

        if (a.LimbCount > MaxLimbCount)
        {
            throw new ArgumentException($"The polynomial has {a.LimbCount} limbs, the ring only {MaxLimbCount}.", nameof(a));
        }
    }

    private void CheckShape(Poly a, Poly result)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(result);
        CheckLimbs(a);
        if (result.N != a.N || result.LimbCount != a.LimbCount)
        {
            throw new ArgumentException(
                $"Shape mismatch: operand has {a.LimbCount} limbs, result {result.LimbCount}.", nameof(result));
        }
    }

    private void CheckSameDomain(Poly a, Poly b, Poly result)
    {
        CheckShape(a, result);
        CheckShape(a, b);
        if (a.IsNtt != b.IsNtt)
        {
            throw new ArgumentException("One operand is in NTT form and the other is not.", nameof(b));
        }
    }

    private void CheckNtt(Poly a, Poly b, Poly result)
    {
        CheckShape(a, result);
        CheckShape(a, b);
        if (!a.IsNtt || !b.IsNtt)
        {
            throw new ArgumentException("Coefficient-wise ring products need both operands in NTT form.",
                a.IsNtt ? nameof(b) : nameof(a));
        }
    }
}
