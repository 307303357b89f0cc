using Microsoft.Extensions.DependencyInjection;

namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>The cluster's secagg.v1.Rounds front end, for a silo's host to register.</summary>
public static class ClusterFrontEnd
{
    /// <summary>
    /// Registers what the cluster's Rounds service (ClusterRoundsService, to map in the participant pipeline) needs on a
    /// silo, and the round opener (a hosted service: it holds the initial model and opens each round once the key epoch is
    /// ready and the previous round finished). The host must also register the silo's <c>IGrainFactory</c> (Orleans does),
    /// <see cref="ClusterConsortium"/> (<c>AddSecAggGrains</c>), the consortium's <c>TensorLayout</c> and an
    /// <c>IKeyEpochReadiness</c> over the key epoch's shared state.
    /// </summary>
    /// <param name="services">The silo host's services.</param>
    /// <param name="initialModel">Model version 0 (the layout's length) when no silo holds one yet; null: zeros. A silo that finds another version 0 held keeps it.</param>
    public static IServiceCollection AddClusterRounds(this IServiceCollection services, float[]? initialModel = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(new ClusterRoundsSettings(initialModel, TimeSpan.FromSeconds(1)));
        services.AddSingleton<OpeningNotes>();
        services.AddSingleton<ClusterRoundBook>();
        services.AddSingleton<ClusterModels>();
        services.AddSingleton<ClusterUploadDesk>();
        services.AddSingleton<ClusterApprovalDesk>();
        services.AddSingleton<ClusterDecryptionDesk>();
        services.AddHostedService<ClusterRoundOpener>();
        return services;
    }
}
