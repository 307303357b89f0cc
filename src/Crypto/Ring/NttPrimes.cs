namespace SecAgg.Crypto.Ring;

/// <summary>
/// Deterministic generation of NTT-friendly primes p ≡ 1 (mod 2n) and a deterministic Miller–Rabin primality test
/// for 64-bit integers.
/// </summary>
public static class NttPrimes
{
    // These bases make Miller–Rabin deterministic for every n < 3.3·10^24 (> 2^64) (Sorenson & Webster 2015).
    private static readonly ulong[] Bases = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

    /// <summary>
    /// Returns the <paramref name="count"/> largest primes p &lt; 2^<paramref name="bitSize"/> with p ≡ 1 (mod 2n),
    /// in decreasing order, each of exactly <paramref name="bitSize"/> bits and none in <paramref name="exclude"/>.
    /// Deterministic: the same arguments always give the same primes.
    /// </summary>
    /// <param name="bitSize">Bit size of each prime, in [2 + log2(2n), 61].</param>
    /// <param name="n">Ring degree (a power of two, at least 2).</param>
    /// <param name="count">How many primes.</param>
    /// <param name="exclude">Primes that must not be returned (e.g. ones already chosen for another bit size).</param>
    /// <exception cref="ArgumentException">Bad arguments, or not enough primes of that size exist.</exception>
    public static ulong[] Generate(int bitSize, int n, int count, IReadOnlyCollection<ulong>? exclude = null)
    {
        if (n < 2 || (n & (n - 1)) != 0)
        {
            throw new ArgumentException($"The ring degree must be a power of two ≥ 2, got {n}.", nameof(n));
        }

        int logTwoN = System.Numerics.BitOperations.Log2((uint)n) + 1;
        if (bitSize > Modulus.MaxBitLength || bitSize < logTwoN + 2)
        {
            throw new ArgumentOutOfRangeException(nameof(bitSize), bitSize,
                $"An NTT prime for n = {n} must have between {logTwoN + 2} and {Modulus.MaxBitLength} bits.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ulong step = 2UL * (ulong)n;
        ulong upper = 1UL << bitSize;
        ulong lower = 1UL << (bitSize - 1);
        // Largest candidate below 2^bitSize that is 1 mod 2n.
        ulong candidate = upper - step + 1;
        var result = new List<ulong>(count);
        while (result.Count < count)
        {
            if (candidate < lower)
            {
                throw new ArgumentException(
                    $"There are fewer than {count} primes of {bitSize} bits congruent to 1 mod {step}.", nameof(count));
            }

            if (IsPrime(candidate) && (exclude is null || !exclude.Contains(candidate)))
            {
                result.Add(candidate);
            }

            candidate -= step;
        }

        return result.ToArray();
    }

    /// <summary>Deterministic Miller–Rabin test, exact for every 64-bit integer.</summary>
    public static bool IsPrime(ulong value)
    {
        if (value < 2)
        {
            return false;
        }

        foreach (ulong b in Bases)
        {
            if (value == b)
            {
                return true;
            }

            if (value % b == 0)
            {
                return false;
            }
        }

        ulong d = value - 1;
        int s = System.Numerics.BitOperations.TrailingZeroCount(d);
        d >>= s;
        foreach (ulong a in Bases)
        {
            ulong x = PowMod(a, d, value);
            if (x == 1 || x == value - 1)
            {
                continue;
            }

            bool composite = true;
            for (int r = 1; r < s; r++)
            {
                x = (ulong)((UInt128)x * x % value);
                if (x == value - 1)
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

    private static ulong PowMod(ulong a, ulong e, ulong m)
    {
        UInt128 result = 1, b = a % m;
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                result = result * b % m;
            }

            b = b * b % m;
            e >>= 1;
        }

        return (ulong)result;
    }

    /// <summary>
    /// Finds a primitive 2n-th root of unity ψ mod the prime p (p ≡ 1 mod 2n), deterministically: the smallest
    /// g ≥ 2 whose (p−1)/(2n)-th power ψ satisfies ψ^n = −1; among the powers ψ^(2k+1) it returns the smallest
    /// (SEAL's convention, so tables are canonical).
    /// </summary>
    internal static ulong FindPrimitive2NthRoot(Modulus p, int n)
    {
        ulong twoN = 2UL * (ulong)n;
        if ((p.Value - 1) % twoN != 0)
        {
            throw new ArgumentException($"The prime {p.Value} is not 1 mod {twoN}.", nameof(p));
        }

        ulong cofactor = (p.Value - 1) / twoN;
        for (ulong g = 2; g < p.Value; g++)
        {
            ulong psi = p.Pow(g, cofactor);
            if (p.Pow(psi, (ulong)n) == p.Value - 1)
            {
                // Smallest generator among the primitive roots ψ^(odd).
                ulong psiSquared = p.Multiply(psi, psi);
                ulong best = psi, current = psi;
                for (ulong k = 1; k < (ulong)n; k++)
                {
                    current = p.Multiply(current, psiSquared);
                    if (current < best)
                    {
                        best = current;
                    }
                }

                return best;
            }
        }

        throw new ArgumentException($"No primitive {twoN}-th root of unity mod {p.Value}.", nameof(p));
    }
}
