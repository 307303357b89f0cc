using SecAgg.Quantize.Accounting;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Quantize.Tests.Accounting;

public sealed class PrivacyAccountantTests
{
    [Fact]
    public void GaussianKnownAnswerIsEpsilonOneWithFineOrders()
    {
        // dp_accounting rdp_privacy_accountant_test: sigma = 4.530877117, delta = 1e-6 -> epsilon = 1.0.
        var fine = Enumerable.Range(0, 20000).Select(i => 1.02 + (i * 0.005)).ToArray();
        var acc = new PrivacyAccountant(fine);
        acc.ComposeGaussian(4.530877117);
        Assert.Equal(1.0, acc.GetEpsilon(1e-6).Epsilon, 6);
    }

    [Fact]
    public void GaussianKnownAnswerWithDefaultOrdersIsSlightlyAboveOne()
    {
        var acc = new PrivacyAccountant();
        acc.ComposeGaussian(4.530877117);
        double eps = acc.GetEpsilon(1e-6).Epsilon;
        Assert.InRange(eps, 1.0, 1.000001);
    }

    [Fact]
    public void SubsampledGaussianKnownAnswerMatchesTensorFlowPrivacy()
    {
        // TF Privacy compute_dp_sgd_privacy_test: n = 60000, batch 150, sigma = 1.3, 15 epochs, delta = 1e-5.
        var orders = Enumerable.Range(1, 99).Select(x => 1 + (x / 10.0)).Concat(Enumerable.Range(12, 52).Select(a => (double)a)).ToArray();
        var acc = new PrivacyAccountant(orders);
        acc.ComposeGaussian(1.3, 6000, 0.0025);
        var spent = acc.GetEpsilon(1e-5);
        Assert.Equal(0.7242234026, spent.Epsilon, 8);
        Assert.Equal(19.0, spent.Order);
    }

    [Fact]
    public void SubsampledGaussianSecondKnownAnswer()
    {
        // TF Privacy compute_dp_sgd_privacy_test: n = 1e5, batch 100, sigma = 1.0, 30 epochs, delta = 1e-7: 1.4154988495, order 13.
        var orders = Enumerable.Range(1, 99).Select(x => 1 + (x / 10.0)).Concat(Enumerable.Range(12, 52).Select(a => (double)a)).ToArray();
        var acc = new PrivacyAccountant(orders);
        acc.ComposeGaussian(1.0, 30000, 0.001);
        var spent = acc.GetEpsilon(1e-7);
        Assert.Equal(1.4154988495, spent.Epsilon, 6);
        Assert.Equal(13.0, spent.Order);
    }

    [Fact]
    public void ZhuWangBoundIsNeverBelowTheTightGaussianBound()
    {
        foreach (int a in new[] { 2, 3, 8, 32, 64 })
        {
            double tight = RdpMath.SubsampledGaussian(0.01, 1.1, a);
            double general = RdpMath.PoissonSubsampled(0.01, a, j => RdpMath.Gaussian(j, 1, 1.1));
            Assert.True(general >= tight * (1 - 1e-12), $"order {a}: general {general} < tight {tight}");
            Assert.True(general <= RdpMath.Gaussian(a, 1, 1.1));
        }
    }

