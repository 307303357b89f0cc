using System.Runtime.CompilerServices;

namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// One word-sized prime modulus p &lt; 2^62 with Barrett (floor(2^128/p)) and Shoup helpers.
/// Local to the multiparty layer until the shared ring layer exposes an equivalent.
/// </summary>
internal sealed class MpModulus
{
    public readonly ulong P;
    public readonly int BitLength;
    private readonly ulong _ratioHi;
    private readonly ulong _ratioLo;

    public MpModulus(ulong p)
    {
        if (p < 3 || p >= (1UL << 62) || (p & 1) == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A modulus must be an odd number in [3, 2^62).");
        }

        P = p;
        BitLength = 64 - System.Numerics.BitOperations.LeadingZeroCount(p);
        UInt128 ratio = UInt128.MaxValue / p; // floor((2^128 - 1)/p) == floor(2^128/p) for odd p
        _ratioHi = (ulong)(ratio >> 64);
        _ratioLo = (ulong)ratio;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Add(ulong a, ulong b)
    {
        ulong s = a + b;
        return s >= P ? s - P : s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Sub(ulong a, ulong b) => a >= b ? a - b : a + P - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Neg(ulong a) => a == 0 ? 0 : P - a;

    /// <summary>Barrett reduction of a 128-bit value x = hi·2^64 + lo (any hi &lt; p·2^2 is fine).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce128(ulong hi, ulong lo)
    {
        // q̂ = floor(x · floor(2^128/p) / 2^128), under-estimates the quotient by at most 3.
        ulong c = Math.BigMul(lo, _ratioLo, out _);
        ulong h1 = Math.BigMul(lo, _ratioHi, out ulong l1);
        ulong h2 = Math.BigMul(hi, _ratioLo, out ulong l2);
        ulong mid = l1 + c;
        ulong carry = mid < c ? 1UL : 0UL;
        ulong mid2 = mid + l2;
        carry += mid2 < l2 ? 1UL : 0UL;
        ulong q = hi * _ratioHi + h1 + h2 + carry;
        ulong r = lo - q * P;
        while (r >= P)
        {
            r -= P;
        }

        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce(ulong a) => a >= P ? Reduce128(0, a) : a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Mul(ulong a, ulong b)
    {
        ulong hi = Math.BigMul(a, b, out ulong lo);
        return Reduce128(hi, lo);
    }

    /// <summary>Shoup precomputation floor(w·2^64/p) for a constant w &lt; p.</summary>
    public ulong ShoupPrecompute(ulong w) => (ulong)(((UInt128)w << 64) / P);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong MulShoup(ulong a, ulong w, ulong wShoup)
    {
        ulong q = Math.BigMul(a, wShoup, out _);
        ulong r = a * w - q * P;
        return r >= P ? r - P : r;
    }

    public ulong Pow(ulong b, ulong e)
    {
        ulong r = 1;
        b = Reduce(b);
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                r = Mul(r, b);
            }

            b = Mul(b, b);
            e >>= 1;
        }

        return r;
    }

    /// <summary>Inverse by Fermat (p prime). Throws for 0.</summary>
    public ulong Inverse(ulong a)
    {
        a = Reduce(a);
        if (a == 0)
        {
            throw new ArgumentException("Zero has no inverse modulo a prime.", nameof(a));
        }

        return Pow(a, P - 2);
    }

    /// <summary>Maps a signed integer to [0, p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong FromSigned(long v)
    {
        if (v >= 0)
        {
            return (ulong)v % P;
        }

        ulong m = (ulong)(-(v + 1)) % P; // -(v) - 1 without overflow
        return P - 1 - m;
    }

    /// <summary>Deterministic Miller-Rabin for all 64-bit integers.</summary>
    public static bool IsPrime(ulong n)
    {
        if (n < 2)
        {
            return false;
        }

        ReadOnlySpan<ulong> small = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
        foreach (ulong sp in small)
        {
            if (n % sp == 0)
            {
                return n == sp;
            }
        }

        ulong d = n - 1;
        int s = 0;
        while ((d & 1) == 0)
        {
            d >>= 1;
            s++;
        }

        foreach (ulong a in small)
        {
            UInt128 x = PowMod128(a, d, n);
            if (x == 1 || x == n - 1)
            {
                continue;
            }

            bool composite = true;
            for (int r = 1; r < s; r++)
            {
                x = x * x % n;
                if (x == n - 1)
                {
                    composite = false;
                    break;
                }
            }

            if (composite)
            {
                return false;
            }
        }

        return true;
    }

    private static UInt128 PowMod128(ulong b, ulong e, ulong n)
    {
        UInt128 r = 1, bb = b % n;
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                r = r * bb % n;
            }

            bb = bb * bb % n;
            e >>= 1;
        }

        return r;
    }

    /// <summary>
    /// The largest primes below 2^bits with p ≡ 1 (mod 2n), skipping any in <paramref name="exclude"/>.
    /// </summary>
    public static ulong[] GenerateNttPrimes(int bits, int ringDegree, int count, IReadOnlyCollection<ulong>? exclude = null)
    {
        if (bits < 20 || bits > 61)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "NTT primes must have between 20 and 61 bits.");
        }

        ulong step = 2UL * (ulong)ringDegree;
        ulong candidate = ((1UL << bits) - 1) / step * step + 1;
        if (candidate >= 1UL << bits)
        {
            candidate -= step;
        }

        var result = new List<ulong>(count);
        while (result.Count < count)
        {
            if (candidate < (1UL << (bits - 1)))
            {
                throw new ArgumentException($"Not enough {bits}-bit NTT primes for ring degree {ringDegree}.", nameof(bits));
            }

            if (IsPrime(candidate) && (exclude is null || !exclude.Contains(candidate)))
            {
                result.Add(candidate);
            }

            candidate -= step;
        }

        return result.ToArray();
    }
}
