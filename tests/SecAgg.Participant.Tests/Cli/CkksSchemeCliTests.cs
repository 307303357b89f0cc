using System.CommandLine;
using System.Text.RegularExpressions;
using SecAgg.Aggregator.Config;
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
                .Parse($"consortium init --out {dir} --participants 3 --scheme ckks").InvokeAsync();
            Assert.True(exit == 0, output.ToString());
            ConsortiumConfig config = ConsortiumConfigLoader.Load(Path.Combine(dir, "consortium.yaml"), ProtocolPresets.Names);
            Assert.Equal(HeScheme.Ckks, config.Scheme);
            Assert.Equal(ProtocolPresets.CkksName, config.HePreset);
            Assert.Equal(16, config.Dp.Bits);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task InitWithoutSchemeKeepsTheBfvFileUnchanged()
    {
        string dir = TestConsole.TempDirectory();
        try
        {
            var (console, output) = TestConsole.Create();
            int exit = await new RootCommand { ConsortiumCommand.Create(console) }.Parse($"consortium init --out {dir} --participants 2").InvokeAsync();
            Assert.True(exit == 0, output.ToString());
            string yaml = File.ReadAllText(Path.Combine(dir, "consortium.yaml"));
            Assert.DoesNotContain("scheme:", yaml, StringComparison.Ordinal);
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
            .Parse($"consortium init --out {TestConsole.TempDirectory()} --participants 3 --scheme paillier").InvokeAsync();
        Assert.Equal(2, exit);
        Assert.Contains("--scheme is 'paillier'; use bfv or ckks", output.ToString(), StringComparison.Ordinal);

        (console, output) = TestConsole.Create();
        exit = await new RootCommand { DemoCommand.Create(console) }.Parse("demo --scheme CKKS").InvokeAsync();
        Assert.Equal(2, exit);
        Assert.Contains("--scheme is 'CKKS'", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheCkksSecureModelMatchesPlaintextFedAvgWhenTheNoiseIsNegligible()
    {
        // As the BFV test: with ε = 1e4 the CKKS path (DDG integers in fixed-point slots, exact rounding) must reproduce FedAvg.
        var demo = new SecureDemo(new DemoOptions(Hospitals: 3, Rounds: 3, Epsilon: 1e4, Clip: 10, Scheme: HeScheme.Ckks));
        Assert.Equal(HeScheme.Ckks, demo.Scheme.Kind);
        string root = Path.Combine(Path.GetTempPath(), "secagg-demo-ckks-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            DemoRound last = demo.Run(demo.Setup(root)).Last();
            Assert.True(Math.Abs(last.Secure - last.FedAvg) <= 0.02, $"secure {last.Secure} vs FedAvg {last.FedAvg}");
            Assert.Equal(2, last.Detail.DecryptionSet.Count);
            Assert.Equal(3L * demo.Scheme.CiphertextBytes, last.Detail.Bytes.Uploads); // one CKKS ciphertext per hospital (31 values)
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task TheNetworkedDemoRunsWithCkks()
    {
        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { DemoCommand.Create(console) }.Parse("demo --scheme ckks --hospitals 2 --rounds 1 --in-one-process").InvokeAsync();
        string text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("threshold CKKS", text, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"Final: secure DP model [0-9.]+ %"), text);
    }
}
