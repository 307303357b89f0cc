using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace SecAgg.Cli.Commands;

/// <summary>
/// The console log of <c>secagg aggregator serve</c>: one line per event (UTC timestamp, level, category, message) or,
/// with <c>--log-format json</c>, one JSON object per event with its structured fields (round, participant, status,
/// reason...). The service's own events from <paramref name="level"/> up; ASP.NET Core's and gRPC's from Warning up
/// (their per-request lines would drown the service's).
/// </summary>
internal static class AggregatorLogging
{
    /// <summary>The values --log-format accepts.</summary>
    public static readonly string[] Formats = ["text", "json"];

    public static ILoggerFactory Create(string format, LogLevel level) => LoggerFactory.Create(b =>
    {
        b.SetMinimumLevel(level);
        b.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning).AddFilter("OpenTelemetry", LogLevel.Warning);
        if (format == "json")
        {
            b.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }
    });
}
