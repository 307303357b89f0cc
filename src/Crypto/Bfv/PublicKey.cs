using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Bfv;

/// <summary>
/// A BFV public key (p0, p1) = (−a·s + e, a) in NTT form at every limb, with the bounds the encryption noise
/// bound needs: ‖s‖∞ ≤ <see cref="SecretNormBound"/> and ‖e‖∞ ≤ <see cref="ErrorNormBound"/>. A collective key of N
/// parties (p0 = Σ(−a·s_i + e_i), p1 = a) has bounds N·1 and N·19.
/// </summary>
public sealed class PublicKey
{
    /// <summary>Wraps NTT-form polynomials (taken over, not copied) as a public key.</summary>
    /// <exception cref="ArgumentException">Shapes, domains or bounds are invalid.</exception>
    public PublicKey(BfvContext context, Poly p0, Poly p1, double secretNormBound, double errorNormBound)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.CheckPoly(p0, nameof(p0));
        context.CheckPoly(p1, nameof(p1));
        if (!p0.IsNtt || !p1.IsNtt || p0.LimbCount != context.MaxLimbCount || p1.LimbCount != context.MaxLimbCount)
        {
            throw new ArgumentException("Public-key components must be in NTT form with every limb.", nameof(p0));
        }

        Ciphertext.CheckBound(secretNormBound, nameof(secretNormBound));
        Ciphertext.CheckBound(errorNormBound, nameof(errorNormBound));
        Context = context;
        P0 = p0;
        P1 = p1;
        P0Shoup = context.Ring.ComputeShoup(p0);
        P1Shoup = context.Ring.ComputeShoup(p1);
        SecretNormBound = secretNormBound;
        ErrorNormBound = errorNormBound;
    }

    /// <summary>The parameters.</summary>
    public BfvContext Context { get; }

    /// <summary>p0 = −a·s + e (NTT form).</summary>
    public Poly P0 { get; }

    /// <summary>p1 = a (NTT form).</summary>
    public Poly P1 { get; }

    /// <summary>Bound on ‖s‖∞ of the matching secret.</summary>
    public double SecretNormBound { get; }

    /// <summary>Bound on ‖e‖∞ of the key's error.</summary>
    public double ErrorNormBound { get; }

    internal Poly P0Shoup { get; }

    internal Poly P1Shoup { get; }

    /// <summary>
    /// The rigorous bound on the invariant noise of a fresh public-key encryption under this key:
    /// ‖e·u + e1 + e2·s‖∞ + 1/2 ≤ n·B_e·1 + B_err + n·B_err·B_s + 1/2, with u ternary, e1, e2 the encryption errors
    /// (|·| ≤ B_err = 19) and 1/2 the rounding of round(q·m/t).
    /// </summary>
    public double FreshNoiseBound
    {
        get
        {
            double n = Context.N;
            double bErr = Context.ErrorSampler.Bound;
            double a = Internal.NoiseMath.MulUp(n, ErrorNormBound);
            double b = Internal.NoiseMath.MulUp(Internal.NoiseMath.MulUp(n, bErr), SecretNormBound);
            return Internal.NoiseMath.AddUp(Internal.NoiseMath.AddUp(a, b), Internal.NoiseMath.AddUp(bErr, 0.5));
        }
    }
}
