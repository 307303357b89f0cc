using SecAgg.Crypto.Ckks.Internal;

namespace SecAgg.Crypto.Ckks;

/// <summary>
/// What CKKS plaintexts and ciphertexts share (Lattigo's metadata): the parameters, the scale Δ and the precision
/// estimate — rigorous bounds on ‖m‖∞ (<see cref="MessageBound"/>), on the noise ‖e‖∞ (<see cref="NoiseBound"/>) and
/// on the encoding's own slot error (<see cref="EncodingErrorBound"/>), from which <see cref="SlotErrorBound"/>
/// follows. Additions add every bound.
/// </summary>
public abstract class CkksElement
{
    private protected CkksElement(CkksParameters parameters, double scale)
    {
        Parameters = parameters;
        Scale = scale;
    }

    /// <summary>The parameters.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>The number of limbs ℓ (the level).</summary>
    public abstract int LimbCount { get; }

    /// <summary>The scale Δ.</summary>
    public double Scale { get; internal set; }

    /// <summary>Rigorous bound on ‖e‖∞ of the noise (0 for a fresh encoding; for a plaintext decrypted by threshold
    /// decryption it includes every member's flooding).</summary>
    public double NoiseBound { get; internal set; }

    /// <summary>Bound on ‖m‖∞ of the message polynomial (Δ·values; exact for a fresh encoding, summed by additions).</summary>
    public double MessageBound { get; internal set; }

    /// <summary>Bound on the slot error of the inputs' encodings (coefficient rounding and FFT round-off), value
    /// units, summed by additions.</summary>
    public double EncodingErrorBound { get; internal set; }

    /// <summary>
    /// Rigorous bound on |decoded slot − (sum of the) encoded inputs|, in value units:
    /// <see cref="EncodingErrorBound"/> + n·<see cref="NoiseBound"/>/Δ (|σ(e)_k| ≤ ‖e‖₁) + decoding round-off.
    /// For a ciphertext: what secret-key decryption guarantees (threshold decryption adds the flooding).
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
