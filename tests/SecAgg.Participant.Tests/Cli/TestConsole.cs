using Spectre.Console;

namespace SecAgg.Participant.Tests.Cli;

internal static class TestConsole
{
    public static (IAnsiConsole Console, StringWriter Output) Create()
    {
        var output = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 240;
        return (console, output);
    }

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "secagg-tests-" + Guid.NewGuid().ToString("N"));
        return path;
    }
}
