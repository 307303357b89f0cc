using SecAgg.Crypto.Ckks.Internal;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Ckks;

/// <summary>
/// A CKKS public key (p0, p1) = (−a·s + e, a) in NTT form at every limb, with bounds ‖s‖∞ ≤ B_s and ‖e‖∞ ≤ B_e
/// (1 and 19 for a key from <see cref="CkksKeyGenerator"/>) from which every fresh encryption's noise bound follows.
/// </summary>
public sealed class CkksPublicKey
{
    internal CkksPublicKey(CkksParameters parameters, Poly p0, Poly p1, double secretNormBound, double errorNormBound)
    {
        Parameters = parameters;
        P0 = p0;
        P1 = p1;
        P0Shoup = parameters.Ring.ComputeShoup(p0);
        P1Shoup = parameters.Ring.ComputeShoup(p1);
        SecretNormBound = secretNormBound;
        ErrorNormBound = errorNormBound;
    }

    /// <summary>The parameters.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>Bound on ‖s‖∞ of the secret behind the key.</summary>
    public double SecretNormBound { get; }

    /// <summary>Bound on ‖e‖∞ of the key's error.</summary>
    public double ErrorNormBound { get; }

    /// <summary>Rigorous ‖e·u + e1 + e2·s‖∞ of a fresh encryption: n·B_e + 19 + n·19·B_s.</summary>
    public double FreshNoiseBound => ErrorModel.FreshPublicKeyNoise(Parameters.N, SecretNormBound, ErrorNormBound);

    internal Poly P0 { get; }

    internal Poly P1 { get; }

    internal Poly P0Shoup { get; }

    internal Poly P1Shoup { get; }
}
