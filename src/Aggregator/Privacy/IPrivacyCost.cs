namespace SecAgg.Aggregator.Privacy;

/// <summary>
/// The privacy accountant seen from the aggregator: the epsilon, at a given delta, of releasing a sequence of
/// round aggregates, each the sum of <c>summandsPerRound[k]</c> participants' discrete Gaussian noise shares
/// (fewer summands means less total noise, so a larger epsilon). Implemented by the quantize layer's accountant
/// (privacy.md); it must be monotone: adding a round, or lowering a round's summands, never lowers the result.
/// </summary>
public interface IPrivacyCost
{
    /// <summary>Epsilon at <paramref name="delta"/> of the composition of the given rounds (in publication order).</summary>
    double ComposedEpsilon(IReadOnlyList<int> summandsPerRound, double delta);
}
