using System.CommandLine;
using System.Net;
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
        var serve = new Command("serve", "Run the aggregator: key epoch relay, rounds, sums of masked uploads, approvals, threshold decryption, global models.")
        {
            consortium, cert, key, model, listen, rounds, database, insecure,
        };
        serve.SetAction(async (parse, token) =>
        {
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out IPEndPoint? endpoint))
            {
                return CliErrors.Report(console, [$"--listen '{parse.GetValue(listen)}' is not an address:port such as 127.0.0.1:7443."]);
            }

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
                }, token);
                console.MarkupLineInterpolated($"Aggregator listening on [bold]{host.Address}[/] ({layout.TotalLength} parameters). Ctrl+C stops it; rounds resume after a restart.");
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
                return CliErrors.Report(console, [e.Message], CliErrors.Failed);
            }
        });
        return new Command("aggregator", "The aggregator service.") { serve };
    }
}
