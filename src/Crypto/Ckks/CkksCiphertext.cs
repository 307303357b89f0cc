using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Ckks;

/// <summary>
/// A CKKS ciphertext (c0, c1) in coefficient form at ℓ = <see cref="LimbCount"/> limbs, with phase
/// c0 + c1·s = m + e (mod q_ℓ), carrying its precision estimate (<see cref="CkksElement"/>: bounds on ‖e‖∞, ‖m‖∞ and the
/// inputs' encoding error) and the number of fresh encryptions summed in (<see cref="SummandCount"/>). Additions add
/// every bound. <see cref="CkksElement.SlotErrorBound"/> is what decrypting with the secret key would guarantee for every decoded slot;
/// protocol v2's set-bound decryption adds its flooding (docs/multiparty.md).
/// </summary>
public sealed class CkksCiphertext : CkksElement
{
    internal CkksCiphertext(CkksParameters parameters, Poly c0, Poly c1, double scale)
        : base(parameters, scale)
    {
        C0 = c0;
        C1 = c1;
    }

    /// <inheritdoc />
    public override int LimbCount => C0.LimbCount;

    /// <summary>Fresh encryptions summed into this ciphertext (1 for a fresh one).</summary>
    public int SummandCount { get; internal set; }

    /// <summary>The c0 component (coefficient form, <see cref="LimbCount"/> limbs); the protocol layer zeroes it in a copy to send c1 alone.</summary>
    public Poly C0 { get; }

    internal Poly C1 { get; }

    /// <summary>A ciphertext at <paramref name="limbCount"/> limbs carrying the same message (Lattigo's DropLevel:
    /// the phase modulo q_ℓ' for ℓ' ≤ ℓ is the same m + e while ‖m + e‖∞ &lt; q_ℓ'/2).</summary>
    public CkksCiphertext CopyAt(int limbCount)
    {
        var ct = new CkksCiphertext(Parameters, C0.CloneLimbs(limbCount), C1.CloneLimbs(limbCount), Scale);
        ct.CopyBoundsFrom(this);
        return ct;
    }

    internal void CopyBoundsFrom(CkksCiphertext other)
    {
        Scale = other.Scale;
        NoiseBound = other.NoiseBound;
        MessageBound = other.MessageBound;
        EncodingErrorBound = other.EncodingErrorBound;
        SummandCount = other.SummandCount;
    }

    /// <summary>The smallest limb count ℓ' ≤ ℓ with <paramref name="total"/> &lt; q_ℓ'/2 (with a 2^−40 relative
    /// margin), or 0 when even ℓ limbs do not suffice.</summary>
    internal int LowestSafeLevel(double total)
    {
        for (int l = 1; l <= LimbCount; l++)
        {
            if (total < (double)Parameters.Ring.ModulusAt(l) / 2 * (1 - Math.ScaleB(1.0, -40)))
            {
                return l;
            }
        }

        return 0;
    }
}
