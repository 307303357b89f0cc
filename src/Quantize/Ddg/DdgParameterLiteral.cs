namespace SecAgg.Quantize.Ddg;

/// <summary>
/// The user-written knobs of the distributed discrete Gaussian (DDG) mechanism, unchecked.
/// <see cref="DdgParameters.Create"/> validates them and derives γ, σ_int, the norm bound and the
/// rotation layout. Defaults follow the DDG research code (Kairouz, Liu, Steinke, ICML 2021).
/// </summary>
public sealed record DdgParameterLiteral
{
    /// <summary>b: bits per coordinate; the sum lives in Z/2^b (the BFV plaintext modulus t = 2^b).</summary>
    public int Bits { get; init; } = 16;

    /// <summary>n: expected number of participants whose noise adds up (sets the per-client noise share).</summary>
    public int ExpectedParticipants { get; init; }

    /// <summary>d: length of the flattened update (number of floats).</summary>
    public int Dimension { get; init; }

    /// <summary>c: L2 clipping norm of each participant's update.</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>z: noise multiplier; the summed noise has standard deviation z·c (σ_local = z·c/√n per client).</summary>
    public double NoiseMultiplier { get; init; }

    /// <summary>β: conditional-rounding failure bound (0 gives B = C + √d). Default exp(−0.5).</summary>
    public double Beta { get; init; } = Math.Exp(-0.5);

    /// <summary>k: standard deviations of headroom before the sum wraps mod 2^b. Default 4 (TFF's modclip_prob 1e-4 gives 3.89).</summary>
    public double HeadroomStddevs { get; init; } = 4.0;

    /// <summary>log2 of the largest Walsh-Hadamard block (default 20: blocks of up to 2^20 coordinates).</summary>
    public int MaxRotationBlockLog2 { get; init; } = 20;
}
