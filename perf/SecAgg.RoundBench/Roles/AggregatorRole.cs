using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Service;
using SecAgg.Quantize.Ddg;
using SecAgg.RoundBench.Orchestration;

namespace SecAgg.RoundBench.Roles;

/// <summary>
/// The aggregator as its own process: the real <see cref="AggregatorHost"/> (embedded SQLite, mutual TLS on loopback),
/// configured like <c>secagg aggregator serve</c> but with a 20 ms driver tick. Its own log events time the server side
/// (upload counted, collection closed, decryption begins once the approvals are in, a member's shares complete, published) and its own metrics the first ciphertext
/// byte; they are forwarded as "@event" lines. Commands: "reset" (peak memory and first-byte time), "stats", "quit".
/// </summary>
internal static class AggregatorRole
{
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> args)
    {
        int dimension = int.Parse(args["dimension"], System.Globalization.CultureInfo.InvariantCulture);
        double firstByte = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == AggregatorMetrics.MeterName && instrument.Name == "secagg.aggregator.bytes_received")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) =>
        {
            if (Volatile.Read(ref firstByte) == 0)
            {
                Volatile.Write(ref firstByte, Clock.Now());
            }
        });
        listener.Start();

        await using AggregatorHost host = await AggregatorHost.StartAsync(new AggregatorHostOptions
        {
            ConfigPath = args["consortium"],
            ServerCertificate = AggregatorHostOptions.LoadCertificate(args["cert"], args["key"]),
            ModelLayout = new TensorLayout([new TensorSpec("w", [dimension])]),
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Rounds = int.Parse(args["rounds"], System.Globalization.CultureInfo.InvariantCulture),
            TickInterval = TimeSpan.FromMilliseconds(20),
            LoggerFactory = new EventLoggerFactory(),
        });
        RoleIo.Send("listening", host.Address.ToString());
        await RoleIo.RunCommandsAsync((command, _) =>
        {
            switch (command)
            {
                case "reset":
                    PeakMemory.Reset();
                    ProcessCpu.Reset();
                    Volatile.Write(ref firstByte, 0);
                    RoleIo.Send("reset-ok");
                    break;
                case "stats":
                    RoleIo.SendJson("stats", new ServerStats(PeakMemory.ReadBytes(), Volatile.Read(ref firstByte), ProcessCpu.Seconds()));
                    break;
                default:
                    RoleIo.Send("error", $"unknown command '{command}'");
                    break;
            }

            return Task.CompletedTask;
        });
        return 0;
    }

    /// <summary>Turns the service's structured log events into "@event" lines (and aborts into "@error").</summary>
    private sealed class EventLoggerFactory : ILoggerFactory, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string? kind = eventId.Id switch
            {
                203 => "counted",
                222 => "closed",
                205 => "decrypting",
                206 => "shares",
                224 => "decrypted",
                1009 => "published",
                _ => null,
            };
            double now = Clock.Now();
            if (eventId.Id is 208 or 209 or 210)
            {
                RoleIo.Send(eventId.Id == 210 ? "log" : "error", $"aggregator: {formatter(state, exception)}".ReplaceLineEndings(" "));
                return;
            }

            if (kind is null)
            {
                return;
            }

            long round = 0;
            string participant = "";
            if (state is IReadOnlyList<KeyValuePair<string, object?>> fields)
            {
                foreach (var (key, value) in fields)
                {
                    if (key == "Round" && value is not null)
                    {
                        round = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
                    }
                    else if (key == "Participant")
                    {
                        participant = value?.ToString() ?? "";
                    }
                }
            }

            RoleIo.SendJson("event", new ServerEvent(kind, round, participant, now));
        }
    }
}
