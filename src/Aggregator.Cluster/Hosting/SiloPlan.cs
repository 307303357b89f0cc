using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;
using SecAgg.Aggregator.Cluster.Schema;
using SecAgg.Aggregator.Cluster.Storage;
using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Identity;

namespace SecAgg.Aggregator.Cluster.Hosting;

/// <summary>
/// What one silo of <see cref="ClusterNodeOptions"/> is, whichever host runs it (grains only, or with the participant
/// front end): the checked consortium file, the admitted roster, the storage (PostgreSQL with its schema ensured, or the
/// one-machine SQLite folder opened and locked) and where the shared key-epoch documents live.
/// </summary>
internal sealed class SiloPlan
{
    private readonly ClusterNodeOptions _options;
    private readonly ClusterConsortium _consortium;
    private readonly NpgsqlDataSource? _dataSource;
    private readonly string _serviceId;

    private SiloPlan(ClusterNodeOptions options, ConsortiumConfig config, PinnedRoster roster, ClusterConsortium consortium, NpgsqlDataSource? dataSource, SqliteClusterDatabase? database, StorageConfig documents)
    {
        _options = options;
        Config = config;
        Roster = roster;
        _consortium = consortium;
        _dataSource = dataSource;
        Database = database;
        Documents = documents;
        _serviceId = options.ServiceId ?? config.Name;
    }

    /// <summary>The checked consortium file.</summary>
    public ConsortiumConfig Config { get; }

    /// <summary>The roster with every enrolled certificate admitted.</summary>
    public PinnedRoster Roster { get; }

    /// <summary>The one-machine node's open database (null in a PostgreSQL cluster).</summary>
    public SqliteClusterDatabase? Database { get; }

    /// <summary>Where the key epoch's documents live: the cluster's PostgreSQL, or <c>FOLDER/documents.db</c>.</summary>
    public StorageConfig Documents { get; }

    /// <summary>Reads and checks everything; opens (and locks) the SQLite folder or ensures the PostgreSQL schema.</summary>
    public static async Task<SiloPlan> CreateAsync(ClusterNodeOptions options, CancellationToken ct)
    {
        ConsortiumConfig config = ConsortiumConfigLoader.Load(options.ConsortiumFile);
        (string? postgres, string? sqlite) = ChooseStorage(options, config);
        PinnedRoster roster = AdmitAll(config, options.CertificatesDirectory);
        var consortium = new ClusterConsortium(roster, options.Epoch, config.Preset.Scheme, RoundPolicy.FromConfig(config), options.Partitions);
        if (sqlite is not null)
        {
            SqliteClusterDatabase database = await SqliteClusterDatabase.OpenAsync(sqlite, ct).ConfigureAwait(false);
            return new SiloPlan(options, config, roster, consortium, null, database, new StorageConfig(StorageProvider.Sqlite, Path.Combine(sqlite, "documents.db"), null));
        }

        NpgsqlDataSource dataSource = NpgsqlDataSource.Create(postgres!);
        await ClusterSchema.EnsureAsync(dataSource, ct).ConfigureAwait(false);
        return new SiloPlan(options, config, roster, consortium, dataSource, null, new StorageConfig(StorageProvider.Postgres, null, postgres));
    }

    /// <summary>Registers the roster and the storage handles in the host's container (the SQLite database by a factory, so disposing the host closes it and unlocks the folder).</summary>
    public void Register(IServiceCollection services)
    {
        services.AddSingleton(Roster);
        services.AddSingleton(_consortium);
        if (Database is { } database)
        {
            services.AddSingleton(_ => database);
        }
        else
        {
            services.AddSingleton(_dataSource!);
        }
    }

    /// <summary>Configures the silo: membership timing from <paramref name="configuration"/>, clustering and storage, the SecAgg grains.</summary>
    public void Configure(ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection("Orleans:Membership"));
        if (Database is { } database)
        {
            silo.UseLocalhostClustering(_options.SiloPort, _options.GatewayPort, serviceId: _serviceId, clusterId: _options.ClusterId);
            silo.UseSqliteStorage(database);
        }
        else
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = _options.ClusterId;
                o.ServiceId = _serviceId;
            });
            silo.ConfigureEndpoints(IPAddress.Parse(_options.Address), _options.SiloPort, _options.GatewayPort, listenOnAnyHostAddress: false);
            silo.UsePostgresClustering(_dataSource!);
            silo.UsePostgresStorage(_dataSource!);
        }

        silo.AddSecAggGrains(_consortium, ClusterPrivacy.For(Config.Preset, Config.PrivacyBudget));
        if (_options.Kubernetes)
        {
            silo.UseKubernetesHosting();
        }
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
                : (null, ClusterNode.DefaultSqliteFolder(config.Storage.SqlitePath ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.ConsortiumFile))!, "aggregator.db")));
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
