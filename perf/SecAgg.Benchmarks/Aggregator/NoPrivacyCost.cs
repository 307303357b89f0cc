using SecAgg.Aggregator.Privacy;

namespace SecAgg.Benchmarks.Aggregator;

/// <summary>A privacy cost of zero: the aggregator benchmarks open rounds without a budget getting in the way.</summary>
internal sealed class NoPrivacyCost : IPrivacyCost
{
    public double ComposedEpsilon(IReadOnlyList<int> summandsPerRound, double delta) => 0;
}
