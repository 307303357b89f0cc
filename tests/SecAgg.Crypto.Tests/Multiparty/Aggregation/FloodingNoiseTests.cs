using System.Numerics;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

public sealed class FloodingNoiseTests
{
    [Fact]
    public void SigmaFollowsTheFormulaOfTheThreatModel()
    {
        // docs/threat-model.md: N = 10, c = 0, n = 2^15, Q_cap = 2^16, |U| = 10 gives σ = 2^64.
        Assert.Equal(64, StatisticalFlooding.Log2Sigma(10, 0, 1L << 16, 1 << 15, 10, 40));
        for (int parties = 1; parties <= 40; parties += 13)
        {
            for (int summands = 1; summands <= parties; summands += 5)
            {
                foreach (int kappa in new[] { 1, 20, 40, 64 })
                {
                    int e = StatisticalFlooding.Log2Sigma(parties, 0, 1000, 4096, summands, kappa);
                    double exact = kappa - 1 + (0.5 * Math.Log2((double)parties * 1000 * 4096)) + Math.Log2(summands * 19.5);
                    Assert.Equal(Math.Max((int)Math.Ceiling(exact), 10), e); // never below the exact sampler's 2^10
                }
            }
        }

        Assert.True(StatisticalFlooding.Log2Sigma(10, 9, 1L << 16, 1 << 15, 10, 40) < 64, "Fewer honest members need less flooding.");
    }

    [Fact]
    public void ResidualNoiseAfterCombineHasTheVarianceOfTheDecryptionSetsFlooding()
    {
        // Insecure small κ and share cap so that σ is small enough to measure: σ_flood(3) = 2^12 here.
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(4, 3, maxColluders: 0, ringDegree: 1024, statisticalSecurity: 1, shareCap: 1);
        int log2Sigma = p.FloodingLog2Sigma(3);
        Assert.Equal(12, log2Sigma);
        var f = new AggregationFixture(p, "noise");
        RoundPolynomial a = f.A(1);
        (MaskedUpload[] uploads, uint[][] values) = f.UploadAll(a);
        SetDecryptionSession session = f.Session(1, [1, 2, 4], [1, 3, 4]);
        MaskedUpload sum = AggregationFixture.Sum(session.Uploaders, uploads);
        SetDecryptionShare shares = f.Answer(session, a);
        Poly x = p.Ring.NewPoly();
        p.Ring.Add(sum.C0, shares.Value, x);
        p.Ring.InverseNtt(x, x);
        BigInteger[] phase = p.Ring.ToBigIntegers(x, centered: true);

        // noise_c = x_c − q·M_c/T with M_c the packed exact sums (no wrap: each slot sum < 2^w).
        BigInteger q = p.Modulus;
        int k = p.ValuesPerCoefficient, w = p.SlotBits, logT = p.PlaintextModulusBits;
        var noise = new double[p.RingDegree];
        for (int c = 0; c < noise.Length; c++)
        {
            BigInteger m = BigInteger.Zero;
            for (int j = 0; j < k; j++)
            {
                m += (BigInteger)session.Uploaders.Sum(i => (long)values[i - 1][(c * k) + j]) << (j * w);
            }

            BigInteger tx = (phase[c] << logT) - (q * m);
            BigInteger diff = AggregationReferenceTests.Centered(tx, q << logT);
            noise[c] = (double)diff / Math.Pow(2, logT);
        }

        double sigma = Math.Pow(2, log2Sigma);
        double variance = noise.Select(v => v * v).Average();
        double expected = 3 * sigma * sigma;
        Assert.InRange(variance / expected, 0.85, 1.15);
        Assert.All(noise, v => Assert.True(Math.Abs(v) <= p.DecryptionNoiseBound(3, 3), $"noise {v} beyond the tracked bound"));
        Assert.Equal(f.ExpectedSum(session.Uploaders, values), f.Protocol.Finalize(session, sum, shares));
    }
}
