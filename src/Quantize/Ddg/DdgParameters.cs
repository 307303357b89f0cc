using System.Globalization;
using System.Numerics;
using System.Text;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Accounting;

namespace SecAgg.Quantize.Ddg;

/// <summary>
/// Checked DDG parameters with everything derived from a <see cref="DdgParameterLiteral"/>:
/// the scale γ by TFF's closed form, σ_int = σ_local/γ, the conditional-rounding norm bound B and
/// the padded rotation layout. Immutable; the same object configures encoder, decoder and accountant.
/// </summary>
public sealed class DdgParameters
{
    /// <summary>TFF caps the scale 1/γ at 10^6.</summary>
    public const double MaxInverseGamma = 1e6;

    private DdgParameters(DdgParameterLiteral literal)
    {
        Literal = literal;
    }

    /// <summary>The literal these were derived from.</summary>
    public DdgParameterLiteral Literal { get; }

    /// <summary>b.</summary>
    public int Bits => Literal.Bits;

    /// <summary>m = 2^b.</summary>
    public ulong Modulus => 1UL << Literal.Bits;

    /// <summary>n.</summary>
    public int ExpectedParticipants => Literal.ExpectedParticipants;

    /// <summary>d (unpadded).</summary>
    public int Dimension => Literal.Dimension;

    /// <summary>c.</summary>
    public double ClipNorm => Literal.ClipNorm;

    /// <summary>z.</summary>
    public double NoiseMultiplier => Literal.NoiseMultiplier;

    /// <summary>β.</summary>
    public double Beta => Literal.Beta;

    /// <summary>Walsh-Hadamard block size (a power of two).</summary>
    public int RotationBlockSize { get; private init; }

    /// <summary>d rounded up to a multiple of the block size: the number of integers each participant sends.</summary>
    public int PaddedDimension { get; private init; }

    /// <summary>γ: the quantization step; the encoder multiplies by 1/γ.</summary>
    public double Gamma { get; private init; }

    /// <summary>σ_local = z·c/√n: each participant's share of the noise, in model units.</summary>
    public double SigmaLocal { get; private init; }

    /// <summary>σ_int = σ_local/γ: the discrete Gaussian's standard deviation in integer units.</summary>
    public double SigmaInt { get; private init; }

    /// <summary>σ_int² exactly as sampled: the double's exact (dyadic rational) value.</summary>
    public double NoiseVariance { get; private init; }

    /// <summary>C = c/γ: the clip norm in integer units.</summary>
    public double ScaledClipNorm { get; private init; }

    /// <summary>B: every rounded vector has L2 norm at most B (conditional randomized rounding); the L2 sensitivity Δ2.</summary>
    public double NormBound { get; private init; }

