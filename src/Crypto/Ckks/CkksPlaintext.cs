using SecAgg.Crypto.Ckks.Internal;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Ckks;

/// <summary>
/// A CKKS plaintext: an integer polynomial m (coefficient form, RNS at ℓ = <see cref="LimbCount"/> limbs) whose
/// slots σ(m)_k/Δ approximate the encoded values, with the bounds that make the approximation checkable:
/// ‖m‖∞ ≤ <see cref="MessageBound"/>, the encoding error <see cref="EncodingErrorBound"/>, and — for a decrypted
/// plaintext — the noise bound <see cref="NoiseBound"/> (‖e‖∞ of the phase m + e it holds, flooding included after
/// threshold decryption). <see cref="SlotErrorBound"/> bounds |decoded slot − encoded (summed) input| rigorously.
/// </summary>
public sealed class CkksPlaintext
{
    /// <summary>Wraps a coefficient-form polynomial (taken over, not copied).</summary>
    internal CkksPlaintext(CkksParameters parameters, Poly poly, double scale, double messageBound, double encodingErrorBound, double noiseBound)
    {
        Parameters = parameters;
        Poly = poly;
        Scale = scale;
        MessageBound = messageBound;
        EncodingErrorBound = encodingErrorBound;
        NoiseBound = noiseBound;
    }

    /// <summary>The parameters.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>The polynomial (coefficient form).</summary>
    public Poly Poly { get; }

    /// <summary>The number of limbs ℓ.</summary>
    public int LimbCount => Poly.LimbCount;

    /// <summary>The scale Δ.</summary>
    public double Scale { get; internal set; }

    /// <summary>Bound on ‖m‖∞ of the encoded message polynomial (exact for a fresh encoding; summed through additions).</summary>
    public double MessageBound { get; internal set; }

    /// <summary>Bound on the slot error of the encoding itself (coefficient rounding and FFT round-off), in value units.</summary>
    public double EncodingErrorBound { get; internal set; }

    /// <summary>Bound on ‖e‖∞ of the noise this plaintext carries (0 for a fresh encoding; the ciphertext noise — plus
    /// the flooding of every decryption member after threshold decryption — for a decrypted one).</summary>
    public double NoiseBound { get; internal set; }

    /// <summary>
    /// Rigorous bound on |decoded slot − encoded input| (for a decrypted sum: − the sum of the encoded inputs), in
    /// value units: <see cref="EncodingErrorBound"/> + n·<see cref="NoiseBound"/>/Δ + decoding round-off.
    /// </summary>
    public double SlotErrorBound => ErrorModel.SlotError(Parameters.N, Scale, EncodingErrorBound, NoiseBound, MessageBound);

    /// <summary>Bits of precision: −log2(<see cref="SlotErrorBound"/>).</summary>
    public double PrecisionBits => -Math.Log2(SlotErrorBound);

    /// <summary>
    /// True when rounding every decoded slot to the nearest multiple of <paramref name="gridStep"/> recovers the exact
    /// (summed) inputs, provided those inputs are multiples of <paramref name="gridStep"/>:
    /// <see cref="SlotErrorBound"/> &lt; gridStep/2. Use 1 when integers were encoded (the DP path of docs/ckks.md).
    /// </summary>
    public bool RoundsExactlyToGrid(double gridStep)
    {
        if (!(gridStep > 0) || double.IsInfinity(gridStep))
        {
            throw new ArgumentOutOfRangeException(nameof(gridStep), gridStep, "The grid step must be a positive finite number.");
        }

        return SlotErrorBound < gridStep / 2;
    }
}
