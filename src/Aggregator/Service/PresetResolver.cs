using SecAgg.Aggregator.Config;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// The HE and DP preset of a consortium file: the scheme's planned (or, with AllowInsecureParameters, test) preset for N
/// participants, threshold t, dp.bits and the model size, with the DDG noise multiplier z from dp.noise-sigma or found
/// for dp.target-epsilon over dp.rounds. Every inconsistency is refused with what to change.
/// </summary>
internal static class PresetResolver
{
    /// <summary>The preset for <paramref name="config"/>.</summary>
    /// <exception cref="InvalidOperationException">The preset does not fit the scheme, is insecure without permission, or cannot carry the sums.</exception>
    public static ProtocolPreset Resolve(ConsortiumConfig config, AggregatorHostOptions options)
    {
        int n = config.Participants.Length;
        double delta = config.PrivacyBudget.Delta;
        double? z = config.Dp.NoiseSigma;
        if (ProtocolPresets.SchemeOf(config.HePreset) != config.Scheme)
        {
            string suggestion = config.Scheme == HeScheme.Ckks ? ProtocolPresets.CkksName : ProtocolPresets.PlannedName;
            throw new InvalidOperationException(
                $"he.preset '{config.HePreset}' is a {HeSchemeNames.Name(ProtocolPresets.SchemeOf(config.HePreset))} preset but he.scheme is {HeSchemeNames.Name(config.Scheme)}; use he.preset: {suggestion} (or change he.scheme).");
        }

        if (config.Scheme == HeScheme.Ckks)
        {
            bool insecure = config.HePreset == ProtocolPresets.InsecureForTestsCkksName;
            if (insecure && !options.AllowInsecureParameters)
            {
                throw new InvalidOperationException($"he.preset '{config.HePreset}' is NOT SECURE (tests only) and AllowInsecureParameters is off; use '{ProtocolPresets.CkksName}'.");
            }

            if (config.Dp.Bits > 32)
            {
                throw new InvalidOperationException($"dp.bits = {config.Dp.Bits}: the CKKS grid carries at most 32-bit values; lower dp.bits.");
            }

            ProtocolPreset c = insecure ? ProtocolPresets.InsecureForTestsCkks(n, config.Threshold) : ProtocolPresets.PlannedCkks(n, config.Threshold);
            c = c.WithDdg(new DdgSettings(config.Dp.Bits, config.Dp.Clip, z ?? FindZ(config, options, delta)));
            if (c.Scheme.CheckCapacity(n, n) is { } problem)
            {
                throw new InvalidOperationException($"he.scheme ckks with he.preset '{config.HePreset}' cannot carry this consortium's sums exactly: {problem}; lower dp.bits.");
            }

            return c;
        }

        if (config.HePreset == ProtocolPresets.InsecureForTestsName)
        {
            if (!options.AllowInsecureParameters)
            {
                throw new InvalidOperationException($"he.preset '{config.HePreset}' is NOT SECURE (tests only) and AllowInsecureParameters is off; use '{ProtocolPresets.PlannedName}'.");
            }

            ProtocolPreset p = ProtocolPresets.InsecureForTests(n, config.Threshold);
            if (config.Dp.Bits != p.Ddg.Bits)
            {
                throw new InvalidOperationException($"dp.bits = {config.Dp.Bits}, but he.preset '{config.HePreset}' packs {p.Ddg.Bits}-bit values; set dp.bits: {p.Ddg.Bits}.");
            }

            return p with { Ddg = new DdgSettings(config.Dp.Bits, config.Dp.Clip, z ?? FindZ(config, options, delta)) };
        }

        if (config.Dp.Bits > 32)
        {
            throw new InvalidOperationException($"dp.bits = {config.Dp.Bits}: the HE layer packs at most 32-bit values; lower dp.bits.");
        }

        ProtocolPreset planned = ProtocolPresets.Planned(n, config.Threshold, options.ModelLayout.TotalLength, config.Dp.Clip, 1.0, config.Dp.Bits);
        return planned with { Ddg = planned.Ddg with { NoiseMultiplier = z ?? FindZ(config, options, delta) } };
    }

    private static double FindZ(ConsortiumConfig config, AggregatorHostOptions options, double delta) =>
        Quantize.Accounting.PrivacyAccountant.FindDdgNoiseMultiplier(
            new Quantize.Ddg.DdgParameterLiteral { Bits = config.Dp.Bits, ExpectedParticipants = config.Participants.Length, Dimension = options.ModelLayout.TotalLength, ClipNorm = config.Dp.Clip },
            config.Dp.TargetEpsilon!.Value, delta, config.Dp.Rounds);
}
