using SecAgg.Quantize.Accounting;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Quantize.Tests.Accounting;

/// <summary>ε counts only the noise of the k − c honest summands (issue 16).</summary>
public sealed class ColluderAccountingTests
{
    private static readonly DdgParameters Twenty = DdgParameters.Create(new DdgParameterLiteral { Bits = 18, ExpectedParticipants = 20, Dimension = 10000, NoiseMultiplier = 1 });

    private static double Epsilon(DdgParameters p, int honest, int rounds = 10)
    {
        var acc = new PrivacyAccountant();
        acc.ComposeDdgHonest(p, honest, rounds);
        return acc.GetEpsilon(1e-5).Epsilon;
    }

    [Fact]
    public void EpsilonGrowsWithTheNumberOfColluders()
    {
        double previous = 0;
        foreach (int c in new[] { 0, 1, 5, 10, 19 })
        {
            double eps = Epsilon(Twenty, PrivacyAccountant.HonestSummands(20, c));
            Assert.True(eps > previous, $"c = {c}: epsilon {eps} is not above {previous}");
            previous = eps;
        }

        // one honest summand left: the noise of one participant, about sqrt(20) times less than all of it
        Assert.True(previous > 3 * Epsilon(Twenty, 20), $"{previous}");
    }

    [Fact]
    public void ColludersAtTheSameHonestCountCostTheSameAsNoColluders()
    {
        // 20 summands of which 5 collude = 15 summands of which none does
        Assert.Equal(Epsilon(Twenty, PrivacyAccountant.HonestSummands(15, 0)), Epsilon(Twenty, PrivacyAccountant.HonestSummands(20, 5)));
        // and ComposeDdg (c = 0) is the honest composition with all n expected summands
        var all = new PrivacyAccountant();
        all.ComposeDdg(Twenty, 10);
        Assert.Equal(Epsilon(Twenty, 20), all.GetEpsilon(1e-5).Epsilon);
        Assert.Contains("max colluders c = 0", Twenty.FormatPlan(10, 1e-5));
    }

    [Fact]
    public void NegativeColludersOrNoHonestSummandAreRefusedWithTheNumbers()
    {
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => PrivacyAccountant.HonestSummands(10, -1));
        Assert.Contains("c = -1", negative.Message);
        var none = Assert.Throws<ArgumentOutOfRangeException>(() => PrivacyAccountant.HonestSummands(4, 4));
        Assert.Contains("k = 4", none.Message);
        Assert.Contains("c = 4", none.Message);
        Assert.Contains("k - c = 0", none.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrivacyAccountant().ComposeDdgHonest(Twenty, 0));
        var lit = new DdgParameterLiteral { Bits = 18, ExpectedParticipants = 3, Dimension = 1000 };
        var plan = Assert.Throws<ArgumentOutOfRangeException>(() => PrivacyAccountant.FindDdgNoiseMultiplier(lit, 3.0, 1e-5, 10, colluders: 3));
        Assert.Contains("k = 3", plan.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Twenty.FormatPlan(10, 1e-5, colluders: 20));
    }

    [Fact]
    public void PlannedNoiseMeetsTheTargetWithOnlyTheHonestShares()
    {
        var lit = new DdgParameterLiteral { Bits = 18, ExpectedParticipants = 20, Dimension = 10000 };
        double z0 = PrivacyAccountant.FindDdgNoiseMultiplier(lit, 3.0, 1e-5, 50);
        double z5 = PrivacyAccountant.FindDdgNoiseMultiplier(lit, 3.0, 1e-5, 50, colluders: 5);
        Assert.True(z5 > z0, $"z with 5 colluders {z5} should exceed z without {z0}");
        var p = DdgParameters.Create(lit with { NoiseMultiplier = z5 });
        Assert.InRange(Epsilon(p, 15, 50), 2.99, 3.0);   // the target holds with 15 honest summands
        Assert.True(Epsilon(p, 20, 50) < 2.9);           // and is loose if nobody colludes
        string plan = p.FormatPlan(50, 1e-5, colluders: 5);
        Assert.Contains("max colluders c = 5", plan);
        Assert.Contains("n - c = 15 honest summands", plan);
        Assert.Contains(FormattableString.Invariant($"50 rounds: epsilon = {Epsilon(p, 15, 50):G6}"), plan);
    }
}
