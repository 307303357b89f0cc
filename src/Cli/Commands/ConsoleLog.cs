using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace SecAgg.Cli.Commands;

/// <summary>
/// Prints the participant library's log on the console so that a person sees what a command does and why it is taking
/// longer: information plain (joins, approvals, shares sent, "waiting for hospital-2, hospital-3", throttled to changes
/// and every 20th check), warnings in yellow (retries: "the aggregator answered Unavailable ...; retry 2 of 4 in 1.0 s").
/// </summary>
internal sealed class ConsoleLog(IAnsiConsole console) : ILoggerFactory, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            string line = formatter(state, exception);
            if (logLevel >= LogLevel.Warning)
            {
                console.MarkupLineInterpolated($"[yellow]{line}[/]");
            }
            else
            {
                console.WriteLine(line);
            }
        }
    }

    public void Dispose()
    {
    }
}
