using SecAgg.Aggregator.Cluster.Grains;

namespace SecAgg.Aggregator.Cluster.State;

/// <summary>What the consortium grain persists, as one record: the latest round it opened and the privacy ledger.</summary>
[GenerateSerializer]
internal sealed class ConsortiumGrainState
{
    /// <summary>The latest round number recorded as opened; 0 before the first.</summary>
    [Id(0)] public long LatestRound { get; set; }

    /// <summary>The ledger: what each round that spent privacy spent, oldest first.</summary>
    [Id(1)] public List<SpentRound> Ledger { get; set; } = [];
}
