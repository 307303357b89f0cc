using System.CommandLine;
using System.Text.RegularExpressions;
using SecAgg.Protocol.Consortium;
using SecAgg.Participant.Tests.Demo;
using SecAgg.Cli.Commands;
using SecAgg.Cli.Demo;
using SecAgg.Protocol;

namespace SecAgg.Participant.Tests.Cli;

/// <summary>--scheme ckks through consortium init and the demo.</summary>
public sealed class CkksSchemeCliTests
{
    [Fact]
    public async Task InitWithSchemeCkksWritesTheCkksPresetTheAggregatorLoads()
    {
        string dir = TestConsole.TempDirectory();
        try
        {
            var (console, output) = TestConsole.Create();
            int exit = await new RootCommand { ConsortiumCommand.Create(console) }
                .Parse($"consortium init --out {dir} --demo-keys --participants 3 --model-dimension 31 --scheme ckks").InvokeAsync();
            Assert.True(exit == 0, output.ToString());
            ConsortiumConfig config = ConsortiumConfigLoader.Load(Path.Combine(dir, "consortium.yaml"));
            Assert.Equal(HeScheme.Ckks, config.Scheme);
            Assert.Equal(ProtocolPresets.PlannedName, config.HePreset);
            Assert.Equal(SecAgg.Crypto.Multiparty.MultipartyScheme.Ckks, config.Preset.Aggregation.Scheme);
            Assert.Equal(16, config.Dp.Bits);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task InitWithoutSchemeWritesBfv()
    {
        string dir = TestConsole.TempDirectory();
        try
        {
            var (console, output) = TestConsole.Create();
            int exit = await new RootCommand { ConsortiumCommand.Create(console) }.Parse($"consortium init --out {dir} --demo-keys --participants 2 --model-dimension 31").InvokeAsync();
            Assert.True(exit == 0, output.ToString());
            string yaml = File.ReadAllText(Path.Combine(dir, "consortium.yaml"));
            Assert.Contains("scheme: bfv", yaml, StringComparison.Ordinal);
            Assert.Contains($"preset: {ProtocolPresets.PlannedName}", yaml, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task InitAndDemoRefuseAnUnknownScheme()
    {
        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { ConsortiumCommand.Create(console) }
            .Parse($"consortium init --out {TestConsole.TempDirectory()} --demo-keys --participants 3 --model-dimension 31 --scheme paillier").InvokeAsync();
        Assert.Equal(2, exit);
        Assert.Contains("--scheme is 'paillier'; use bfv or ckks", output.ToString(), StringComparison.Ordinal);

        (console, output) = TestConsole.Create();
        exit = await new RootCommand { DemoCommand.Create(console) }.Parse("demo --scheme CKKS").InvokeAsync();
        Assert.Equal(2, exit);
        Assert.Contains("--scheme is 'CKKS'", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCkksSecureModelMatchesPlaintextFedAvgWhenTheNoiseIsNegligible()
    {
        // As the BFV test: with ε = 1e4 the CKKS path (DDG integers in the canonical embedding, exact rounding) must reproduce FedAvg.
        DemoRound last = await DemoCommandTests.RunNetworkDemoAsync(new DemoOptions(Hospitals: 3, Rounds: 3, Epsilon: 1e4, Clip: 10, Scheme: HeScheme.Ckks));
        Assert.True(Math.Abs(last.Secure - last.FedAvg) <= 0.02, $"secure {last.Secure} vs FedAvg {last.FedAvg}");
    }

    [Fact]
    public async Task TheNetworkedDemoRunsWithCkks()
    {
        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { DemoCommand.Create(console) }.Parse("demo --scheme ckks --hospitals 2 --rounds 1 --in-one-process").InvokeAsync();
        string text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("CKKS uploads masked", text, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"Final: secure DP model [0-9.]+ %"), text);
    }
}
