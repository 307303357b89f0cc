using System.CommandLine;
using SecAgg.Cli.Commands;
using Spectre.Console;

if (Console.IsOutputRedirected && AnsiConsole.Profile.Width < 160)
{
    // Piped or captured output (CI logs, `| tee`): wide tables instead of wrapping them at 80 columns.
    AnsiConsole.Profile.Width = 160;
}

var root = new RootCommand("SecAgg: secure aggregation for federated learning.")
{
    DemoCommand.Create(AnsiConsole.Console),
    ConsortiumCommand.Create(AnsiConsole.Console),
    PrivacyCommand.Create(AnsiConsole.Console),
    AggregatorCommand.Create(AnsiConsole.Console),
    ParticipantCommand.Create(AnsiConsole.Console),
    DemoHospitalCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
