using System.Numerics;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Tests.Ring;

public sealed class NttPrimesTests
{
    [Theory]
    [InlineData(36, 4096, 3)]
    [InlineData(54, 4096, 2)]
    [InlineData(61, 32768, 3)]
    [InlineData(20, 1024, 4)]
    public void GeneratedPrimesArePrimeOfTheRightSizeAndOneModTwoN(int bits, int n, int count)
    {
        ulong[] primes = NttPrimes.Generate(bits, n, count);
        Assert.Equal(count, primes.Distinct().Count());
        foreach (ulong p in primes)
        {
            Assert.Equal(1UL, p % (2UL * (ulong)n));
            Assert.Equal(bits, 64 - BitOperations.LeadingZeroCount(p));
            Assert.True(IsProbablePrimeReference(p));
        }

        Assert.Equal(primes, NttPrimes.Generate(bits, n, count)); // deterministic
        Assert.True(primes.Zip(primes.Skip(1)).All(x => x.First > x.Second));
    }

    [Fact]
    public void MillerRabinAgreesWithTrialDivisionBelowTwoHundredThousand()
    {
        for (ulong v = 0; v < 200_000; v++)
        {
            Assert.Equal(IsPrimeTrialDivision(v), NttPrimes.IsPrime(v));
        }
    }

    [Theory]
    [InlineData(3215031751UL, false)] // strong pseudoprime to bases 2, 3, 5, 7
    [InlineData(3825123056546413051UL, false)] // strong pseudoprime to bases 2 … 23
    [InlineData(2305843009213693951UL, true)] // 2^61 − 1
    [InlineData(18446744073709551557UL, true)] // largest 64-bit prime
    [InlineData(18446744073709551615UL, false)]
    public void MillerRabinKnownAnswers(ulong value, bool prime) => Assert.Equal(prime, NttPrimes.IsPrime(value));

    [Fact]
    public void PrimitiveRootHasOrderTwoN()
    {
        ulong p = NttPrimes.Generate(40, 2048, 1)[0];
        var m = new Modulus(p);
        ulong psi = NttPrimes.FindPrimitive2NthRoot(m, 2048);
        Assert.Equal(p - 1, m.Pow(psi, 2048));
        Assert.Equal(1UL, m.Pow(psi, 4096));
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => NttPrimes.Generate(40, 1000, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => NttPrimes.Generate(62, 1024, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => NttPrimes.Generate(10, 1024, 1));
        Assert.Throws<ArgumentException>(() => NttPrimes.Generate(14, 2048, 1000));
    }

    private static bool IsPrimeTrialDivision(ulong v)
    {
        if (v < 2)
        {
            return false;
        }

        for (ulong d = 2; d * d <= v; d++)
        {
            if (v % d == 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Independent check with BigInteger: Fermat + strong test to 20 random-ish bases.</summary>
    private static bool IsProbablePrimeReference(ulong p)
    {
        BigInteger n = p;
        BigInteger d = n - 1;
        int s = 0;
        while (d.IsEven)
        {
            d >>= 1;
            s++;
        }

        for (int i = 0; i < 20; i++)
        {
            BigInteger a = 2 + ((BigInteger)(ulong)(i * 7919 + 13) % (n - 3));
            BigInteger x = BigInteger.ModPow(a, d, n);
            if (x.IsOne || x == n - 1)
            {
                continue;
            }

            bool ok = false;
            for (int r = 1; r < s; r++)
            {
                x = BigInteger.ModPow(x, 2, n);
                if (x == n - 1)
                {
                    ok = true;
                    break;
                }
            }

            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
