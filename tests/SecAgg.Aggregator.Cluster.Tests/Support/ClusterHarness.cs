using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Rounds;
using SecAgg.Protocol.Tests.V2;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>
/// An in-process Orleans cluster of the SecAgg grains over one <see cref="InProcessRound"/> consortium (its aggregator
/// preset, pinned roster and epoch), with one backend, fast failure detection, and a <see cref="FoldGate"/> on every
/// silo; <see cref="Driver"/> drives rounds through its client.
/// </summary>
internal sealed class ClusterHarness : IAsyncDisposable
{
    /// <summary>The collect deadline of the test rounds.</summary>
    public static readonly TimeSpan CollectDeadline = TimeSpan.FromMinutes(30);

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

    public static async Task<ClusterHarness> StartAsync(InProcessRound r, string backendName, short silos = 3, int partitions = 4, TimeProvider? clock = null)
    {
        var descriptor = r.Consortium.Descriptor;
        var policy = new RoundPolicy(r.Consortium.Ids, descriptor.MinParticipants, descriptor.Threshold, CollectDeadline, TimeSpan.FromMinutes(30));
        var consortium = new ClusterConsortium(r.AggregatorRoster, InProcessRound.EpochId, r.AggregatorPreset.Scheme, policy, partitions, clock);
        ClusterBackend backend = await ClusterBackend.CreateAsync(backendName);
        var gate = new FoldGate();
        var builder = new InProcessTestClusterBuilder(backend.Silos ?? silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((options, silo) =>
        {
            silo.AddSecAggGrains(consortium);
            backend.Configure(silo);
            silo.Services.AddSingleton<IStagedChunks>(gate.On(options.SiloName, backend.Chunks));
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
        });
        builder.ConfigureClient(client =>
        {
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        });
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return new ClusterHarness(cluster, backend, gate, consortium);
    }

    public async ValueTask DisposeAsync()
    {
        Gate.Dispose();
        await Cluster.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
