using System.Numerics;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

/// <summary>The v2 scheme against naive BigInteger arithmetic (schoolbook negacyclic products, CRT, Lagrange).</summary>
public sealed class AggregationReferenceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void AnUploadPlusASecretTimesTheRoundPolynomialIsTheScaledMessagePlusASmallError(int valuesPerCoefficient)
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(3, 2, maxColluders: 1, ringDegree: 32, valuesPerCoefficient: valuesPerCoefficient);
        var f = new AggregationFixture(p, $"reference-upload-{valuesPerCoefficient}");
        RoundPolynomial a = f.A(5, 2);
        uint[] values = f.RandomValues();
        MaskedUpload upload = f.Encrypt(2, values, a);
        AssertEncrypts(p, f, 2, values, a, upload);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void AnUploadWrittenStraightToBytesIsTheSameEncryptionEveryTime(int valuesPerCoefficient)
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(3, 2, maxColluders: 1, ringDegree: 32, valuesPerCoefficient: valuesPerCoefficient);
        var f = new AggregationFixture(p, $"reference-upload-to-bytes-{valuesPerCoefficient}");
        using var encryptor = new MaskedEncryptor(p, f.Secrets[2]);
        for (int chunk = 0; chunk < 3; chunk++)
        {
            // The encryptor's kept ciphertext buffer is reused: each chunk must still be exactly its own encryption.
            RoundPolynomial a = f.A(7, chunk);
            uint[] values = f.RandomValues();
            byte[] bytes = new byte[encryptor.UploadBytes];
            Assert.Equal(bytes.Length, encryptor.EncryptTo(values, a, bytes));
            MaskedUpload upload = MaskedUpload.Deserialize(p, bytes);
            Assert.Equal(1, upload.SummandCount);
            AssertEncrypts(p, f, 3, values, a, upload);
        }
    }

    [Fact]
    public void AnEncryptorMadeAfterOneOfALargerRingStillGivesTheReferenceUpload()
    {
        // Encryptors keep their n-word rows in a process-wide pool that may hand a smaller ring a longer row.
        AggregationParameters large = AggregationParameters.CreateInsecureForTests(3, 2, maxColluders: 1, ringDegree: 256);
        var big = new AggregationFixture(large, "reference-upload-large-first");
        using (var first = new MaskedEncryptor(large, big.Secrets[0]))
        {
            first.EncryptTo(big.RandomValues(), big.A(1, 0), new byte[first.UploadBytes]);
        }

        AggregationParameters p = AggregationParameters.CreateInsecureForTests(3, 2, maxColluders: 1, ringDegree: 32);
        var f = new AggregationFixture(p, "reference-upload-small-after");
        using var encryptor = new MaskedEncryptor(p, f.Secrets[0]);
        RoundPolynomial a = f.A(2, 1);
        uint[] values = f.RandomValues();
        byte[] bytes = new byte[encryptor.UploadBytes];
        encryptor.EncryptTo(values, a, bytes);
        AssertEncrypts(p, f, 1, values, a, MaskedUpload.Deserialize(p, bytes));
    }

    /// <summary>c0 + a·s_party = round(q·M/T) + e with |e| ≤ 19, M the packed values, in BigInteger arithmetic.</summary>
    private static void AssertEncrypts(AggregationParameters p, AggregationFixture f, int party, uint[] values, RoundPolynomial a, MaskedUpload upload)
    {
        BigInteger q = p.Modulus;
        BigInteger[] c0 = Coefficients(p, upload.C0);
        BigInteger[] aCoeffs = Coefficients(p, a.ToPoly());
        BigInteger[] s = [.. f.Secrets[party - 1].Coefficients.ToArray().Select(x => (BigInteger)x)];
        BigInteger[] aS = NegacyclicProduct(aCoeffs, s, q);
        int n = p.RingDegree, k = p.ValuesPerCoefficient, w = p.SlotBits, logT = p.PlaintextModulusBits;
        var errors = new long[n];
        for (int c = 0; c < n; c++)
        {
            BigInteger m = BigInteger.Zero;
            for (int j = 0; j < k; j++)
            {
                m += (BigInteger)values[(c * k) + j] << (j * w);
            }

            BigInteger scaled = ((q * m) + (BigInteger.One << (logT - 1))) >> logT; // round(q·M/T)
            errors[c] = (long)Centered(c0[c] + aS[c] - scaled, q);
        }

        Assert.All(errors, e => Assert.InRange(e, -19, 19));
        Assert.Contains(errors, e => e != 0);
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(5, 3)]
    [InlineData(4, 4)]
    [InlineData(7, 1)]
    public void LagrangeWeightedSharesOfAnyDecryptionSetRecombineToEachSecret(int parties, int threshold)
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(parties, threshold, maxColluders: threshold - 1, ringDegree: 16);
        var f = new AggregationFixture(p, $"reference-lagrange-{parties}-{threshold}");
        for (int trial = 0; trial < 3; trial++)
        {
            (_, int[] d) = f.RandomSets();
            for (int i = 1; i <= parties; i++)
            {
                Poly recombined = Recombine(p, d, [.. d.Select(j => f.Dealt[i - 1][j - 1].Value)]);
                p.Ring.InverseNtt(recombined, recombined);
                BigInteger[] got = p.Ring.ToBigIntegers(recombined, centered: true);
                Assert.Equal(f.Secrets[i - 1].Coefficients.ToArray().Select(x => (BigInteger)x), got);
            }
        }
    }

    [Fact]
    public void FewerThanThresholdSharesRecombineToNoSecret()
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(5, 3, maxColluders: 2, ringDegree: 256);
        var f = new AggregationFixture(p, "reference-too-few");
        int[] points = [2, 5];
        Poly recombined = Recombine(p, points, [.. points.Select(j => f.Dealt[0][j - 1].Value)]);
        p.Ring.InverseNtt(recombined, recombined);
        BigInteger[] got = p.Ring.ToBigIntegers(recombined, centered: true);
        Assert.True(got.Count(x => BigInteger.Abs(x) > 1) >= 0.99 * got.Length, "t − 1 shares interpolated to a ternary polynomial.");
    }

    [Fact]
    public void SeededAndInterpolatedSharesLieOnOnePolynomialOfDegreeTMinusOne()
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(6, 3, maxColluders: 2, ringDegree: 16);
        var f = new AggregationFixture(p, "reference-degree");
        DealtKeyShare[] dealt = f.Dealt[3];
        Assert.Equal(2, dealt.Count(s => s.IsSeeded));
        Assert.True(dealt[4].IsSeeded && dealt[5].IsSeeded, "The t − 1 parties after dealer 4 get seeds.");
        // Any t points interpolate the same polynomial: its value at each other point is that point's share.
        int[] basis = [1, 3, 6];
        foreach (int x in new[] { 2, 4, 5 })
        {
            Poly predicted = Interpolate(p, basis, [.. basis.Select(j => dealt[j - 1].Value)], x);
            Assert.Equal(dealt[x - 1].Value.Coefficients.ToArray(), predicted.Coefficients.ToArray());
        }
    }

    /// <summary>Σ_{j∈points} λ_j·share_j with λ_j = Π_{m≠j} m/(m − j) computed with BigInteger per prime.</summary>
    private static Poly Recombine(AggregationParameters p, int[] points, Poly[] shares) => Interpolate(p, points, shares, 0);

    private static Poly Interpolate(AggregationParameters p, int[] points, Poly[] shares, int at)
    {
        int n = p.RingDegree;
        Poly result = p.Ring.NewPoly();
        result.IsNtt = true;
        for (int l = 0; l < p.Primes.Count; l++)
        {
            BigInteger ql = p.Primes[l];
            for (int a = 0; a < points.Length; a++)
            {
                BigInteger num = 1, den = 1;
                foreach (int m in points.Where(m => m != points[a]))
                {
                    num *= at - m;
                    den *= points[a] - m;
                }

                BigInteger lambda = Mod(num * BigInteger.ModPow(Mod(den, ql), ql - 2, ql), ql);
                for (int c = 0; c < n; c++)
                {
                    BigInteger v = result.Limb(l)[c] + (lambda * shares[a].Limb(l)[c]);
                    result.Limb(l)[c] = (ulong)(v % ql);
                }
            }
        }

        return result;
    }

    /// <summary>The coefficients of an NTT-form polynomial (the library's inverse NTT, then the CRT) in [0, q).</summary>
    internal static BigInteger[] Coefficients(AggregationParameters p, Poly ntt)
    {
        Poly c = ntt.Clone();
        p.Ring.InverseNtt(c, c);
        return p.Ring.ToBigIntegers(c);
    }

    /// <summary>Schoolbook product in Z_q[X]/(X^n + 1).</summary>
    internal static BigInteger[] NegacyclicProduct(BigInteger[] a, BigInteger[] b, BigInteger q)
    {
        int n = a.Length;
        var r = new BigInteger[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                int k = i + j;
                BigInteger t = a[i] * b[j];
                if (k >= n)
                {
                    r[k - n] -= t;
                }
                else
                {
                    r[k] += t;
                }
            }
        }

        return [.. r.Select(x => Mod(x, q))];
    }

    internal static BigInteger Centered(BigInteger x, BigInteger q)
    {
        BigInteger r = Mod(x, q);
        return r > q / 2 ? r - q : r;
    }

    private static BigInteger Mod(BigInteger x, BigInteger q)
    {
        BigInteger r = x % q;
        return r.Sign < 0 ? r + q : r;
    }
}
