using System.CommandLine;
using SecAgg.Cli.Commands;
using Spectre.Console;

var root = new RootCommand("SecAgg: secure aggregation for federated learning.")
{
    DemoCommand.Create(AnsiConsole.Console),
    ConsortiumCommand.Create(AnsiConsole.Console),
    PrivacyCommand.Create(AnsiConsole.Console),
};
return await root.Parse(args).InvokeAsync();