    /// <summary>
    /// Validates and derives. 1/γ = √(2^(2b) − n·k²) / (2k·√(c²n²/d + n·σ_local²)) (TFF
    /// _heuristic_scale_factor with ρ = 1, d padded), capped at 10^6; B = min{C + √d,
    /// √(C² + d/4 + √(2 ln(1/β))·(C + √d/2))}.
    /// </summary>
    /// <exception cref="ArgumentException">A knob is out of range; the message names it and says which way to turn it.</exception>
    public static DdgParameters Create(DdgParameterLiteral literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        int b = literal.Bits, n = literal.ExpectedParticipants, d = literal.Dimension;
        double c = literal.ClipNorm, z = literal.NoiseMultiplier, beta = literal.Beta, k = literal.HeadroomStddevs;
        if (b is < 2 or > 62)
        {
            throw Bad(nameof(literal.Bits), $"Bits (b) = {b} must be between 2 and 62 (the sum is kept mod 2^b in 64-bit words).");
        }

        if (n < 1)
        {
            throw Bad(nameof(literal.ExpectedParticipants), $"ExpectedParticipants (n) = {n} must be at least 1.");
        }

        if (d < 1)
        {
            throw Bad(nameof(literal.Dimension), $"Dimension (d) = {d} must be at least 1.");
        }

        if (!(c > 0) || !double.IsFinite(c))
        {
            throw Bad(nameof(literal.ClipNorm), $"ClipNorm (c) = {c} must be a positive finite number.");
        }

        if (!(z > 0) || !double.IsFinite(z))
        {
            throw Bad(nameof(literal.NoiseMultiplier), $"NoiseMultiplier (z) = {z} must be positive (z = 0 gives no privacy).");
        }

        if (!(beta >= 0 && beta < 1))
        {
            throw Bad(nameof(literal.Beta), $"Beta = {beta} must be in [0, 1).");
        }

        if (!(k > 0) || !double.IsFinite(k))
        {
            throw Bad(nameof(literal.HeadroomStddevs), $"HeadroomStddevs (k) = {k} must be positive.");
        }

        if (literal.MaxRotationBlockLog2 is < 1 or > 30)
        {
            throw Bad(nameof(literal.MaxRotationBlockLog2), $"MaxRotationBlockLog2 = {literal.MaxRotationBlockLog2} must be between 1 and 30.");
        }

        if ((1UL << b) < (ulong)n)
        {
            throw Bad(nameof(literal.Bits), $"Bits (b) = {b} is below log2(ExpectedParticipants) = {Math.Log2(n):F2}: raise Bits to at least {BitOperations.Log2((uint)n - 1) + 1}.");
        }

        double twoB = Math.Pow(2, 2 * b);
        if (twoB < n * k * k)
        {
            throw Bad(nameof(literal.Bits), $"2^(2b) = {twoB:G4} < n·k² = {n * k * k:G4}: raise Bits or lower HeadroomStddevs (k).");
        }

        (int block, int padded) = Layout(d, literal.MaxRotationBlockLog2);
        double sigmaLocal = z * c / Math.Sqrt(n);
        double invGamma = Math.Sqrt(twoB - (n * k * k)) / (2 * k * Math.Sqrt((c * c * n * (double)n / padded) + (n * sigmaLocal * sigmaLocal)));
        invGamma = Math.Min(invGamma, MaxInverseGamma);
        double gamma = 1 / invGamma;
        double sigmaInt = sigmaLocal * invGamma;
        if (sigmaInt < 0.5)
        {
            throw Bad(nameof(literal.NoiseMultiplier), $"sigma_int = sigma_local/gamma = {sigmaInt:G4} < 1/2: the DDG bound needs at least 1/2; raise NoiseMultiplier (z) or Bits (b).");
        }

        double variance = sigmaInt * sigmaInt;
        if (variance > ExactDiscreteGaussianSampler.MaxVariance)
        {
            throw Bad(nameof(literal.NoiseMultiplier), $"sigma_int = {sigmaInt:G4} exceeds the sampler's limit 2^20: lower Bits (b) or NoiseMultiplier (z).");
        }

        double scaledClip = c * invGamma;
        double sqrtD = Math.Sqrt(padded);
        double bound = scaledClip + sqrtD;
        if (beta > 0)
        {
            double alt = Math.Sqrt((scaledClip * scaledClip) + (padded / 4.0) + (Math.Sqrt(2 * Math.Log(1 / beta)) * (scaledClip + (sqrtD / 2))));
            bound = Math.Min(bound, alt);
        }

        return new DdgParameters(literal)
        {
            RotationBlockSize = block,
            PaddedDimension = padded,
            Gamma = gamma,
            SigmaLocal = sigmaLocal,
            SigmaInt = sigmaInt,
            NoiseVariance = variance,
            ScaledClipNorm = scaledClip,
            NormBound = bound,
        };
    }

