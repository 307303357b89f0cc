using SecAgg.Aggregator.Privacy;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Aggregator.Service.Driver;

/// <summary>The privacy ledger's seam: ε of rounds with the given actual summand counts under the consortium's DDG parameters.</summary>
internal sealed class RoundPrivacyCost(DdgParameters ddg) : IPrivacyCost
{
    public double ComposedEpsilon(IReadOnlyList<int> summandsPerRound, double delta) => RoundPrivacy.ComposedEpsilon(ddg, summandsPerRound, delta);
}
