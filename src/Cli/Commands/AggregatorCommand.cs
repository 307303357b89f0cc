using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Service;
using SecAgg.Participant.Tensors;
using SecAgg.Protocol.Consortium;
using SecAgg.Quantize.Ddg;
using Spectre.Console;

namespace SecAgg.Cli.Commands;

/// <summary><c>secagg aggregator serve</c>: runs the aggregator service (AggregatorHost) until Ctrl+C.</summary>
internal static class AggregatorCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var consortium = new Option<string>("--consortium") { Description = "The consortium file (consortium init writes consortium.yaml).", Required = true };
        var cert = new Option<string>("--cert") { Description = "The aggregator's server certificate (PEM).", Required = true };
        var key = new Option<string>("--key") { Description = "Its private key (PEM).", Required = true };
        var model = new Option<string>("--model") { Description = "The initial model (.safetensors, .npy, .npz): its tensor names and shapes are the update layout.", Required = true };
        var listen = new Option<string>("--listen") { Description = "Address and port to listen on.", DefaultValueFactory = _ => "127.0.0.1:7443" };
        var rounds = new Option<int?>("--rounds") { Description = "Rounds to run (default: the consortium file's dp.rounds)." };
        var database = new Option<string?>("--database") { Description = "SQLite database path (default: the consortium file's storage section)." };
        var insecure = new Option<bool>("--allow-insecure-for-tests") { Description = "Accept the NOT SECURE test preset.", Hidden = true };
        var operatorListen = new Option<string?>("--operator-listen")
        {
            Description = "Address:port of the operator port (gRPC health and reflection, /metrics, the status page at /; TLS with the server certificate, no client certificate). Default: 127.0.0.1 and the --listen port + 1; 'off' for none.",
        };
        var logFormat = new Option<string>("--log-format") { Description = "Console log format: text (one line per event) or json (one object per event).", DefaultValueFactory = _ => "text" };
        logFormat.AcceptOnlyFromAmong(AggregatorLogging.Formats);
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Least level logged (Debug also shows participants' polls answered 'not yet').", DefaultValueFactory = _ => LogLevel.Information };
        var otlp = new Option<Uri?>("--otlp-endpoint") { Description = "Also push metrics to this OpenTelemetry collector (OTLP), e.g. http://collector:4317." };
        var otlpProtocol = new Option<string>("--otlp-protocol") { Description = "grpc (the endpoint is the collector's address) or http/protobuf (the full URL, e.g. http://collector:4318/v1/metrics).", DefaultValueFactory = _ => "grpc" };
        otlpProtocol.AcceptOnlyFromAmong("grpc", "http/protobuf");
        var serve = new Command("serve", "Run the aggregator: key epoch relay, rounds, sums of masked uploads, approvals, threshold decryption, global models.")
        {
            consortium, cert, key, model, listen, rounds, database, insecure, operatorListen, logFormat, logLevel, otlp, otlpProtocol,
        };
        serve.SetAction(async (parse, token) =>
        {
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out IPEndPoint? endpoint))
            {
                return CliErrors.Report(console, [$"--listen '{parse.GetValue(listen)}' is not an address:port such as 127.0.0.1:7443."]);
            }

            if (!TryOperatorEndpoint(parse.GetValue(operatorListen), endpoint, out IPEndPoint? operatorEndpoint, out string? problem))
            {
                return CliErrors.Report(console, [problem]);
            }

            if (parse.GetValue(otlp) is { } collector && (!collector.IsAbsoluteUri || collector.Scheme is not ("http" or "https")))
            {
                return CliErrors.Report(console, [$"--otlp-endpoint '{collector}' is not an http:// or https:// address such as http://collector:4317."]);
            }

            using ILoggerFactory loggers = AggregatorLogging.Create(parse.GetValue(logFormat)!, parse.GetValue(logLevel));
            try
            {
                IReadOnlyList<NamedTensor> tensors = TensorFile.Read(parse.GetValue(model)!);
                var layout = new TensorLayout(tensors.Select(t => new TensorSpec(t.Name, [.. t.Shape])));
                string? db = parse.GetValue(database);
                await using AggregatorHost host = await AggregatorHost.StartAsync(new AggregatorHostOptions
                {
                    ConfigPath = parse.GetValue(consortium)!,
                    ServerCertificate = AggregatorHostOptions.LoadCertificate(parse.GetValue(cert)!, parse.GetValue(key)!),
                    ModelLayout = layout,
                    InitialModel = [.. tensors.SelectMany(t => t.Values)],
                    Listen = endpoint,
                    Rounds = parse.GetValue(rounds),
                    Storage = db is null ? null : new StorageConfig(StorageProvider.Sqlite, Path.GetFullPath(db), null),
                    AllowInsecureParameters = parse.GetValue(insecure),
                    OperatorListen = operatorEndpoint,
                    OtlpEndpoint = parse.GetValue(otlp),
                    OtlpProtocol = parse.GetValue(otlpProtocol) == "http/protobuf" ? OtlpTransport.HttpProtobuf : OtlpTransport.Grpc,
                    LoggerFactory = loggers,
                }, token);
                console.MarkupLineInterpolated($"Aggregator listening on [bold]{host.Address}[/] ({layout.TotalLength} parameters). Ctrl+C stops it; rounds resume after a restart.");
                if (host.OperatorAddress is { } status)
                {
                    console.MarkupLineInterpolated($"Status page [bold]{status}[/], metrics {status}metrics, gRPC health on {status.Authority} (TLS, no client certificate).");
                }
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                catch (OperationCanceledException)
                {
                }

                return 0;
            }
            catch (ConsortiumConfigException e)
            {
                return CliErrors.Report(console, e.Errors);
            }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or TensorFormatException or System.Security.Cryptography.CryptographicException)
            {
                return CliErrors.Report(console, [CliErrors.Describe(e)], CliErrors.Failed);
            }
        });
        return new Command("aggregator", "The aggregator service.") { serve };
    }

    /// <summary>--operator-listen: null means the --listen address's loopback, port + 1; "off" none.</summary>
    private static bool TryOperatorEndpoint(string? value, IPEndPoint main, out IPEndPoint? endpoint, [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        endpoint = null;
        if (string.Equals(value, "off", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (value is null)
        {
            endpoint = main.Port is 0 or IPEndPoint.MaxPort ? new IPEndPoint(IPAddress.Loopback, 0) : new IPEndPoint(IPAddress.Loopback, main.Port + 1);
            return true;
        }

        if (IPEndPoint.TryParse(value, out endpoint) && endpoint.Port != main.Port)
        {
            return true;
        }

        problem = endpoint is null
            ? $"--operator-listen '{value}' is not an address:port such as 127.0.0.1:7444 (or 'off')."
            : $"--operator-listen '{value}' uses the --listen port {main.Port}; give the operator port its own port.";
        endpoint = null;
        return false;
    }
}
