using SecAgg.Quantize.Accounting;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol;

/// <summary>
/// Privacy spent by published rounds with their ACTUAL summand counts: each round is the DDG sum of
/// k_r participants' noise of σ_int each (fewer summands than expected means less noise, a larger ε),
/// sensitivity the norm bound B, padded dimension d (Rényi DP per order, composed by addition,
/// converted with Canonne-Kamath-Steinke; privacy.md).
/// </summary>
public static class RoundPrivacy
{
    /// <summary>ε at <paramref name="delta"/> of publishing rounds with the given summand counts under <paramref name="parameters"/>.</summary>
    public static double ComposedEpsilon(DdgParameters parameters, IReadOnlyList<int> summandsPerRound, double delta)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(summandsPerRound);
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), $"delta = {delta} must be in (0, 1).");
        }

        if (summandsPerRound.Count == 0)
        {
            return 0;
        }

        IReadOnlyList<double> orders = PrivacyAccountant.DefaultOrders;
        var rdp = new double[orders.Count];
        foreach (int k in summandsPerRound)
        {
            if (k < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(summandsPerRound), $"A round has {k} summands; at least 1 is needed to publish.");
            }

            for (int i = 0; i < orders.Count; i++)
            {
                rdp[i] += RdpMath.DdgSum(orders[i], k, parameters.SigmaInt, parameters.NormBound, parameters.PaddedDimension);
            }
        }

        return RdpMath.ToEpsilon(orders, rdp, delta).Epsilon;
    }
}
