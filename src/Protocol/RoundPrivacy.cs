using SecAgg.Quantize.Accounting;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol;

/// <summary>
/// Privacy spent by published rounds with their ACTUAL summand counts, counting only honest noise: round r is the DDG
/// sum of k_r uploads of which up to c (max-colluders) collude with the aggregator and know their own noise, so it
/// carries h_r = k_r − c honest noise shares of σ_int each (fewer summands or more colluders mean less noise, a larger
/// ε); sensitivity the norm bound B, padded dimension d (Rényi DP per order, composed by addition, converted with
/// Canonne-Kamath-Steinke; privacy.md, docs/threat-model.md "Privacy accounting with colluders").
/// </summary>
public static class RoundPrivacy
{
    /// <summary>ε at <paramref name="delta"/> of publishing rounds with the given summand counts when nobody colludes (c = 0).</summary>
    public static double ComposedEpsilon(DdgParameters parameters, IReadOnlyList<int> summandsPerRound, double delta)
        => ComposedEpsilon(parameters, summandsPerRound, colluders: 0, delta);

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
        foreach (int k in summandsPerRound)
        {
            if (k < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(summandsPerRound), $"A round has {k} summands; at least 1 is needed to publish.");
            }

            accountant.ComposeDdgHonest(parameters, PrivacyAccountant.HonestSummands(k, colluders));
        }

        return summandsPerRound.Count == 0 ? 0 : accountant.GetEpsilon(delta).Epsilon;
    }
}
