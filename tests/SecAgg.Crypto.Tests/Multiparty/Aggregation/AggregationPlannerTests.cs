using SecAgg.Crypto.Multiparty;
using Xunit.Abstractions;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

public sealed class AggregationPlannerTests(ITestOutputHelper output)
{
    [Fact]
    public void TenPartiesOfSixteenBitsUseTheLargestRingWithThirtyOneValuesPerCoefficient()
    {
        AggregationPlan plan = AggregationPlanner.Plan(new AggregationPlanRequest { Parties = 10, ValueBits = 16 });
        AggregationParameters p = plan.Parameters;
        output.WriteLine(plan.ToString());
        Assert.Equal(32768, p.RingDegree);
        Assert.Equal(31, p.ValuesPerCoefficient);
        Assert.Equal(64, plan.FloodingLog2Sigma);
        Assert.Equal(1, plan.ChunksPerRound);
        Assert.InRange(p.ModulusBits, 690, 700); // docs/threat-model.md: log q ≈ 692
        Assert.True(p.Primes.Sum(q => 64 - System.Numerics.BitOperations.LeadingZeroCount(q)) <= 881);
        Assert.Equal(MaskedUpload.HeaderBytes + p.PolyBytes, plan.UploadBytes);
        Assert.True(plan.Expansion < 1.45, $"expansion {plan.Expansion}");
        Assert.False(p.IsInsecureForTests);
    }

    [Fact]
    public void PlansSatisfyTheirOwnNoiseBoundAndShrinkWithAnInsecureKappa()
    {
        AggregationPlan strict = AggregationPlanner.Plan(new AggregationPlanRequest { Parties = 10, Threshold = 7, MaxColluders = 6, ValueBits = 16, MaxRingDegree = 16384 });
        AggregationParameters p = strict.Parameters;
        Assert.Equal(16384, p.RingDegree);
        Assert.True(Math.Log2(p.DecryptionNoiseBound(p.MaxSummands, p.Parties)) < p.NoiseCeilingBits);
        AggregationPlan loose = AggregationPlanner.Plan(new AggregationPlanRequest { Parties = 10, Threshold = 7, MaxColluders = 6, ValueBits = 16, MaxRingDegree = 16384, ShareCap = 16 });
        Assert.True(loose.FloodingLog2Sigma < strict.FloodingLog2Sigma);
        Assert.True(loose.RoundUploadBytes <= strict.RoundUploadBytes);
    }

    [Fact]
    public void ThePlannerRefusesWhatCannotBeBuiltSayingWhatToChange()
    {
        var ex = Assert.Throws<ArgumentException>(() => AggregationPlanner.Plan(new AggregationPlanRequest { Parties = 5, Threshold = 3, MaxColluders = 3, ValueBits = 16 }));
        Assert.Contains("MaxColluders", ex.Message);
        Assert.DoesNotContain("(Parameter", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => AggregationPlanner.Plan(new AggregationPlanRequest { Parties = 10, ValueBits = 32, MaxRingDegree = 2048 }));
        Assert.Contains("No secure parameter set", ex.Message);
        Assert.Throws<ArgumentException>(() => AggregationPlanner.Plan(new AggregationPlanRequest { Parties = 10, ValueBits = 16, ExpectedValues = 0 }));
        Assert.Throws<ArgumentException>(() => AggregationPlanner.Plan(new AggregationPlanRequest { Parties = 10, ValueBits = 16, MaxRingDegree = 3000 }));
        Assert.Throws<ArgumentException>(() => AggregationPlanner.Plan(new AggregationPlanRequest { Parties = 10, ValueBits = 16, StatisticalSecurity = 20 }));
    }

    [Fact]
    public void CkksPlansCarryOneValuePerCoefficientAtAScaleAboveTheNoise()
    {
        AggregationPlan plan = AggregationPlanner.Plan(new AggregationPlanRequest { Parties = 10, ValueBits = 16, Scheme = MultipartyScheme.Ckks });
        AggregationParameters p = plan.Parameters;
        output.WriteLine(plan.ToString());
        Assert.Equal(MultipartyScheme.Ckks, p.Scheme);
        Assert.Equal(p.RingDegree, p.ValuesPerChunk);
        Assert.True(p.ScaleBits > Math.Log2(p.RingDegree * p.DecryptionNoiseBound(10, 10)));
    }

    /// <summary>The docs' planner table (docs/multiparty.md, protocol v2); run with --logger 'console;verbosity=detailed'.</summary>
    [Fact]
    public void PlannerTableForTheDocs()
    {
        output.WriteLine("| max n | N | b | n | k | log T | q (bits per prime) | log q | σ_flood | upload bytes | B/value | expansion | round bytes (10^6 values) |");
        foreach (int maxN in new[] { 32768, 16384 })
        {
            foreach (int parties in new[] { 3, 10, 100 })
            {
                foreach (int bits in new[] { 12, 16, 20 })
                {
                    AggregationPlan plan = AggregationPlanner.Plan(new AggregationPlanRequest { Parties = parties, ValueBits = bits, MaxRingDegree = maxN });
                    AggregationParameters p = plan.Parameters;
                    var groups = p.Primes.Select(q => 64 - System.Numerics.BitOperations.LeadingZeroCount(q)).GroupBy(b => b).Select(g => $"{g.Count()}×{g.Key}");
                    output.WriteLine($"| {maxN} | {parties} | {bits} | {p.RingDegree} | {p.ValuesPerCoefficient} | {p.PlaintextModulusBits} | {string.Join(" + ", groups)} | {p.ModulusBits:F0} | 2^{plan.FloodingLog2Sigma} | {plan.UploadBytes:N0} | {plan.BytesPerValue:F2} | {plan.Expansion:F2}× | {plan.RoundUploadBytes:N0} |");
                    Assert.True(plan.Expansion < 4);
                }
            }
        }
    }
}
