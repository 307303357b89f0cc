using System.Globalization;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Internal;
using SecAgg.Quantize.Accounting;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol;

/// <summary>
/// The consortium file's <c>he.preset</c> names and the one function that turns a descriptor into its planned
/// parameters (<see cref="For"/>), which the aggregator and every participant run on their own copy of the file:
/// <list type="bullet">
/// <item><see cref="PlannedName"/>: <see cref="AggregationPlanner"/> for N, t, c, b, K = N, the padded dimension d',
/// κ, Q_cap, the codec and the largest ring degree (128-bit secure; fewest upload bytes per round).</item>
/// <item><see cref="InsecureForTestsName"/>: NOT SECURE, for tests only: ring degree 256 (512 values per chunk for
/// BFV with two values per coefficient, 256 for CKKS) and the primes that the same noise budget needs, so that whole
/// rounds run in milliseconds.</item>
/// </list>
/// The DDG noise multiplier is dp.noise-sigma, or the smallest z whose dp.rounds rounds of N uploads meet
/// dp.target-epsilon counting N − c honest shares, rounded up to 4 significant digits (so two machines whose
/// floating-point libraries differ by an ulp still agree).
/// </summary>
public static class ProtocolPresets
{
    /// <summary>The planned (secure) preset: parameters from <see cref="AggregationPlanner"/>.</summary>
    public const string PlannedName = "planned-v2";

    /// <summary>The NOT SECURE test preset (ring degree 256).</summary>
    public const string InsecureForTestsName = ContractMapping.InsecureForTestsPrefix + "-v2";

    /// <summary>Ring degree of the test preset.</summary>
    public const int InsecureRingDegree = 256;

    /// <summary>Every preset name, for the consortium file's check.</summary>
    public static IReadOnlySet<string> Names { get; } = new HashSet<string>(StringComparer.Ordinal) { PlannedName, InsecureForTestsName };

    /// <summary>The planned parameters of <paramref name="descriptor"/> (see the class summary).</summary>
    /// <exception cref="ProtocolPlanException">The preset is unknown, the DP knobs do not form a DDG mechanism, or no
    /// parameter set holds the values; the message names the file keys to change.</exception>
    public static ProtocolPreset For(ConsortiumDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (!Names.Contains(descriptor.HePreset))
        {
            throw new ProtocolPlanException($"he.preset '{descriptor.HePreset}' is not a known preset; use {PlannedName} or {InsecureForTestsName} (tests only, NOT SECURE).");
        }

        if (descriptor.ModelDimension > int.MaxValue)
        {
            throw new ProtocolPlanException($"model-dimension {descriptor.ModelDimension} is beyond the supported {int.MaxValue} values.");
        }

        int n = descriptor.ParticipantCount, d = (int)descriptor.ModelDimension;
        DdgSettings settings;
        DdgParameters ddg;
        try
        {
            double z = descriptor.NoiseMultiplier ?? CalibrateNoise(descriptor, d);
            settings = new DdgSettings(descriptor.Bits, descriptor.ClipNorm, z);
            ddg = settings.Create(n, d);
        }
        catch (ArgumentException e)
        {
            throw new ProtocolPlanException($"dp: the DDG mechanism cannot be built for N = {n}, d = {d}: {ErrorText.Of(e)} (dp.bits, dp.clip, dp.noise-sigma / dp.target-epsilon).", e);
        }

        AggregationParameters aggregation = descriptor.HePreset == PlannedName ? Plan(descriptor, ddg.PaddedDimension) : InsecurePlanner.Plan(descriptor, InsecureRingDegree);
        var accountant = new PrivacyAccountant();
        accountant.ComposeDdgHonest(ddg, PrivacyAccountant.HonestSummands(n, descriptor.MaxColluders), descriptor.Rounds);
        double planned = accountant.GetEpsilon(descriptor.Delta).Epsilon;
        return new ProtocolPreset(descriptor.HePreset, descriptor, aggregation, settings, ddg, planned);
    }

    /// <summary>The codec of a descriptor's scheme.</summary>
    internal static MultipartyScheme Codec(HeScheme scheme) => scheme == HeScheme.Ckks ? MultipartyScheme.Ckks : MultipartyScheme.Bfv;

    private static double CalibrateNoise(ConsortiumDescriptor descriptor, int dimension)
    {
        double z = PrivacyAccountant.FindDdgNoiseMultiplier(
            new DdgParameterLiteral { Bits = descriptor.Bits, ExpectedParticipants = descriptor.ParticipantCount, Dimension = dimension, ClipNorm = descriptor.ClipNorm },
            descriptor.TargetEpsilon!.Value, descriptor.Delta, descriptor.Rounds, colluders: descriptor.MaxColluders);
        return RoundUpSignificant(z, 4);
    }

    /// <summary>x rounded up to <paramref name="digits"/> significant decimal digits (exact decimal text, parsed back).</summary>
    internal static double RoundUpSignificant(double x, int digits)
    {
        int exponent = (int)Math.Floor(Math.Log10(x));
        decimal scale = (decimal)Math.Pow(10, digits - 1 - exponent);
        decimal up = Math.Ceiling((decimal)x * scale) / scale;
        return double.Parse(up.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static AggregationParameters Plan(ConsortiumDescriptor descriptor, int paddedDimension)
    {
        try
        {
            return AggregationPlanner.Plan(new AggregationPlanRequest
            {
                Parties = descriptor.ParticipantCount,
                Threshold = descriptor.Threshold,
                MaxColluders = descriptor.MaxColluders,
                ValueBits = descriptor.Bits,
                ExpectedValues = paddedDimension,
                MaxRingDegree = descriptor.MaxRingDegree,
                StatisticalSecurity = descriptor.StatisticalSecurity,
                ShareCap = descriptor.ShareCap,
                Scheme = Codec(descriptor.Scheme),
            }).Parameters;
        }
        catch (ArgumentException e)
        {
            throw new ProtocolPlanException(
                $"he: no secure parameter set holds this consortium ({ErrorText.Of(e)}); in the file lower dp.bits, decryption.share-cap or decryption.statistical-security, or raise he.max-ring-degree.", e);
        }
    }
}
