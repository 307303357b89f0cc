using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using SecAgg.Cli.Commands;
using SecAgg.Cli.Demo;
using Spectre.Console;

namespace SecAgg.Participant.Tests.Demo;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task TheDemoPrintsTheReferenceAccuraciesForEveryRound()
    {
        var (console, output) = CreateConsole();
        int exit = await new RootCommand { DemoCommand.Create(console) }.Parse("demo --hospitals 3 --rounds 2").InvokeAsync();

        Assert.Equal(0, exit);
        string text = output.ToString();
        Assert.Contains("over 3 hospitals", text, StringComparison.Ordinal);
        Assert.Contains("FedAvg (plaintext)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASmallSecureDemoPrintsEveryRoundWithEpsilonBytesAndTimes()
    {
        var (console, output) = CreateConsole();
        int exit = await new RootCommand { DemoCommand.Create(console) }.Parse("demo --hospitals 2 --rounds 2 --epsilon 4").InvokeAsync();

        string text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("secure + DP", text, StringComparison.Ordinal);
        Assert.Contains("any 2 of 2 hospitals decrypt", text, StringComparison.Ordinal);
        Assert.Contains("for ε = 4 over 2 rounds", text, StringComparison.Ordinal);
        Assert.Contains("masked under each hospital's own key share", text, StringComparison.Ordinal);
        Assert.Contains("aggregator with SQLite on", text, StringComparison.Ordinal);
        Assert.Contains("one OS process each", text, StringComparison.Ordinal);
        string[] rows = [.. text.Split('\n').Where(l => l.TrimStart().StartsWith("│ 1 ", StringComparison.Ordinal) || l.TrimStart().StartsWith("│ 2 ", StringComparison.Ordinal))];
        Assert.True(rows.Length >= 2, text);
        Assert.Contains("KiB", rows[^1], StringComparison.Ordinal);
        Match final = Regex.Match(text, @"Final: secure DP model (?<acc>[0-9.]+) % \(ε = (?<eps>[0-9.]+)");
        Assert.True(final.Success, text);
        double epsilon = double.Parse(final.Groups["eps"].Value, CultureInfo.InvariantCulture);
        Assert.InRange(epsilon, 3.9, 4.0);
        double accuracy = double.Parse(final.Groups["acc"].Value, CultureInfo.InvariantCulture);
        Assert.InRange(accuracy, 0.0, 100.0);
    }

    [Fact]
    public async Task TheDemoCanRunTheHospitalsAsClientsInItsOwnProcess()
    {
        var (console, output) = CreateConsole();
        int exit = await new RootCommand { DemoCommand.Create(console) }.Parse("demo --hospitals 3 --rounds 1 --in-one-process").InvokeAsync();

        string text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("clients in this process", text, StringComparison.Ordinal);
        Assert.Contains("any 2 of 3 hospitals decrypt, c = 1 colluders tolerated", text, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"decryption shares [1-9][0-9]* KiB"), text);
    }

    [Fact]
    public async Task TheSecureModelMatchesPlaintextFedAvgWhenTheNoiseIsNegligible()
    {
        // ε = 1e4 makes the DP noise tiny: the secure pipeline (quantize, mask, approve, threshold-decrypt, decode) must
        // then reproduce plaintext FedAvg's accuracy; a wrong sum, scale or rotation would not.
        DemoRound last = await RunNetworkDemoAsync(new DemoOptions(Hospitals: 3, Rounds: 3, Epsilon: 1e4, Clip: 10));
        Assert.True(Math.Abs(last.Secure - last.FedAvg) <= 0.02, $"secure {last.Secure} vs FedAvg {last.FedAvg}");
    }

    /// <summary>The networked demo with the hospitals as clients in this process; the last round.</summary>
    internal static async Task<DemoRound> RunNetworkDemoAsync(DemoOptions options)
    {
        string root = Path.Combine(Path.GetTempPath(), "secagg-demo-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await using NetworkDemo network = await NetworkDemo.StartAsync(new SecureDemo(options), root, processes: false, timeout.Token);
            DemoRound? last = null;
            await foreach (DemoRound round in network.RunAsync(null, timeout.Token))
            {
                last = round;
            }

            return last!;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task BadOptionsAreAllReportedAndExitWithTwo()
    {
        var (console, output) = CreateConsole();
        int exit = await new RootCommand { DemoCommand.Create(console) }.Parse("demo --hospitals 1 --rounds 0").InvokeAsync();

        Assert.Equal(2, exit);
        Assert.Contains("--hospitals is 1", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--rounds is 0", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("error:", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void PlaintextFedAvgIsAtLeastAsGoodAsTheWorstHospitalAlone()
    {
        BaselineRound last = new BaselineRunner(new DemoOptions(Hospitals: 5, Rounds: 5, Alpha: 0.3)).Run().Last();
        Assert.True(last.FedAvg >= last.Alone.Min());
        Assert.True(last.FedAvg >= 0.9);
    }

    private static (IAnsiConsole Console, StringWriter Output) CreateConsole()
    {
        var output = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return (console, output);
    }
}
