using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using SecAgg.Aggregator.Cluster.Schema;
using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Identity;

namespace SecAgg.Aggregator.Cluster.Hosting;

/// <summary>
/// One silo process: reads the consortium file and the enrolled certificates, creates the PostgreSQL schema if missing,
/// joins the cluster through PostgreSQL (ADO.NET membership) and hosts the SecAgg grains until stopped. Membership timing
/// can be tuned from configuration (environment <c>Orleans__Membership__ProbeTimeout=00:00:02</c> and the other
/// <see cref="ClusterMembershipOptions"/>).
/// </summary>
public static class ClusterNode
{
    /// <summary>Builds the silo host of <paramref name="options"/> (not started).</summary>
    /// <exception cref="ConsortiumConfigException">The consortium file is invalid (every problem listed).</exception>
    /// <exception cref="ArgumentException">A certificate is missing or no PostgreSQL connection is configured.</exception>
    /// <exception cref="IdentityRejectedException">A certificate does not match its pin or the consortium CA.</exception>
    public static async Task<IHost> BuildAsync(ClusterNodeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ConsortiumConfig config = ConsortiumConfigLoader.Load(options.ConsortiumFile);
        string postgres = options.Postgres ?? config.Storage.PostgresConnectionString
            ?? throw new ArgumentException($"No PostgreSQL database: give --postgres or a postgres storage section in {options.ConsortiumFile}; a cluster keeps its state there.");
        PinnedRoster roster = AdmitAll(config, options.CertificatesDirectory);
        var consortium = new ClusterConsortium(roster, options.Epoch, config.Preset.Scheme, RoundPolicy.FromConfig(config), options.Partitions);

        NpgsqlDataSource dataSource = NpgsqlDataSource.Create(postgres);
        await ClusterSchema.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);

        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = false, Args = [] });
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddSingleton(roster);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId ?? config.Name;
            });
            silo.ConfigureEndpoints(IPAddress.Parse(options.Address), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
            silo.Services.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("Orleans:Membership"));
            silo.UsePostgresClustering(dataSource);
            silo.UsePostgresStorage(dataSource);
            silo.AddSecAggGrains(consortium);
            if (options.Kubernetes)
            {
                silo.UseKubernetesHosting();
            }
        });
        return builder.Build();
    }

    private static PinnedRoster AdmitAll(ConsortiumConfig config, string directory)
    {
        X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(config.CaCertificatePath));
        var roster = new PinnedRoster(config.Descriptor, ca);
        foreach (ParticipantConfig participant in config.Participants)
        {
            string path = Path.Combine(directory, participant.Id + ".pem");
            if (!File.Exists(path))
            {
                throw new ArgumentException($"Participant '{participant.Id}' has no certificate at {path}; every enrolled participant's certificate is needed to verify its statements.");
            }

            using X509Certificate2 certificate = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            roster.Admit(participant.Id, certificate);
        }

        return roster;
    }
}