    [Fact]
    public void DdgRdpMatchesAnIndependentComputation()
    {
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 10, Dimension = 1000, ClipNorm = 1, NoiseMultiplier = 0.3 });
        foreach (double alpha in new[] { 1.5, 2, 10, 64 })
        {
            // straightforward re-derivation, summing tau from large k down
            int n = p.ExpectedParticipants;
            double s = p.SigmaInt;
            double tau = 0;
            for (int k = n - 1; k >= 1; k--) tau += 10 * Math.Exp(-2 * Math.PI * Math.PI * s * s * k / (k + 1));
            double d = p.PaddedDimension;
            double d2 = p.NormBound, d1 = Math.Min(Math.Sqrt(d) * d2, d2 * d2);
            double l2 = d2 / (Math.Sqrt(n) * s), l1 = d1 / (Math.Sqrt(n) * s);
            double expected = new[]
            {
                (alpha * l2 * l2 / 2) + (tau * d),
                alpha * ((l2 * l2) + (2 * l1 * tau) + (tau * tau * d)) / 2,
                alpha * Math.Pow(l2 + (Math.Sqrt(d) * tau), 2) / 2,
            }.Min();
            Assert.Equal(expected, RdpMath.DdgSum(alpha, n, s, d2, p.PaddedDimension), 12);
        }
    }

    [Fact]
    public void DdgWithLargeSigmaApproachesTheCentralGaussian()
    {
        // sigma_int large: tau ~ 0, RDP = alpha/2 * B^2/(n sigma_int^2)
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 20, ExpectedParticipants = 100, Dimension = 4096, NoiseMultiplier = 1 });
        Assert.True(RdpMath.DdgTau(100, p.SigmaInt) < 1e-300);
        double central = RdpMath.Gaussian(8, p.NormBound, Math.Sqrt(100) * p.SigmaInt);
        Assert.Equal(central, RdpMath.DdgSum(8, 100, p.SigmaInt, p.NormBound, p.PaddedDimension), 12);
    }

    [Fact]
    public void ParticipantSamplingLowersDdgEpsilon()
    {
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 18, ExpectedParticipants = 50, Dimension = 10000, NoiseMultiplier = 1 });
        var full = new PrivacyAccountant();
        full.ComposeDdg(p, 100);
        var sampled = new PrivacyAccountant();
        sampled.ComposeDdg(p, 100, 0.1);
        double eFull = full.GetEpsilon(1e-5).Epsilon, eSampled = sampled.GetEpsilon(1e-5).Epsilon;
        Assert.True(eSampled < 0.5 * eFull, $"sampled {eSampled} vs full {eFull}");
        Assert.True(eSampled > 0);
        // fractional orders are not used under sampling (the Zhu-Wang bound is for integers)
        Assert.Equal(Math.Floor(sampled.GetEpsilon(1e-5).Order), sampled.GetEpsilon(1e-5).Order);
        // and a sampled DDG with large sigma_int is close to the subsampled Gaussian with z' = sqrt(n) sigma_int / B, but not below it
        var gauss = new PrivacyAccountant();
        gauss.ComposeGaussian(Math.Sqrt(50) * p.SigmaInt / p.NormBound, 100, 0.1);
        Assert.True(eSampled >= gauss.GetEpsilon(1e-5).Epsilon * 0.999);
    }

    [Fact]
    public void TauDominatesWhenSigmaIntIsSmall()
    {
        Assert.True(RdpMath.DdgTau(10, 0.5) > 1e-3);
        Assert.True(RdpMath.DdgTau(10, 2) < 1e-15);
    }

    [Fact]
    public void CompositionScalesLinearly()
    {
        var one = new PrivacyAccountant();
        one.ComposeGaussian(2.0);
        var ten = new PrivacyAccountant();
        for (int i = 0; i < 10; i++) ten.ComposeGaussian(2.0);
        for (int i = 0; i < one.Orders.Count; i++) Assert.Equal(10 * one.Rdp[i], ten.Rdp[i], 10);
    }

    [Fact]
    public void InverseFindsTheNoiseForTheTarget()
    {
        double z = PrivacyAccountant.FindGaussianNoiseMultiplier(0.7242234026, 1e-5, 6000, 0.0025);
        var acc = new PrivacyAccountant();
        acc.ComposeGaussian(z, 6000, 0.0025);
        Assert.True(acc.GetEpsilon(1e-5).Epsilon <= 0.7242234026);
        Assert.InRange(z, 1.25, 1.31);
        var accLess = new PrivacyAccountant();
        accLess.ComposeGaussian(z * 0.999, 6000, 0.0025);
        Assert.True(accLess.GetEpsilon(1e-5).Epsilon > 0.7242234026);
    }

    [Fact]
    public void DdgInverseMeetsTheTargetOverRounds()
    {
        var lit = new DdgParameterLiteral { Bits = 18, ExpectedParticipants = 20, Dimension = 10000 };
        double z = PrivacyAccountant.FindDdgNoiseMultiplier(lit, 3.0, 1e-5, 50);
        var p = DdgParameters.Create(lit with { NoiseMultiplier = z });
        var acc = new PrivacyAccountant();
        acc.ComposeDdg(p, 50);
        double eps = acc.GetEpsilon(1e-5).Epsilon;
        Assert.InRange(eps, 2.99, 3.0);
        Assert.Contains("50 rounds: epsilon", p.FormatPlan(50, 1e-5));
    }

    [Fact]
    public void DeltaAndEpsilonConversionsAgree()
    {
        var acc = new PrivacyAccountant();
        acc.ComposeGaussian(1.0, 100, 0.01);
        var spent = acc.GetEpsilon(1e-5);
        Assert.InRange(acc.GetDelta(spent.Epsilon), 0.99e-5, 1.01e-5);
    }

    [Fact]
    public void ErfcMatchesMathNet()
    {
        foreach (double x in new[] { 0.0, 0.1, 0.5, 1, 1.9, 2.1, 3, 5, 10, 20 })
        {
            double expected = MathNet.Numerics.SpecialFunctions.Erfc(x);
            Assert.Equal(1.0, RdpMath.Erfc(x) / expected, 12);
        }

        Assert.Equal(Math.Log(MathNet.Numerics.SpecialFunctions.Erfc(-1.5)), RdpMath.LogErfc(-1.5), 12);
        Assert.Equal(-900 - Math.Log(30) - (0.5 * Math.Log(Math.PI)), RdpMath.LogErfc(30), 3);
    }

    [Fact]
    public void BadArgumentsAreRejectedWithNames()
    {
        var acc = new PrivacyAccountant();
        Assert.Equal("delta", Assert.Throws<ArgumentOutOfRangeException>(() => acc.GetEpsilon(0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => acc.ComposeGaussian(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => acc.ComposeGaussian(1, 1, 1.5));
        Assert.Throws<ArgumentException>(() => new PrivacyAccountant([0.5]));
    }
}
