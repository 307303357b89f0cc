using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Bfv;

/// <summary>
/// A BFV ciphertext (c0, c1) in coefficient form at ℓ = <see cref="LimbCount"/> limbs, whose phase
/// c0 + c1·s = round(q_ℓ·m/t) + v (mod q_ℓ), with the rigorous worst-case bound ‖v‖∞ ≤ <see cref="NoiseBound"/>.
/// </summary>
public sealed class Ciphertext
{
    /// <summary>Wraps two coefficient-form polynomials (not copied) as a ciphertext.</summary>
    /// <param name="context">The parameters.</param>
    /// <param name="c0">First component (coefficient form).</param>
    /// <param name="c1">Second component (coefficient form, same limb count).</param>
    /// <param name="noiseBound">A rigorous bound on the invariant noise ‖v‖∞ (see <see cref="BfvContext"/>).</param>
    /// <param name="secretNormBound">A bound on ‖s‖∞ of the key it decrypts under (1 for one ternary key, N for the
    /// sum of N ternary shares); modulus switching needs it.</param>
    /// <exception cref="ArgumentException">Shapes, domains or bounds are invalid.</exception>
    public Ciphertext(BfvContext context, Poly c0, Poly c1, double noiseBound, double secretNormBound)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.CheckPoly(c0, nameof(c0));
        context.CheckPoly(c1, nameof(c1));
        if (c0.LimbCount != c1.LimbCount)
        {
            throw new ArgumentException("Both components must have the same number of limbs.", nameof(c1));
        }

        if (c0.IsNtt || c1.IsNtt)
        {
            throw new ArgumentException("Ciphertext components must be in coefficient form.", c0.IsNtt ? nameof(c0) : nameof(c1));
        }

        CheckBound(noiseBound, nameof(noiseBound));
        CheckBound(secretNormBound, nameof(secretNormBound));
        Context = context;
        C0 = c0;
        C1 = c1;
        NoiseBound = noiseBound;
        SecretNormBound = secretNormBound;
    }

    /// <summary>The parameters.</summary>
    public BfvContext Context { get; }

    /// <summary>First component c0 (coefficient form).</summary>
    public Poly C0 { get; }

    /// <summary>Second component c1 (coefficient form).</summary>
    public Poly C1 { get; }

    /// <summary>The number of limbs ℓ (the level).</summary>
    public int LimbCount => C0.LimbCount;

    /// <summary>Rigorous worst-case bound on the invariant noise ‖v‖∞.</summary>
    public double NoiseBound { get; internal set; }

    /// <summary>Bound on ‖s‖∞ of the decryption key.</summary>
    public double SecretNormBound { get; internal set; }

    /// <summary>True when <see cref="NoiseBound"/> guarantees exact decryption at this level.</summary>
    public bool IsNoiseBoundDecryptable => NoiseBound < Context.NoiseCapacity(LimbCount);

    /// <summary>The parameter identifier of <see cref="Context"/>.</summary>
    public ulong ParameterId => Context.ParameterId;

    /// <summary>A deep copy.</summary>
    public Ciphertext Clone() => new(Context, C0.Clone(), C1.Clone(), NoiseBound, SecretNormBound);

    /// <summary>Replaces the tracked bounds, e.g. when a receiver recomputes them instead of trusting the sender's.
    /// The caller is responsible for their rigour.</summary>
    public void SetNoiseBounds(double noiseBound, double secretNormBound)
    {
        CheckBound(noiseBound, nameof(noiseBound));
        CheckBound(secretNormBound, nameof(secretNormBound));
        NoiseBound = noiseBound;
        SecretNormBound = secretNormBound;
    }

    internal static void CheckBound(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "A bound must be finite and non-negative.");
        }
    }
}
