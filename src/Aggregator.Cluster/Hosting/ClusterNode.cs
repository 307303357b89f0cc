using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SecAgg.Aggregator.Cluster.Storage;
using SecAgg.Aggregator.Cluster.FrontEnd;
using SecAgg.Aggregator.Service;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Identity;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Aggregator.Cluster.Hosting;

/// <summary>
/// One silo process: reads the consortium file and the enrolled certificates, then either joins a cluster through
/// PostgreSQL (ADO.NET membership, grain state and staged chunks; the schema is created if missing) or, on one machine,
/// runs as the only silo with localhost clustering and everything durable in one SQLite file
/// (<see cref="SqliteClusterDatabase"/>), and hosts the SecAgg grains until stopped. Membership timing can be tuned from
/// configuration (environment <c>Orleans__Membership__ProbeTimeout=00:00:02</c> and the other
/// <see cref="ClusterMembershipOptions"/>).
/// </summary>
public static class ClusterNode
{
    /// <summary>Builds the silo host of <paramref name="options"/> (not started).</summary>
    /// <exception cref="ConsortiumConfigException">The consortium file is invalid (every problem listed).</exception>
    /// <exception cref="ArgumentException">A certificate is missing, the storage options contradict each other, or the SQLite folder (and its parent) is missing.</exception>
    /// <exception cref="IdentityRejectedException">A certificate does not match its pin or the consortium CA.</exception>
    /// <exception cref="IOException">The SQLite folder is not writable, another node runs on it, or its file is not a cluster database.</exception>
    public static async Task<IHost> BuildAsync(ClusterNodeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        SiloPlan plan = await SiloPlan.CreateAsync(options, cancellationToken).ConfigureAwait(false);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = false, Args = [] });
        plan.Register(builder.Services);
        builder.UseOrleans(silo => plan.Configure(silo, builder.Configuration));
        try
        {
            IHost host = builder.Build();
            _ = host.Services.GetService<SqliteClusterDatabase>();
            return host;
        }
        catch
        {
            plan.Database?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts a silo that also serves participants on <see cref="ClusterNodeOptions.Listen"/>: the participant pipeline of
    /// <see cref="ParticipantFrontEnd"/> (mTLS with <see cref="ClusterNodeOptions.ServerCertificate"/>, the participant's id
    /// from its pinned client certificate, the key epoch over documents every silo shares: the cluster's PostgreSQL, or
    /// <c>FOLDER/documents.db</c> on one machine) with the cluster's secagg.v1.Rounds over the grains
    /// over the grains (<see cref="ClusterFrontEnd"/>: any silo accepts any call; each silo's round opener opens the next
    /// round once the key epoch is ready); the Orleans silo runs in the same host. Disposing it stops both.
    /// </summary>
    /// <exception cref="ConsortiumConfigException">The consortium file is invalid (every problem listed).</exception>
    /// <exception cref="ArgumentException">No listen address or server certificate, a missing certificate, contradicting storage options.</exception>
    /// <exception cref="IdentityRejectedException">A certificate does not match its pin or the consortium CA.</exception>
    /// <exception cref="IOException">The SQLite folder is not writable or another node runs on it.</exception>
    public static async Task<ParticipantFrontEnd> StartAsync(ClusterNodeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        IPEndPoint listen = options.Listen ?? throw new ArgumentException("The participant endpoint needs an address to listen on (--listen).");
        X509Certificate2 certificate = options.ServerCertificate ?? throw new ArgumentException("The participant endpoint needs the aggregator's server certificate and key (--cert, --key).");
        SiloPlan plan = await SiloPlan.CreateAsync(options, cancellationToken).ConfigureAwait(false);
        try
        {
            var host = new AggregatorHostOptions
            {
                ConfigPath = options.ConsortiumFile,
                ServerCertificate = certificate,
                ModelLayout = options.ModelLayout ?? new TensorLayout([new TensorSpec("model", [plan.Config.ModelDimension])]),
                Listen = listen,
                OperatorListen = options.OperatorListen,
                Storage = plan.Documents,
                AllowInsecureParameters = options.AllowInsecureParameters,
                LoggerFactory = options.LoggerFactory,
            };
            return await ParticipantFrontEnd.StartAsync<ClusterRoundsService>(host, builder =>
            {
                builder.Configuration.AddEnvironmentVariables();
                plan.Register(builder.Services);
                builder.UseOrleans(silo => plan.Configure(silo, builder.Configuration));
                builder.Services.AddClusterRounds(options.InitialModel);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            plan.Database?.Dispose();
            throw;
        }
    }

    /// <summary>The one-machine node's folder when the consortium file names a SQLite database at <paramref name="sqlitePath"/>: <c>PATH.cluster</c>.</summary>
    public static string DefaultSqliteFolder(string sqlitePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(sqlitePath);
        return Path.GetFullPath(sqlitePath) + ".cluster";
    }
}
