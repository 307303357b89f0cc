using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Service;
using Microsoft.Extensions.Hosting;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Identity;

namespace SecAgg.Aggregator.Cluster;

/// <summary><c>SecAgg.Aggregator.Cluster</c>: runs one silo of the aggregator cluster until SIGTERM or Ctrl+C.</summary>
internal static class Program
{
    private static Task<int> Main(string[] args)
    {
        var consortium = new Option<string>("--consortium") { Description = "The consortium file (the same on every silo).", Required = true };
        var certificates = new Option<string>("--certificates") { Description = "Folder with each enrolled participant's certificate as ID.pem.", Required = true };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string: a cluster of silos sharing it (default: the consortium file's storage section when it is postgres)." };
        var sqlite = new Option<string?>("--sqlite") { Description = "Folder of the one-machine node: one silo, localhost clustering, state in FOLDER/cluster.db (default when the consortium file's storage is sqlite: PATH.cluster next to its path)." };
        var epoch = new Option<ulong>("--epoch") { Description = "Key epoch whose statements are accepted.", DefaultValueFactory = _ => 1 };
        var partitions = new Option<int>("--partitions") { Description = "Sum partitions per round (P).", DefaultValueFactory = _ => 16 };
        var address = new Option<string>("--address") { Description = "Address other silos and clients reach this silo at.", DefaultValueFactory = _ => "127.0.0.1" };
        var siloPort = new Option<int>("--silo-port") { Description = "Silo-to-silo port.", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Client gateway port.", DefaultValueFactory = _ => 30000 };
        var clusterId = new Option<string>("--cluster-id") { Description = "Orleans cluster id shared by the silos of one deployment.", DefaultValueFactory = _ => "secagg" };
        var serviceId = new Option<string?>("--service-id") { Description = "Orleans service id (default: the consortium's name)." };
        var kubernetes = new Option<bool>("--kubernetes") { Description = "Running in a Kubernetes pod: address, cluster and service ids from the pod's environment (deploy/kubernetes)." };
        var listen = new Option<string?>("--listen") { Description = "Serve participants here (secagg.v1 over mutual TLS), e.g. 0.0.0.0:7443; needs --cert and --key. Without it the silo runs grains only." };
        var cert = new Option<string?>("--cert") { Description = "The aggregator's server certificate (PEM; the same on every silo, naming the addresses participants use)." };
        var key = new Option<string?>("--key") { Description = "Its private key (PEM)." };
        var operatorListen = new Option<string?>("--operator-listen") { Description = "Operator port beside --listen (gRPC health, reflection, /metrics; TLS, no client certificate), e.g. 127.0.0.1:7444." };
        var layout = new Option<string?>("--layout") { Description = "The model's tensors in order, name:shape, e.g. dense.weight:784x10,dense.bias:10 (default: one tensor 'model' of the file's model-dimension)." };
        var insecure = new Option<bool>("--allow-insecure-for-tests") { Description = "Accept the NOT SECURE test preset.", Hidden = true };
        var root = new RootCommand("One silo of the SecAgg aggregator cluster (Orleans over PostgreSQL), or the one-machine node (one silo over SQLite).")
        {
            consortium, certificates, postgres, sqlite, epoch, partitions, address, siloPort, gatewayPort, clusterId, serviceId, kubernetes,
            listen, cert, key, operatorListen, layout, insecure,
        };
        root.SetAction(async (parse, token) =>
        {
            string? listenText = parse.GetValue(listen);
            string? operatorText = parse.GetValue(operatorListen);
            IPEndPoint? listenEndpoint = null, operatorEndpoint = null;
            if ((listenText is not null && !IPEndPoint.TryParse(listenText, out listenEndpoint)) || (operatorText is not null && !IPEndPoint.TryParse(operatorText, out operatorEndpoint)))
            {
                await Console.Error.WriteLineAsync($"--listen/--operator-listen '{(listenText is not null && listenEndpoint is null ? listenText : operatorText)}' is not an address:port such as 127.0.0.1:7443.").ConfigureAwait(false);
                return 2;
            }

            if (listenEndpoint is not null && (parse.GetValue(cert) is null || parse.GetValue(key) is null))
            {
                await Console.Error.WriteLineAsync("--listen serves participants over mutual TLS: give the aggregator's server certificate and key (--cert, --key).").ConfigureAwait(false);
                return 2;
            }

            var options = new ClusterNodeOptions
            {
                ConsortiumFile = parse.GetValue(consortium)!,
                CertificatesDirectory = parse.GetValue(certificates)!,
                Postgres = parse.GetValue(postgres),
                Sqlite = parse.GetValue(sqlite),
                Epoch = parse.GetValue(epoch),
                Partitions = parse.GetValue(partitions),
                Address = parse.GetValue(address)!,
                SiloPort = parse.GetValue(siloPort),
                GatewayPort = parse.GetValue(gatewayPort),
                ClusterId = parse.GetValue(clusterId)!,
                ServiceId = parse.GetValue(serviceId),
                Kubernetes = parse.GetValue(kubernetes),
                Listen = listenEndpoint,
                OperatorListen = operatorEndpoint,
                AllowInsecureParameters = parse.GetValue(insecure),
            };
            try
            {
                if (options.Listen is not null)
                {
                    using ILoggerFactory loggers = LoggerFactory.Create(l => l.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Information));
                    options = options with
                    {
                        ServerCertificate = AggregatorHostOptions.LoadCertificate(parse.GetValue(cert)!, parse.GetValue(key)!),
                        ModelLayout = parse.GetValue(layout) is { } text ? LayoutText.Parse(text) : null,
                        LoggerFactory = loggers,
                    };
                    await using ParticipantFrontEnd node = await ClusterNode.StartAsync(options, token).ConfigureAwait(false);
                    await Console.Out.WriteLineAsync($"secagg cluster node ready: silo {options.Address}:{options.SiloPort}, gateway {options.GatewayPort}, participants {node.Address}").ConfigureAwait(false);
                    try
                    {
                        await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }

                    return 0;
                }

                using IHost host = await ClusterNode.BuildAsync(options, token).ConfigureAwait(false);
                await host.StartAsync(token).ConfigureAwait(false);
                await Console.Out.WriteLineAsync($"secagg cluster node ready: silo {options.Address}:{options.SiloPort}, gateway {options.GatewayPort}").ConfigureAwait(false);
                await host.WaitForShutdownAsync(token).ConfigureAwait(false);
                return 0;
            }
            catch (ConsortiumConfigException e)
            {
                await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
                return 2;
            }
            catch (Exception e) when (e is ArgumentException or IdentityRejectedException or IOException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
            {
                await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
                return 2;
            }
        });
        return root.Parse(args).InvokeAsync();
    }
}
