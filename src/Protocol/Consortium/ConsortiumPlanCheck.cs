using System.Globalization;
using SecAgg.Protocol.Identity;

namespace SecAgg.Protocol.Consortium;

/// <summary>
/// The last step of loading a consortium file, shared by <c>consortium init</c> (which loads back what it writes) and
/// the aggregator's start: the <see cref="ConsortiumDescriptor"/> (the one mapping from the file, with the consortium
/// digest), the planned parameters (<see cref="ProtocolPresets.For"/>), and two refusals of a plan that cannot work:
/// <list type="bullet">
/// <item>the planned ε (dp.rounds rounds of N uploads, counting only the N − c honest noise shares) above
/// privacy-budget.epsilon: otherwise the aggregator would refuse every round once the budget runs out, and clients would
/// wait for rounds that never open;</item>
/// <item>dp.rounds × chunks per round above decryption.share-cap: a member would refuse to answer before the planned
/// rounds are over.</item>
/// </list>
/// </summary>
internal static class ConsortiumPlanCheck
{
    /// <exception cref="ConsortiumConfigException">The values do not make a descriptor, cannot be planned, or the plan does not fit.</exception>
    public static ConsortiumConfig Build(ConsortiumConfigValues values, string source)
    {
        ConsortiumDescriptor descriptor;
        try
        {
            descriptor = ConsortiumDescriptor.Create(values.ToDescriptorLiteral());
        }
        catch (ConsortiumDescriptorException e)
        {
            throw new ConsortiumConfigException(source, e.Errors);
        }

        ProtocolPreset preset;
        try
        {
            preset = ProtocolPresets.For(descriptor);
        }
        catch (ProtocolPlanException e)
        {
            throw new ConsortiumConfigException(source, [e.Message]);
        }

        var errors = new List<string>();
        CultureInfo ci = CultureInfo.InvariantCulture;
        if (preset.PlannedEpsilon > values.PrivacyBudget.Epsilon)
        {
            string plan = string.Create(ci,
                $"planned ε {preset.PlannedEpsilon:G4} exceeds the budget {values.PrivacyBudget.Epsilon:G4} ({values.Dp.Rounds} rounds of {descriptor.ParticipantCount} uploads with max-colluders c = {descriptor.MaxColluders}, z = {preset.DdgSettings.NoiseMultiplier:G4}, δ = {values.PrivacyBudget.Delta:G3})");
            errors.Add(plan + ": raise privacy-budget.epsilon, lower dp.rounds, or raise the noise (dp.target-epsilon / dp.noise-sigma)");
        }

        long plannedPairs = (long)values.Dp.Rounds * preset.ChunksPerRound;
        if (plannedPairs > values.Decryption.ShareCap)
        {
            errors.Add(string.Create(ci,
                $"decryption.share-cap {values.Decryption.ShareCap} is below the {plannedPairs} (round, chunk) pairs of the planned rounds (dp.rounds {values.Dp.Rounds} × {preset.ChunksPerRound} chunks per round): raise decryption.share-cap to at least {plannedPairs} or lower dp.rounds (a member answers at most share-cap pairs per key epoch)"));
        }

        if (errors.Count > 0)
        {
            throw new ConsortiumConfigException(source, errors);
        }

        return new ConsortiumConfig(values, descriptor, preset);
    }
}