    /// <summary>
    /// The padded length d' that <paramref name="dimension"/> values occupy after the rotation (⌈d/s⌉·s for the
    /// Hadamard block size s this class picks): the number of integers a participant actually encrypts. Plan HE
    /// capacity for d', not d.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is not positive, or the block limit is outside 1..30.</exception>
    public static int PaddedDimensionFor(int dimension, int maxRotationBlockLog2 = 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRotationBlockLog2, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxRotationBlockLog2, 30);
        return Layout(dimension, maxRotationBlockLog2).Padded;
    }

    /// <summary>
    /// Block size s = min(2^⌈log2 d⌉, 2^maxLog), halved (not below 1024) while the padding
    /// ⌈d/s⌉·s − d exceeds d/16; padded length ⌈d/s⌉·s.
    /// </summary>
    internal static (int Block, int Padded) Layout(int d, int maxLog)
    {
        long s = Math.Min(BitOperations.RoundUpToPowerOf2((uint)d), 1L << maxLog);
        while (s > 1024 && RoundUp(d, s) - d > d / 16)
        {
            s >>= 1;
        }

        long padded = RoundUp(d, s);
        if (padded > int.MaxValue - 64)
        {
            throw Bad(nameof(DdgParameterLiteral.Dimension), $"Dimension (d) = {d} pads to {padded}, beyond the supported length.");
        }

        return ((int)s, (int)padded);
    }

    private static long RoundUp(long d, long s) => (d + s - 1) / s * s;

    private static ArgumentException Bad(string knob, string message) => new(message, knob);

    /// <summary>
    /// A printable plan: every knob, every derived value and the privacy it buys when up to
    /// <paramref name="colluders"/> c of the n expected participants collude with the aggregator (ε counts the
    /// n − c honest noise shares only).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">c &lt; 0 or n − c &lt; 1.</exception>
    public string FormatPlan(int rounds, double delta, double samplingRate = 1.0, int colluders = 0)
    {
        int honest = PrivacyAccountant.HonestSummands(ExpectedParticipants, colluders);
        var acc = new PrivacyAccountant();
        acc.ComposeDdgHonest(this, honest, rounds, samplingRate);
        var perRound = new PrivacyAccountant();
        perRound.ComposeDdgHonest(this, honest, 1, samplingRate);
        var sb = new StringBuilder();
        CultureInfo ci = CultureInfo.InvariantCulture;
        sb.AppendLine(ci, $"DDG plan (Kairouz-Liu-Steinke 2021)");
        sb.AppendLine(ci, $"  bits b = {Bits} (sum mod 2^{Bits}), participants n = {ExpectedParticipants}, sampling rate q = {samplingRate}");
        sb.AppendLine(ci, $"  dimension d = {Dimension}, padded = {PaddedDimension} (Hadamard blocks of {RotationBlockSize})");
        sb.AppendLine(ci, $"  clip c = {ClipNorm}, noise multiplier z = {NoiseMultiplier}, beta = {Beta:G4}, headroom k = {Literal.HeadroomStddevs}");
        sb.AppendLine(ci, $"  gamma = {Gamma:G6} (1/gamma = {1 / Gamma:G6}), C = c/gamma = {ScaledClipNorm:G6}, norm bound B = {NormBound:G6}");
        sb.AppendLine(ci, $"  sigma_local = {SigmaLocal:G6}, sigma_int = {SigmaInt:G6}, tau = {RdpMath.DdgTau(honest, SigmaInt):G4}");
        sb.AppendLine(ci, $"  max colluders c = {colluders}: epsilon counts the noise of n - c = {honest} honest summands");
        var one = perRound.GetEpsilon(delta);
        var all = acc.GetEpsilon(delta);
        sb.AppendLine(ci, $"  per round: epsilon = {one.Epsilon:G6} at delta = {delta:G3} (order {one.Order})");
        sb.AppendLine(ci, $"  {rounds} rounds: epsilon = {all.Epsilon:G6} at delta = {delta:G3} (order {all.Order}); RDP -> (eps, delta) by Canonne-Kamath-Steinke 2020 Prop. 12");
        return sb.ToString();
    }
}
