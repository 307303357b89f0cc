using System.CommandLine;
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
    public async Task BadOptionsAreAllReportedAndExitWithTwo()
    {
        var (console, output) = CreateConsole();
        int exit = await new RootCommand { DemoCommand.Create(console) }.Parse("demo --hospitals 1 --rounds 0").InvokeAsync();

        Assert.Equal(2, exit);
        Assert.Contains("--hospitals is 1", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--rounds is 0", output.ToString(), StringComparison.Ordinal);
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
