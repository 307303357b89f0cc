using System.CommandLine;
using System.Globalization;
using SecAgg.Cli.Commands;
using SecAgg.Cli.Privacy;
using SecAgg.Quantize.Accounting;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Participant.Tests.Cli;

public sealed class PrivacyPlanTests
{
    [Fact]
    public async Task EpsilonForAGivenNoiseMultiplierMatchesTheAccountant()
    {
        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { PrivacyCommand.Create(console) }
            .Parse("privacy plan --participants 5 --dimension 31 --bits 16 --clip 1 --rounds 10 --delta 1e-5 --noise-multiplier 1.2")
            .InvokeAsync();

        Assert.True(exit == 0, output.ToString());
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 5, Dimension = 31, ClipNorm = 1, NoiseMultiplier = 1.2 });
        var accountant = new PrivacyAccountant();
        accountant.ComposeDdgHonest(p, honestSummands: 4, rounds: 10); // default max-colluders c = min(1, n - 1) = 1
        double expected = accountant.GetEpsilon(1e-5).Epsilon;
        Assert.Contains(FormattableString.Invariant($"epsilon = {expected:G6} over 10 rounds"), output.ToString(), StringComparison.Ordinal);
        Assert.Contains("max-colluders c = 1", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EpsilonCountsOnlyTheHonestNoiseSoMoreColludersSpendMore()
    {
        PrivacyPlanResult Plan(int c) => PrivacyPlanner.Plan(new PrivacyPlanRequest(5, 31, 16, 1, 10, 1e-5, 1.2, null, MaxColluders: c));
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 5, Dimension = 31, ClipNorm = 1, NoiseMultiplier = 1.2 });
        var all = new PrivacyAccountant();
        all.ComposeDdg(p, 10);
        Assert.Equal(all.GetEpsilon(1e-5).Epsilon, Plan(0).Total.Epsilon, 12);
        Assert.True(Plan(1).Total.Epsilon > Plan(0).Total.Epsilon);
        Assert.True(Plan(2).Total.Epsilon > Plan(1).Total.Epsilon);
    }

    [Fact]
    public async Task AsManyColludersAsParticipantsIsRefused()
    {
        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { PrivacyCommand.Create(console) }
            .Parse("privacy plan --participants 3 --noise-multiplier 1 --max-colluders 3")
            .InvokeAsync();
        Assert.Equal(2, exit);
        Assert.Contains("--max-colluders is 3; use 0 to 2", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void NoiseForATargetEpsilonIsTheAccountantsInverseAndSpendsAtMostTheTarget()
    {
        var request = new PrivacyPlanRequest(Participants: 4, Dimension: 100, Bits: 16, Clip: 0.5, Rounds: 20, Delta: 1e-6, NoiseMultiplier: null, TargetEpsilon: 3.0);
        PrivacyPlanResult result = PrivacyPlanner.Plan(request);

        double z = PrivacyAccountant.FindDdgNoiseMultiplier(request.Literal(1.0), 3.0, 1e-6, 20, colluders: 1);
        Assert.Equal(z, result.Parameters.NoiseMultiplier);
        Assert.True(result.Total.Epsilon <= 3.0 * (1 + 1e-5), $"{result.Total.Epsilon}");
        Assert.True(result.Total.Epsilon > 2.9, $"{result.Total.Epsilon}");
        Assert.Equal(20, result.Cumulative.Count);
        for (int i = 1; i < result.Cumulative.Count; i++)
        {
            Assert.True(result.Cumulative[i].Epsilon > result.Cumulative[i - 1].Epsilon);
        }
    }

    [Fact]
    public async Task BothOrNeitherOfNoiseAndTargetIsRefusedWithExitCodeTwo()
    {
        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { PrivacyCommand.Create(console) }
            .Parse("privacy plan --noise-multiplier 1 --target-epsilon 2 --delta 2")
            .InvokeAsync();

        Assert.Equal(2, exit);
        Assert.Contains("exactly one of --noise-multiplier", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--delta is 2", output.ToString(), StringComparison.Ordinal);
        _ = CultureInfo.InvariantCulture;
    }
}
