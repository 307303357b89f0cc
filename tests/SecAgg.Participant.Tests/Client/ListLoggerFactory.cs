using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SecAgg.Participant.Tests.Client;

/// <summary>Collects every formatted log line (the client's retries and waits).</summary>
internal sealed class ListLoggerFactory(ConcurrentQueue<string> lines) : ILoggerFactory, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        lines.Enqueue(formatter(state, exception));

    public void Dispose()
    {
    }
}
