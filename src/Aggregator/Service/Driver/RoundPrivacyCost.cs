using SecAgg.Aggregator.Privacy;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Service.Driver;

/// <summary>
/// The privacy ledger's seam: ε of rounds with the given actual summand counts under the consortium's DDG parameters,
/// counting only k − c honest summands per round (<see cref="RoundPrivacy"/> with the file's max-colluders c).
/// </summary>
internal sealed class RoundPrivacyCost(ProtocolPreset preset) : IPrivacyCost
{
    public double ComposedEpsilon(IReadOnlyList<int> summandsPerRound, double delta) =>
        RoundPrivacy.ComposedEpsilon(preset.Ddg, summandsPerRound, preset.Descriptor.MaxColluders, delta);
}
