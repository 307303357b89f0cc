using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Tests.Multiparty;

/// <summary>Shamir sharing over each RNS prime field, on plain limbs.</summary>
public sealed class ShamirSharingTests
{
    private const int N = 64;

    private static (Modulus[] Moduli, ulong[] Secret, Prng Prng) Setup(string seed)
    {
        Prng prng = Prng.FromSeed(System.Text.Encoding.UTF8.GetBytes(seed), "shamir-test");
        Modulus[] moduli = NttPrimes.Generate(50, N, 2).Concat(NttPrimes.Generate(30, N, 1)).Select(p => new Modulus(p)).ToArray();
        var secret = new ulong[moduli.Length * N];
        for (int l = 0; l < moduli.Length; l++)
        {
            for (int j = 0; j < N; j++)
            {
                secret[l * N + j] = moduli[l].ReduceSigned((long)(prng.NextUInt64() % 3) - 1);
            }
        }

        return (moduli, secret, prng);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(3, 5)]
    [InlineData(4, 10)]
    [InlineData(10, 10)]
    public void AnyThresholdSharesReconstructTheSecret(int threshold, int parties)
    {
        (Modulus[] moduli, ulong[] secret, Prng prng) = Setup($"rec-{threshold}-{parties}");
        ulong[][] shares = ShamirSharing.Share(secret, moduli, N, threshold, parties, prng);
        for (int trial = 0; trial < 8; trial++)
        {
            int[] set = Enumerable.Range(1, parties).OrderBy(_ => prng.NextUInt64()).Take(threshold).ToArray();
            ulong[] back = ShamirSharing.Reconstruct(set, set.Select(id => shares[id - 1]).ToArray(), moduli, N);
            Assert.Equal(secret, back);
        }
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(3, 5)]
    [InlineData(5, 8)]
    public void SharingThroughSeededValuesKeepsThemAndInterpolatesTheRest(int threshold, int parties)
    {
        (Modulus[] moduli, ulong[] secret, Prng prng) = Setup($"values-{threshold}-{parties}");
        int[] seeded = [.. Enumerable.Range(2, threshold - 1)];
        ulong[][] values = [.. seeded.Select(_ =>
        {
            var v = new ulong[moduli.Length * N];
            for (int i = 0; i < v.Length; i++)
            {
                v[i] = prng.NextBelow(moduli[i / N].Value);
            }

            return v;
        })];
        ulong[][] shares = ShamirSharing.ShareThroughValues(secret, moduli, N, threshold, parties, seeded, values);
        for (int a = 0; a < seeded.Length; a++)
        {
            Assert.Equal(values[a], shares[seeded[a] - 1]);
        }

        // Independent check with BigInteger: every share lies on the degree-(t−1) polynomial through (0, secret) and
        // the seeded points, i.e. naive Lagrange interpolation at x gives share x; and any t shares reconstruct.
        int[] known = [0, .. seeded];
        for (int x = 1; x <= parties; x++)
        {
            for (int l = 0; l < moduli.Length; l++)
            {
                var q = new System.Numerics.BigInteger(moduli[l].Value);
                for (int c = 0; c < N; c += 7)
                {
                    System.Numerics.BigInteger sum = 0;
                    for (int a = 0; a < known.Length; a++)
                    {
                        System.Numerics.BigInteger num = 1, den = 1;
                        for (int b = 0; b < known.Length; b++)
                        {
                            if (b != a)
                            {
                                num *= x - known[b];
                                den *= known[a] - known[b];
                            }
                        }

                        System.Numerics.BigInteger y = a == 0 ? secret[l * N + c] : values[a - 1][l * N + c];
                        sum += y * num * System.Numerics.BigInteger.ModPow(((den % q) + q) % q, q - 2, q);
                    }

                    Assert.Equal((ulong)(((sum % q) + q) % q), shares[x - 1][l * N + c]);
                }
            }
        }

        int[] set = [.. Enumerable.Range(1, parties).OrderBy(_ => prng.NextUInt64()).Take(threshold)];
        Assert.Equal(secret, ShamirSharing.Reconstruct(set, [.. set.Select(id => shares[id - 1])], moduli, N));
    }

    [Fact]
    public void FewerThanThresholdSharesDoNotReconstruct()
    {
        (Modulus[] moduli, ulong[] secret, Prng prng) = Setup("few");
        ulong[][] shares = ShamirSharing.Share(secret, moduli, N, 4, 7, prng);
        int[] set = [2, 5, 7];
        ulong[] back = ShamirSharing.Reconstruct(set, set.Select(id => shares[id - 1]).ToArray(), moduli, N);
        Assert.NotEqual(secret, back);
    }

    [Fact]
    public void ThresholdMinusOneSharesAreUniformByChiSquare()
    {
        // 3 shares of a 4-of-7 sharing of a ternary secret: each coefficient, bucketed into 16 bins of
        // [0, p), must look uniform (χ² with 15 degrees of freedom; 37.7 is the 0.001 critical value).
        (Modulus[] moduli, ulong[] secret, Prng prng) = Setup("chi");
        var bins = new long[16];
        int samples = 0;
        for (int rep = 0; rep < 20; rep++)
        {
            ulong[][] shares = ShamirSharing.Share(secret, moduli, N, 4, 7, prng);
            foreach (int id in new[] { 1, 4, 6 })
            {
                for (int l = 0; l < moduli.Length; l++)
                {
                    for (int j = 0; j < N; j++)
                    {
                        bins[(int)((UInt128)shares[id - 1][l * N + j] * 16 / moduli[l].Value)]++;
                        samples++;
                    }
                }
            }
        }

        Assert.True(ChiSquare(bins, samples) < 37.7, $"χ² = {ChiSquare(bins, samples)}");

        // The same statistic on the (small, ternary) secret itself is far from uniform: the test can fail.
        var secretBins = new long[16];
        foreach ((ulong v, int i) in secret.Select((v, i) => (v, i)))
        {
            secretBins[(int)((UInt128)v * 16 / moduli[i / N].Value)]++;
        }

        Assert.True(ChiSquare(secretBins, secret.Length) > 100);
    }

    [Fact]
    public void DuplicatePointsAreRejected()
    {
        (Modulus[] moduli, _, _) = Setup("dup");
        Assert.Throws<ArgumentException>(() => ShamirSharing.LagrangeAtZero([1, 2, 2], moduli));
    }

    [Fact]
    public void ThresholdOutsideOneToPartiesIsRejected()
    {
        (Modulus[] moduli, ulong[] secret, Prng prng) = Setup("bad");
        Assert.Throws<ArgumentOutOfRangeException>(() => ShamirSharing.Share(secret, moduli, N, 0, 3, prng));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShamirSharing.Share(secret, moduli, N, 4, 3, prng));
    }

    internal static double ChiSquare(long[] bins, int samples)
    {
        double expected = (double)samples / bins.Length;
        return bins.Sum(b => (b - expected) * (b - expected) / expected);
    }
}
