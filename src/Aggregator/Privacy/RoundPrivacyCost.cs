using SecAgg.Protocol;

namespace SecAgg.Aggregator.Privacy;

/// <summary>
/// The privacy ledger's seam: ε of rounds with the given actual summand counts under the consortium's DDG parameters,
/// counting only k − c honest summands per round (<see cref="RoundPrivacy"/> with the file's max-colluders c).
/// </summary>
public sealed class RoundPrivacyCost(ProtocolPreset preset) : IPrivacyCost
{
    /// <inheritdoc/>
    public double ComposedEpsilon(IReadOnlyList<int> summandsPerRound, double delta) =>
        RoundPrivacy.ComposedEpsilon(preset.Ddg, summandsPerRound, preset.Descriptor.MaxColluders, delta);
}
