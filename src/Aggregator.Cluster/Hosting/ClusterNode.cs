using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using SecAgg.Aggregator.Cluster.Schema;
using SecAgg.Aggregator.Cluster.Storage;
using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Identity;

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
        ConsortiumConfig config = ConsortiumConfigLoader.Load(options.ConsortiumFile);
        (string? postgres, string? sqlite) = ChooseStorage(options, config);
        PinnedRoster roster = AdmitAll(config, options.CertificatesDirectory);
        var consortium = new ClusterConsortium(roster, options.Epoch, config.Preset.Scheme, RoundPolicy.FromConfig(config), options.Partitions);
        string serviceId = options.ServiceId ?? config.Name;

        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = false, Args = [] });
        builder.Services.AddSingleton(roster);
        Action<ISiloBuilder> storage;
        SqliteClusterDatabase? database = null;
        if (sqlite is not null)
        {
            database = await SqliteClusterDatabase.OpenAsync(sqlite, cancellationToken).ConfigureAwait(false);
            // Created by a factory, so the host's container owns it: disposing the host closes the file and releases the folder's lock.
            builder.Services.AddSingleton(_ => database);
            storage = silo =>
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: serviceId, clusterId: options.ClusterId);
                silo.UseSqliteStorage(database);
            };
        }
        else
        {
            NpgsqlDataSource dataSource = NpgsqlDataSource.Create(postgres!);
            await ClusterSchema.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
            builder.Services.AddSingleton(dataSource);
            storage = silo =>
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = serviceId;
                });
                silo.ConfigureEndpoints(IPAddress.Parse(options.Address), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
                silo.UsePostgresClustering(dataSource);
                silo.UsePostgresStorage(dataSource);
            };
        }

        builder.UseOrleans(silo =>
        {
            silo.Services.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("Orleans:Membership"));
            storage(silo);
            silo.AddSecAggGrains(consortium, ClusterPrivacy.For(config.Preset, config.PrivacyBudget));
            if (options.Kubernetes)
            {
                silo.UseKubernetesHosting();
            }
        });
        try
        {
            IHost host = builder.Build();
            _ = host.Services.GetService<SqliteClusterDatabase>();
            return host;
        }
        catch
        {
            database?.Dispose();
            throw;
        }
    }

    /// <summary>The one-machine node's folder when the consortium file names a SQLite database at <paramref name="sqlitePath"/>: <c>PATH.cluster</c>.</summary>
    public static string DefaultSqliteFolder(string sqlitePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(sqlitePath);
        return Path.GetFullPath(sqlitePath) + ".cluster";
    }

    /// <summary>PostgreSQL (a cluster) or a SQLite folder (one machine): the options first, else the consortium file's storage section.</summary>
    private static (string? Postgres, string? Sqlite) ChooseStorage(ClusterNodeOptions options, ConsortiumConfig config)
    {
        if (options.Postgres is not null && options.Sqlite is not null)
        {
            throw new ArgumentException("Give --postgres (a cluster of silos) or --sqlite (one machine), not both.");
        }

        (string? postgres, string? sqlite) = options.Postgres is not null || options.Sqlite is not null
            ? (options.Postgres, options.Sqlite)
            : config.Storage.Provider == StorageProvider.Postgres
                ? (config.Storage.PostgresConnectionString, null)
                : (null, DefaultSqliteFolder(config.Storage.SqlitePath ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.ConsortiumFile))!, "aggregator.db")));
        if (sqlite is not null && options.Kubernetes)
        {
            throw new ArgumentException("--kubernetes runs silos in several pods, which must share PostgreSQL (--postgres or a postgres storage section); a SQLite folder is one machine's.");
        }

        if (sqlite is not null && !(IPAddress.TryParse(options.Address, out IPAddress? address) && IPAddress.IsLoopback(address)))
        {
            throw new ArgumentException($"The one-machine node (SQLite) listens on loopback only; --address {options.Address} is for a cluster (--postgres).");
        }

        return (postgres, sqlite);
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
