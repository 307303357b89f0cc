using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

public sealed class AggregationParametersTests
{
    private static AggregationParametersLiteral Secure(int bits = 58, int limbs = 12) => new()
    {
        RingDegree = 32768,
        Primes = NttPrimes.Generate(bits, 32768, limbs),
        Parties = 10,
        Threshold = 7,
        MaxColluders = 6,
        ValueBits = 16,
        ValuesPerCoefficient = 31,
    };

    private static string Refusal(AggregationParametersLiteral literal)
    {
        string message = Assert.Throws<ArgumentException>(() => AggregationParameters.Create(literal)).Message;
        Assert.DoesNotContain("(Parameter", message);
        return message;
    }

    [Fact]
    public void ASecureSetIsAcceptedWithItsDerivedQuantities()
    {
        AggregationParameters p = AggregationParameters.Create(Secure());
        Assert.Equal(10, p.MaxSummands);
        Assert.Equal(4, p.HeadroomBits);
        Assert.Equal(620, p.PlaintextModulusBits);
        Assert.Equal(32768 * 31, p.ValuesPerChunk);
        Assert.Equal(StatisticalFlooding.DefaultShareCap, p.ShareCap);
        Assert.Equal(40, p.StatisticalSecurity);
        Assert.Equal(MaskedUpload.HeaderBytes + (32768 * 58 * 12 / 8), p.UploadBytes);
        Assert.Equal(StatisticalFlooding.Log2Sigma(10, 6, 1L << 16, 32768, 10, 40), p.FloodingLog2Sigma(10));
        Assert.True(Math.Log2(p.DecryptionNoiseBound(10, 10)) < p.NoiseCeilingBits);
    }

    [Fact]
    public void UnsafeOrIncorrectSetsAreRefusedSayingWhatToChange()
    {
        Assert.Contains("MaxColluders c = 7", Refusal(Secure() with { MaxColluders = 7 }));
        Assert.Contains("HomomorphicEncryption.org", Refusal(Secure(bits: 60, limbs: 15)));
        Assert.Contains("Decryption would be incorrect", Refusal(Secure(bits: 50, limbs: 12)));
        Assert.Contains("StatisticalSecurity", Refusal(Secure() with { StatisticalSecurity = 30 }));
        Assert.Contains("MaxSummands", Refusal(Secure() with { MaxSummands = 11 }));
        Assert.Contains("RingDegree", Refusal(Secure() with { RingDegree = 1024 }));
        Assert.Contains("Threshold", Refusal(Secure() with { Threshold = 11 }));
        Assert.Contains("ShareCap", Refusal(Secure() with { ShareCap = 0 }));
        Assert.Contains("appears twice", Refusal(Secure() with { Primes = [.. Secure().Primes.Take(11), Secure().Primes[0]] }));
        Assert.Contains("≡ 1 mod", Refusal(Secure() with { Primes = [.. Secure().Primes.Take(11), 1_000_003UL] }));
        Assert.Contains("ValuesPerCoefficient must be 1 for CKKS", Refusal(Secure() with { Scheme = MultipartyScheme.Ckks, ScaleBits = 100 }));
    }

    [Fact]
    public void MoreSummandsOrAHigherShareCapNeedMoreModulus()
    {
        // 12 × 58 bits hold K = 10 at Q_cap = 2^16; raising κ by 2^8 (16 more bits of σ) does not fit.
        AggregationParameters.Create(Secure());
        Assert.Contains("Decryption would be incorrect", Refusal(Secure() with { StatisticalSecurity = 56 }));
    }

    [Fact]
    public void DigestsDifferInEveryField()
    {
        AggregationParametersLiteral baseline = Secure();
        AggregationParametersLiteral[] variants =
        [
            baseline with { Threshold = 8 },
            baseline with { MaxColluders = 5 },
            baseline with { ValuesPerCoefficient = 30 },
            baseline with { MaxSummands = 9 },
            baseline with { ShareCap = 1L << 15 },
            baseline with { StatisticalSecurity = 41 },
            baseline with { ValueBits = 15 },
            baseline with { Primes = NttPrimes.Generate(59, 32768, 12) },
        ];
        string[] digests = [.. variants.Prepend(baseline).Select(l => Convert.ToHexString(AggregationParameters.Create(l).Digest.Span))];
        Assert.Equal(digests.Length, digests.Distinct().Count());
        Assert.Equal(digests[0], Convert.ToHexString(AggregationParameters.Create(Secure()).Digest.Span));
    }

    [Fact]
    public void CkksSetsNeedCkksPrimesAndAScaleAboveTheNoise()
    {
        int n = 64;
        AggregationParametersLiteral ckks = new()
        {
            RingDegree = n,
            Primes = CoeffModulus.Create(n, 50, 50, 50, 50),
            Parties = 3,
            Threshold = 2,
            MaxColluders = 1,
            ValueBits = 16,
            StatisticalSecurity = 10,
            ShareCap = 64,
            Scheme = MultipartyScheme.Ckks,
            ScaleBits = 50,
            AllowInsecureForTests = true,
        };
        AggregationParameters p = AggregationParameters.Create(ckks);
        Assert.Equal(n, p.ValuesPerChunk);
        Assert.Contains("slot error", Refusal(ckks with { ScaleBits = 25 }));
        Assert.Contains("wrap", Refusal(ckks with { Primes = CoeffModulus.Create(n, 50, 30), ScaleBits = 64 }));
        Assert.Contains("CoeffModulus.Create", Refusal(ckks with { Primes = [.. CoeffModulus.Create(n, 50, 50, 50, 50).Reverse()] }));
    }
}
