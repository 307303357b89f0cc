using SecAgg.Aggregator.Privacy;
using SecAgg.Protocol;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Aggregator.Cluster;

/// <summary>
/// What the cluster's privacy ledger needs (the same on every silo): the consortium's (ε, δ) budget and the accountant that
/// gives ε of a sequence of rounds from their actual summand counts.
/// </summary>
/// <param name="Budget">The consortium's budget (consortium file, <c>dp</c> section).</param>
/// <param name="Cost">The accountant (<see cref="RoundPrivacyCost"/> for a preset).</param>
public sealed record ClusterPrivacy(PrivacyBudget Budget, IPrivacyCost Cost)
{
    /// <summary>The ledger of a consortium running <paramref name="preset"/> under <paramref name="budget"/>.</summary>
    public static ClusterPrivacy For(ProtocolPreset preset, PrivacyBudget budget) => new(budget, new RoundPrivacyCost(preset));
}
