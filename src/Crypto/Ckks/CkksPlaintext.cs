using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Ckks;

/// <summary>
/// A CKKS plaintext: an integer polynomial m (coefficient form, RNS at ℓ = <see cref="LimbCount"/> limbs) whose
/// slots σ(m)_k/Δ approximate the encoded values, with the bounds of <see cref="CkksElement"/> that make the
/// approximation checkable (<see cref="CkksElement.SlotErrorBound"/>). A decrypted plaintext carries the ciphertext's
/// noise bound (plus the flooding after threshold decryption).
/// </summary>
public sealed class CkksPlaintext : CkksElement
{
    /// <summary>Wraps a coefficient-form polynomial (taken over, not copied).</summary>
    internal CkksPlaintext(CkksParameters parameters, Poly poly, double scale, double messageBound, double encodingErrorBound, double noiseBound)
        : base(parameters, scale)
    {
        Poly = poly;
        MessageBound = messageBound;
        EncodingErrorBound = encodingErrorBound;
        NoiseBound = noiseBound;
    }

    /// <summary>The polynomial (coefficient form).</summary>
    public Poly Poly { get; }

    /// <inheritdoc />
    public override int LimbCount => Poly.LimbCount;
}
