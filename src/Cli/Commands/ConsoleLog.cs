using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace SecAgg.Cli.Commands;

/// <summary>
/// Prints the participant library's warnings (retries: "the aggregator answered Unavailable ...; retry 2 of 4 in 1.0 s")
/// as yellow lines on the console, so that a person sees why a command is taking longer. Nothing below warnings.
/// </summary>
internal sealed class ConsoleLog(IAnsiConsole console) : ILoggerFactory, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            console.MarkupLineInterpolated($"[yellow]{formatter(state, exception)}[/]");
        }
    }

    public void Dispose()
    {
    }
}
