using SecAgg.Quantize.Accounting;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol;

/// <summary>
/// Privacy spent by published rounds with their ACTUAL summand counts, counting only honest noise: round r is the DDG
/// sum of k_r uploads of which up to c (max-colluders) collude with the aggregator and know their own noise, so it
/// carries h_r = k_r − c honest noise shares of σ_int each (fewer summands or more colluders mean less noise, a larger
/// ε); sensitivity the norm bound B, padded dimension d (Rényi DP per order, composed by addition, converted with
/// Canonne-Kamath-Steinke; privacy.md, docs/threat-model.md "Privacy accounting with colluders"). Both the aggregator's
/// ledger and each participant's (<see cref="ParticipantPrivacyLedger"/>) use it, always with c.
/// </summary>
public static class RoundPrivacy
{
    /// <summary>
    /// ε at <paramref name="delta"/> of publishing rounds with the given summand counts k_r under
    /// <paramref name="parameters"/>, counting the noise of k_r − <paramref name="colluders"/> honest summands per round.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">δ outside (0, 1), c &lt; 0, or a round with k − c &lt; 1 (the message names k and c).</exception>
    public static double ComposedEpsilon(DdgParameters parameters, IReadOnlyList<int> summandsPerRound, int colluders, double delta)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(summandsPerRound);
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), $"delta = {delta} must be in (0, 1).");
        }

        if (colluders < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(colluders), $"max-colluders c = {colluders} must be 0 or more.");
        }

        var accountant = new PrivacyAccountant();
        foreach (IGrouping<int, int> rounds in summandsPerRound.GroupBy(k => k))
        {
            if (rounds.Key < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(summandsPerRound), $"A round has {rounds.Key} summands; at least 1 is needed to publish.");
            }

            accountant.ComposeDdgHonest(parameters, PrivacyAccountant.HonestSummands(rounds.Key, colluders), rounds.Count());
        }

        return summandsPerRound.Count == 0 ? 0 : accountant.GetEpsilon(delta).Epsilon;
    }

    /// <summary>ε of rounds with the given summand counts under a consortium's preset: its DDG mechanism, c and δ.</summary>
    public static double ComposedEpsilon(ProtocolPreset preset, IReadOnlyList<int> summandsPerRound)
    {
        ArgumentNullException.ThrowIfNull(preset);
        return ComposedEpsilon(preset.Ddg, summandsPerRound, preset.Descriptor.MaxColluders, preset.Descriptor.Delta);
    }

    /// <summary>
    /// Whether one more round of <paramref name="nextSummands"/> uploads after <paramref name="spentSummands"/> keeps the
    /// composed ε within the consortium's budget. The aggregator asks it for the worst case (k = min-participants) before
    /// opening a round; a participant for the round's real |U| before approving it.
    /// </summary>
    /// <param name="preset">The consortium's preset (DDG mechanism, c, δ, budget).</param>
    /// <param name="spentSummands">Summand counts of the rounds already charged.</param>
    /// <param name="nextSummands">k of the next round.</param>
    /// <param name="epsilon">The composed ε with the next round (∞ when k − c &lt; 1).</param>
    public static bool Allows(ProtocolPreset preset, IReadOnlyList<int> spentSummands, int nextSummands, out double epsilon)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(spentSummands);
        if (nextSummands - preset.Descriptor.MaxColluders < 1)
        {
            epsilon = double.PositiveInfinity;
            return false;
        }

        epsilon = ComposedEpsilon(preset, [.. spentSummands, nextSummands]);
        return epsilon <= preset.Descriptor.EpsilonBudget;
    }
}
