using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Multiparty;
using Xunit.Abstractions;

namespace SecAgg.Crypto.Tests.Multiparty;

public sealed class ParameterPlannerTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(3, 12)]
    [InlineData(3, 16)]
    [InlineData(3, 20)]
    [InlineData(10, 12)]
    [InlineData(10, 16)]
    [InlineData(10, 20)]
    [InlineData(100, 12)]
    [InlineData(100, 16)]
    [InlineData(100, 20)]
    public void PlannerChoosesSecureCorrectParameters(int parties, int bits)
    {
        ParameterPlan plan = ParameterPlanner.Plan(new PlannerRequest { Parties = parties, ValueBits = bits });
        output.WriteLine($"N={parties} b={bits}: {plan}");
        MultipartyParameters p = plan.Parameters;
        Assert.False(p.IsInsecureForTests);
        Assert.True(p.WorstDecryptionNoiseBits < p.NoiseCeilingBits);
        Assert.Equal(p.CiphertextBytes, plan.CiphertextBytes);
        Assert.True(plan.Expansion < 4.0, $"expansion {plan.Expansion}");
    }

    [Fact]
    public void SixteenBitValuesForTenPartiesCostAtMostThreeTimesThePayload()
    {
        ParameterPlan plan = ParameterPlanner.Plan(new PlannerRequest { Parties = 10, ValueBits = 16 });
        Assert.True(plan.Expansion <= 3.0, plan.ToString());
    }

    [Fact]
    public void PlannerRefusesWhatCannotBeMadeSecureAndCorrect()
    {
        var ex = Assert.Throws<ArgumentException>(() => ParameterPlanner.Plan(new PlannerRequest { Parties = 10, ValueBits = 16, FloodingLambda = 128, MaxRingDegree = 4096 }));
        Assert.Contains("Lower", ex.Message);
        Assert.Throws<ArgumentException>(() => ParameterPlanner.Plan(new PlannerRequest { Parties = 0, ValueBits = 16 }));
        Assert.Throws<ArgumentException>(() => ParameterPlanner.Plan(new PlannerRequest { Parties = 3, ValueBits = 40 }));
    }

    [Fact]
    public void CreateRefusesInsecureOrIncorrectLiterals()
    {
        ParameterPlan plan = ParameterPlanner.Plan(new PlannerRequest { Parties = 3, ValueBits = 16, MaxRingDegree = 4096 });
        MultipartyParametersLiteral ok = new()
        {
            RingDegree = plan.Parameters.RingDegree,
            Primes = plan.Parameters.Primes,
            WireLimbCount = plan.Parameters.WireLimbCount,
            Parties = 3,
            Threshold = 3,
            ValueBits = 16,
            ValuesPerCoefficient = plan.Parameters.ValuesPerCoefficient,
        };
        Assert.Equal(plan.Parameters.Digest.ToArray(), MultipartyParameters.Create(ok).Digest.ToArray());
        var tooMuch = Assert.Throws<ArgumentException>(() => MultipartyParameters.Create(ok with { ValuesPerCoefficient = ok.ValuesPerCoefficient + 1 }));
        Assert.Contains("Decryption would be incorrect", tooMuch.Message);
        ulong[] extra = SecAgg.Crypto.Ring.NttPrimes.Generate(60, 4096, 2, ok.Primes.ToArray());
        var insecure = Assert.Throws<ArgumentException>(() => MultipartyParameters.Create(ok with { Primes = [.. ok.Primes, .. extra] }));
        Assert.Contains("HomomorphicEncryption.org", insecure.Message);
        Assert.Throws<ArgumentException>(() => MultipartyParameters.Create(ok with { Threshold = 4 }));
        Assert.Throws<ArgumentException>(() => MultipartyParameters.Create(ok with { Primes = [.. ok.Primes, ok.Primes[0]] }));
        Assert.Throws<ArgumentException>(() => MultipartyParameters.Create(ok with { Primes = [12289UL * 1024 + 1] }));
        Assert.Throws<ArgumentException>(() => MultipartyParameters.Create(ok with { RingDegree = 1000 }));
    }
}
