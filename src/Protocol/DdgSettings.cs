using System.Globalization;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol;

/// <summary>The DP knobs of a consortium: b, clip norm c, noise multiplier z (other knobs at their documented defaults).</summary>
/// <param name="Bits">b: bits per value (sums kept mod 2^b; equals the aggregation layer's value bits).</param>
/// <param name="ClipNorm">c: L2 clip norm of each update.</param>
/// <param name="NoiseMultiplier">z: the summed noise of N uploads has standard deviation z·c.</param>
public sealed record DdgSettings(int Bits, double ClipNorm, double NoiseMultiplier)
{
    /// <summary>Checked DDG parameters for <paramref name="expectedParticipants"/> and dimension <paramref name="dimension"/>.</summary>
    /// <exception cref="ArgumentException">A knob is out of range (the message names it).</exception>
    public DdgParameters Create(int expectedParticipants, int dimension) => DdgParameters.Create(new DdgParameterLiteral
    {
        Bits = Bits,
        ExpectedParticipants = expectedParticipants,
        Dimension = dimension,
        ClipNorm = ClipNorm,
        NoiseMultiplier = NoiseMultiplier,
    });

    /// <summary>The informational parameter_set_id for the contract, e.g. "ddg-b16-c1-z0.8".</summary>
    public string ParameterSetId(bool insecureForTests) => string.Create(
        CultureInfo.InvariantCulture,
        $"{(insecureForTests ? ContractMapping.InsecureForTestsPrefix + "-" : string.Empty)}ddg-b{Bits}-c{ClipNorm:G6}-z{NoiseMultiplier:G6}");
}
