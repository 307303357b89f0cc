using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Tests.V2;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>
/// An in-process Orleans cluster of the SecAgg grains over one <see cref="InProcessRound"/> consortium (its aggregator
/// preset, pinned roster and epoch), with one backend, fast failure detection, and a <see cref="FoldGate"/> on every
/// silo; <see cref="Driver"/> drives rounds through its client.
/// </summary>
internal sealed class ClusterHarness : IAsyncDisposable
{
    /// <summary>The collect deadline of the test rounds (the approve and decrypt deadlines are the same).</summary>
    public static readonly TimeSpan CollectDeadline = TimeSpan.FromMinutes(30);

    /// <summary>How often a test round's reminder steps it.</summary>
    public static readonly TimeSpan DrivePeriod = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The privacy budget of the test consortium: wide enough that no test round is refused for it (the insecure test preset's
    /// noise is small, so ε per round is large); the ledger's refusals are tested in ConsortiumGrainTests.
    /// </summary>
    public static readonly PrivacyBudget Budget = new(1e12, 1e-5);

    private ClusterHarness(InProcessTestCluster cluster, ClusterBackend backend, FoldGate gate, ClusterConsortium consortium)
    {
        Cluster = cluster;
        Backend = backend;
        Gate = gate;
        Consortium = consortium;
    }

    public InProcessTestCluster Cluster { get; }

    public ClusterBackend Backend { get; }

    public FoldGate Gate { get; }

    public ClusterConsortium Consortium { get; }

    /// <summary>Drives rounds through the cluster client.</summary>
    public ClusterDriver Driver => new(Cluster.Client);

    public static async Task<ClusterHarness> StartAsync(InProcessRound r, string backendName, short silos = 3, int partitions = 4, TimeProvider? clock = null, PrivacyBudget? budget = null)
    {
        var descriptor = r.Consortium.Descriptor;
        var policy = new RoundPolicy(r.Consortium.Ids, descriptor.MinParticipants, descriptor.Threshold, CollectDeadline, TimeSpan.FromMinutes(30));
        var consortium = new ClusterConsortium(r.AggregatorRoster, InProcessRound.EpochId, r.AggregatorPreset.Scheme, policy, partitions, clock) { DrivePeriod = DrivePeriod };
        ClusterBackend backend = await ClusterBackend.CreateAsync(backendName);
        var gate = new FoldGate();
        var builder = new InProcessTestClusterBuilder(backend.Silos ?? silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((options, silo) =>
        {
            silo.AddSecAggGrains(consortium, ClusterPrivacy.For(r.AggregatorPreset, budget ?? Budget));
            backend.Configure(silo);
            backend.ConfigureReminders(silo);
            silo.Services.AddSingleton<IStagedChunks>(gate.On(options.SiloName, backend.Chunks));
            silo.Services.AddSingleton<IStoredShares>(gate.On(options.SiloName, backend.Shares));
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            DetectDeathsFast(silo);
        });
        builder.ConfigureClient(FollowDeathsFast);
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return new ClusterHarness(cluster, backend, gate, consortium);
    }

    /// <summary>The silo the round grain of <paramref name="round"/> is active on (it is activated first).</summary>
    public async Task<InProcessSiloHandle> SiloOfRoundAsync(long round)
    {
        IRoundGrain grain = Cluster.Client.GetGrain<IRoundGrain>(round);
        await ClusterDriver.RetryAsync(() => grain.GetAsync());
        SiloAddress? address = await Driver.Management.GetActivationAddress(grain);
        return Cluster.Silos.Single(s => s.SiloAddress.Equals(address));
    }

    /// <summary>A silo that declares a dead peer within ~5 s (defaults take about a minute) and times calls out after 5 s.</summary>
    public static void DetectDeathsFast(ISiloBuilder silo)
    {
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
        });
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
    }

    /// <summary>A client that times calls out after 5 s and refreshes its gateway list every second.</summary>
    public static void FollowDeathsFast(IClientBuilder client)
    {
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
    }

    public async ValueTask DisposeAsync()
    {
        Gate.Dispose();
        await Cluster.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
