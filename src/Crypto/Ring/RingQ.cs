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
        : this(n, primes, simd, pinnedDegree: 0)
    {
    }

    /// <summary>As the public constructor, with the instruction set and, when <paramref name="pinnedDegree"/> ≥ 1,
    /// the exact number of threads every multi-limb operation uses (thresholds and <see cref="RingParallelism"/>
    /// ignored; tests compare 1 against several).</summary>
    internal RingQ(int n, IReadOnlyList<ulong> primes, SimdMode simd, int pinnedDegree)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pinnedDegree);
        _pinnedDegree = pinnedDegree;
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
    // Every operation below runs its limbs through ForEachLimb (RingQ.Parallel.cs): in parallel for large
    // polynomials, with the same per-limb kernel (RingQ.Kernels.cs) either way, so results are bit-identical.

    /// <summary>result = a + b (mod q), in whichever domain a and b share.</summary>
    public void Add(Poly a, Poly b, Poly result)
    {
        CheckSameDomain(a, b, result);
        ForEachLimb(a.LimbCount, ntt: false, new LimbArgs(this, a, b, null, result), static (x, l) =>
            x.Ring.AddLimb(x.A.Limb(l), x.B!.Limb(l), x.Result.Limb(l), x.Ring._moduli[l].Value));
        result.IsNtt = a.IsNtt;
    }

    /// <summary>result = a − b (mod q), in whichever domain a and b share.</summary>
    public void Subtract(Poly a, Poly b, Poly result)
    {
        CheckSameDomain(a, b, result);
        ForEachLimb(a.LimbCount, ntt: false, new LimbArgs(this, a, b, null, result), static (x, l) =>
            x.Ring.SubtractLimb(x.A.Limb(l), x.B!.Limb(l), x.Result.Limb(l), x.Ring._moduli[l].Value));
        result.IsNtt = a.IsNtt;
    }

    /// <summary>result = −a (mod q).</summary>
    public void Negate(Poly a, Poly result)
    {
        CheckShape(a, result);
        ForEachLimb(a.LimbCount, ntt: false, new LimbArgs(this, a, null, null, result), static (x, l) =>
            NegateLimb(x.A.Limb(l), x.Result.Limb(l), x.Ring._moduli[l].Value));
        result.IsNtt = a.IsNtt;
    }

    /// <summary>result = a ⊙ b, the coefficient-wise product; with both in NTT form this is the ring product.</summary>
    /// <exception cref="ArgumentException">An operand is not in NTT form.</exception>
    public void MultiplyCoefficients(Poly a, Poly b, Poly result)
    {
        CheckNtt(a, b, result);
        ForEachLimb(a.LimbCount, ntt: false, new LimbArgs(this, a, b, null, result), static (x, l) =>
            MultiplyLimb(x.A.Limb(l), x.B!.Limb(l), x.Result.Limb(l), x.Ring._moduli[l]));
        result.IsNtt = true;
    }

    /// <summary>result += a ⊙ b (NTT form).</summary>
    /// <exception cref="ArgumentException">An operand is not in NTT form.</exception>
    public void MultiplyCoefficientsThenAdd(Poly a, Poly b, Poly result)
    {
        CheckNtt(a, b, result);
        if (!result.IsNtt)
        {
            throw new ArgumentException("The accumulator must be in NTT form.", nameof(result));
        }

        ForEachLimb(a.LimbCount, ntt: false, new LimbArgs(this, a, b, null, result), static (x, l) =>
            MultiplyAddLimb(x.A.Limb(l), x.B!.Limb(l), x.Result.Limb(l), x.Ring._moduli[l]));
    }

    /// <summary>result = a ⊙ b where <paramref name="bShoup"/> holds the Shoup companions of b (see
    /// <see cref="ComputeShoup(Poly)"/>): faster when b is reused (public keys, secret keys).</summary>
    public void MultiplyCoefficientsShoup(Poly a, Poly b, Poly bShoup, Poly result)
    {
        CheckNtt(a, b, result);
        CheckShape(b, bShoup);
        ForEachLimb(a.LimbCount, ntt: false, new LimbArgs(this, a, b, bShoup, result), static (x, l) =>
            x.Ring.MulShoupLimb(x.A.Limb(l), x.B!.Limb(l), x.C!.Limb(l), x.Result.Limb(l), x.Ring._moduli[l].Value));
        result.IsNtt = true;
    }

    /// <summary>Returns the Shoup companions floor(b_j·2^64 / p) of every residue of b (reduced, as every polynomial of
    /// the ring is: a companion of a residue ≥ p would not fit 64 bits).</summary>
    public Poly ComputeShoup(Poly b)
    {
        ArgumentNullException.ThrowIfNull(b);
        CheckLimbs(b);
        var r = new Poly(N, b.LimbCount) { IsNtt = b.IsNtt };
        ComputeShoup(b, r);
        return r;
    }

    /// <summary><see cref="ComputeShoup(Poly)"/> into <paramref name="result"/> (same shape as <paramref name="b"/>, overwritten).</summary>
    internal void ComputeShoup(Poly b, Poly result)
    {
        CheckLimbs(b);
        result.IsNtt = b.IsNtt;
        ForEachLimb(b.LimbCount, ntt: false, new LimbArgs(this, b, null, null, result), static (x, l) =>
            x.Ring.ShoupLimb(x.A.Limb(l), x.Result.Limb(l), x.Ring._moduli[l]));
    }

    /// <summary>result = c·a for an integer scalar c (reduced into each limb).</summary>
    public void MultiplyScalar(Poly a, ulong scalar, Poly result)
    {
        CheckShape(a, result);
        ForEachLimb(a.LimbCount, ntt: false, new LimbArgs(this, a, null, null, result, scalar), static (x, l) =>
            ScalarLimb(x.A.Limb(l), x.Scalar, x.Result.Limb(l), x.Ring._moduli[l]));
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

        ForEachLimb(a.LimbCount, ntt: true, new LimbArgs(this, a, null, null, result), static (x, l) =>
        {
            if (!ReferenceEquals(x.A, x.Result))
            {
                x.A.Limb(l).CopyTo(x.Result.Limb(l));
            }

            Internal.Ntt.Forward(x.Result.Limb(l), x.Ring._tables[l], x.Ring.Simd);
        });
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

        ForEachLimb(a.LimbCount, ntt: true, new LimbArgs(this, a, null, null, result), static (x, l) =>
        {
            if (!ReferenceEquals(x.A, x.Result))
            {
                x.A.Limb(l).CopyTo(x.Result.Limb(l));
            }

            Internal.Ntt.Inverse(x.Result.Limb(l), x.Ring._tables[l], x.Ring.Simd);
        });
        result.IsNtt = false;
    }

    /// <summary>result += values (a signed integer polynomial of length n, reduced into every limb; coefficient form).</summary>
    public void AddSigned(ReadOnlySpan<long> values, Poly result) => LiftSigned(values, result, accumulate: true);

    /// <summary>Reduces the signed values into every limb of <paramref name="result"/>, adding them to it when
    /// <paramref name="accumulate"/>, else overwriting it. Shared by <see cref="SetSigned"/> and <see cref="AddSigned"/>.</summary>
    private unsafe void LiftSigned(ReadOnlySpan<long> values, Poly result, bool accumulate)
    {
        ArgumentNullException.ThrowIfNull(result);
        CheckLimbs(result);
        if (values.Length != N)
        {
            throw new ArgumentException($"Expected {N} values, got {values.Length}.", nameof(values));
        }

        // Pinned for the duration of the call: every limb (on whichever thread) finishes before ForEachLimb returns.
        fixed (long* v = values)
        {
            ForEachLimb(result.LimbCount, ntt: false, new LiftArgs(this, v, result, accumulate), static (x, l) =>
                x.Ring.LiftLimb(new ReadOnlySpan<long>(x.Values, x.Ring.N), x.Result.Limb(l), x.Ring._moduli[l], x.Accumulate));
        }
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
