using System.Runtime.CompilerServices;

namespace SecAgg.Crypto.Ring;

/// <summary>
/// A word-sized prime modulus p (2 &lt; p &lt; 2^61) with the precomputed constants for Barrett and Shoup
/// modular arithmetic. All inputs to the arithmetic methods must already be reduced (in [0, p)) unless a method
/// says otherwise.
/// </summary>
/// <remarks>
/// Barrett: with μ = floor(2^128 / p), a 128-bit x &lt; p^2 reduces as x − floor(x·μ / 2^128)·p, followed by at
/// most two conditional subtractions. Shoup: for a fixed multiplicand w, w' = floor(w·2^64 / p) gives
/// x·w mod p = x·w − floor(x·w' / 2^64)·p ∈ [0, 2p) for any 64-bit x (Harvey's lazy form).
/// The bound p &lt; 2^61 leaves room for lazy values in [0, 4p) inside 64-bit words.
/// </remarks>
public readonly struct Modulus : IEquatable<Modulus>
{
    /// <summary>The largest bit length a modulus may have (4p must fit a 64-bit word with one bit to spare).</summary>
    public const int MaxBitLength = 61;

    /// <summary>Creates the modulus p; p must be in (2, 2^61).</summary>
    /// <exception cref="ArgumentOutOfRangeException">p is out of range.</exception>
    public Modulus(ulong value)
    {
        if (value < 3 || value >= 1UL << MaxBitLength)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"A modulus must be in [3, 2^{MaxBitLength}).");
        }

        Value = value;
        BitLength = 64 - System.Numerics.BitOperations.LeadingZeroCount(value);
        UInt128 mu = UInt128.MaxValue / value; // floor((2^128 - 1)/p) == floor(2^128/p) since p is not a power of two
        BarrettHi = (ulong)(mu >> 64);
        BarrettLo = (ulong)mu;
    }

    /// <summary>The modulus p.</summary>
    public ulong Value { get; }

    /// <summary>ceil(log2(p + 1)): the number of bits a reduced residue needs.</summary>
    public int BitLength { get; }

    /// <summary>High word of floor(2^128 / p).</summary>
    internal ulong BarrettHi { get; }

    /// <summary>Low word of floor(2^128 / p).</summary>
    internal ulong BarrettLo { get; }

    /// <summary>Reduces a 64-bit value mod p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce(ulong x) => Reduce128(0, x);

    /// <summary>Reduces a 128-bit value mod p (Barrett). Exact for every 128-bit input below 2^128.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce(UInt128 x) => Reduce128((ulong)(x >> 64), (ulong)x);

    /// <summary>Barrett reduction of hi·2^64 + lo.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong Reduce128(ulong hi, ulong lo)
    {
        // q = floor((hi·2^64 + lo)·(mh·2^64 + ml) / 2^128), computed up to an error of at most 2.
        ulong mh = BarrettHi, ml = BarrettLo;
        ulong carry = Math.BigMul(lo, ml, out _);
        ulong a1 = Math.BigMul(lo, mh, out ulong a0);
        ulong b1 = Math.BigMul(hi, ml, out ulong b0);
        ulong mid = a0 + carry;
        ulong c = mid < a0 ? 1UL : 0UL;
        ulong mid2 = mid + b0;
        c += mid2 < mid ? 1UL : 0UL;
        ulong q = hi * mh + a1 + b1 + c;
        ulong r = lo - q * Value;
        // The estimate is at most 3 below the true quotient for x < 2^128: finish with conditional subtractions.
        ulong p = Value;
        r = SubtractIfAtLeast(r, p);
        r = SubtractIfAtLeast(r, p);
        return SubtractIfAtLeast(r, p);
    }

    /// <summary>(a + b) mod p for reduced a, b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Add(ulong a, ulong b)
    {
        return SubtractIfAtLeast(a + b, Value);
    }

    /// <summary>(a − b) mod p for reduced a, b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Subtract(ulong a, ulong b)
    {
        ulong d = a - b;
        return d + (Value & (ulong)((long)d >> 63));
    }

    /// <summary>(−a) mod p for reduced a.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Negate(ulong a) => a == 0 ? 0 : Value - a;

    /// <summary>(a · b) mod p for reduced a, b (Barrett on the 128-bit product).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Multiply(ulong a, ulong b)
    {
        ulong hi = Math.BigMul(a, b, out ulong lo);
        return Reduce128(hi, lo);
    }

    /// <summary>The Shoup companion w' = floor(w·2^64 / p) of a reduced multiplicand w.</summary>
    /// <remarks>
    /// For w &lt; p without a 128-bit division (a software long division in .NET, tens of ns; a key's companions are
    /// n·L of them): with μ = floor(2^128/p) = μ_h·2^64 + μ_l, the estimate e = floor(w·μ / 2^64) = w·μ_h + ⌊w·μ_l / 2^64⌋
    /// is exact integer arithmetic and w·2^64/p − 1 &lt; w·μ/2^64 ≤ w·2^64/p (as 0 ≤ 2^128/p − μ &lt; 1 and w &lt; 2^64), so
    /// e is w' or w' − 1; the remainder w·2^64 − e·p (below 2p &lt; 2^62, hence exact in 64 bits) decides which.
    /// Other w (not reduced) keep the division.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ShoupPrecompute(ulong w)
    {
        ulong p = Value;
        if (w >= p)
        {
            return (ulong)(((UInt128)w << 64) / p);
        }

        ulong e = (w * BarrettHi) + Math.BigMul(w, BarrettLo, out _);
        ulong remainder = 0UL - (e * p); // w·2^64 − e·p mod 2^64, the true remainder (< 2p)
        return e + (remainder >= p ? 1UL : 0UL);
    }

    /// <summary>x·w mod p in [0, 2p) for any 64-bit x, given w' = <see cref="ShoupPrecompute"/>(w).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MultiplyShoupLazy(ulong x, ulong w, ulong wShoup, ulong p)
    {
        ulong q = Math.BigMul(x, wShoup, out _);
        return x * w - q * p;
    }

    /// <summary>x·w mod p in [0, p) for any 64-bit x, given w' = <see cref="ShoupPrecompute"/>(w).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong MultiplyShoup(ulong x, ulong w, ulong wShoup)
    {
        return SubtractIfAtLeast(MultiplyShoupLazy(x, w, wShoup, Value), Value);
    }

    /// <summary>x − m when x ≥ m, else x; branch-free (random residues make branches unpredictable).
    /// Requires m &lt; 2^63 and x &lt; m + 2^63.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SubtractIfAtLeast(ulong x, ulong m)
    {
        ulong d = x - m;
        return d + (m & (ulong)((long)d >> 63));
    }

    /// <summary>a^e mod p.</summary>
    public ulong Pow(ulong a, ulong e)
    {
        ulong result = 1 % Value;
        ulong b = Reduce(a);
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                result = Multiply(result, b);
            }

            b = Multiply(b, b);
            e >>= 1;
        }

        return result;
    }

    /// <summary>a^−1 mod p (p prime, a ≠ 0 mod p).</summary>
    /// <exception cref="ArgumentException">a is 0 mod p.</exception>
    public ulong Inverse(ulong a)
    {
        if (Reduce(a) == 0)
        {
            throw new ArgumentException("Zero has no inverse modulo p.", nameof(a));
        }

        return Pow(a, Value - 2);
    }

    /// <summary>Reduces a signed value mod p into [0, p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReduceSigned(long x)
    {
        if (x >= 0)
        {
            return Reduce((ulong)x);
        }

        ulong r = Reduce((ulong)(-(x + 1)) + 1UL); // |x| without overflow at long.MinValue
        return r == 0 ? 0 : Value - r;
    }

    /// <inheritdoc />
    public bool Equals(Modulus other) => Value == other.Value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Modulus m && Equals(m);

    /// <inheritdoc />
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Equality of the modulus values.</summary>
    public static bool operator ==(Modulus left, Modulus right) => left.Equals(right);

    /// <summary>Inequality of the modulus values.</summary>
    public static bool operator !=(Modulus left, Modulus right) => !left.Equals(right);
}
