using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

/// <summary>The whole a_{r,k} for references in tests (the protocol only ever reads it a limb at a time).</summary>
internal static class RoundPolynomialWhole
{
    /// <summary>a_{r,k} in NTT form, read limb after limb through <see cref="RoundPolynomial.OpenLimbs"/>.</summary>
    public static Poly ToPoly(this RoundPolynomial a)
    {
        Poly poly = a.Parameters.Ring.NewPoly();
        using (RoundPolynomial.LimbReader limbs = a.OpenLimbs())
        {
            for (int l = 0; l < poly.LimbCount; l++)
            {
                limbs.Next(poly.Limb(l));
            }
        }

        poly.IsNtt = true;
        return poly;
    }
}
