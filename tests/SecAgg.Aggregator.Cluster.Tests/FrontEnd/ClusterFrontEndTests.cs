using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Aggregator.Cluster.FrontEnd;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service;
using SecAgg.Protocol.Tests.V2;
using HeScheme = SecAgg.Protocol.HeScheme;

namespace SecAgg.Aggregator.Cluster.Tests.FrontEnd;

/// <summary>The registration a silo's host calls: with what the host provides, the service and the opener resolve.</summary>
public sealed class ClusterFrontEndTests
{
    [Fact]
    public void AddClusterRoundsRegistersWhatTheServiceAndTheOpenerNeedBesidesTheHostsOwn()
    {
        using InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        var descriptor = r.Consortium.Descriptor;
        var policy = new RoundPolicy(r.Consortium.Ids, descriptor.MinParticipants, descriptor.Threshold, ClusterHarness.CollectDeadline, TimeSpan.FromMinutes(30));
        var services = new ServiceCollection();

        // What the silo host registers: Orleans' grain factory, the consortium, the layout, the key epoch, the loggers; and
        // the Rounds service as the participant pipeline does.
        services.AddSingleton(DispatchProxy.Create<IGrainFactory, Unreachable>());
        services.AddSingleton(new ClusterConsortium(r.AggregatorRoster, InProcessRound.EpochId, r.AggregatorPreset.Scheme, policy, partitions: 4));
        services.AddSingleton(InProcessRound.Layout);
        services.AddSingleton<IKeyEpochReadiness>(new TestEpochReadiness());
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton<ClusterRoundsService>();
        ClusterFrontEnd.AddClusterRounds(services, initialModel: new float[InProcessRound.Dimension]);

        using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Assert.NotNull(provider.GetRequiredService<ClusterRoundsService>());
        Assert.IsType<ClusterRoundOpener>(Assert.Single(provider.GetServices<IHostedService>()));
        Assert.Same(provider.GetRequiredService<ClusterRoundBook>(), provider.GetRequiredService<ClusterRoundBook>()); // one per silo: its parameter cache
    }

    /// <summary>A grain factory no call reaches (resolution only).</summary>
    public class Unreachable : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => throw new InvalidOperationException("no grain is called while services resolve");
    }
}
