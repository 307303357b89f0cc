using System.Globalization;
using SecAgg.Crypto.Multiparty;
using YamlDotNet.RepresentationModel;

namespace SecAgg.Protocol.Consortium.Internal;

/// <summary>
/// The consortium file's optional and parameter sections (deadlines, he, decryption, dp, privacy-budget, storage): each
/// reader checks its keys and values and adds a message naming the key and the number to change to the shared error list.
/// The identity part (ca, participants, threshold, max-colluders, min-participants) stays in <see cref="ConsortiumConfigLoader"/>.
/// </summary>
internal static class ConsortiumSections
{
    internal static RoundDeadlines? ReadDeadlines(YamlFields r, YamlMappingNode root)
    {
        var deadlines = r.Section(root, "deadlines", DeadlineKeys, required: true);
        if (deadlines is null)
        {
            return null;
        }

        TimeSpan? collect = r.Duration(deadlines, "deadlines.", "collect");
        TimeSpan? decrypt = r.Duration(deadlines, "deadlines.", "decrypt");
        TimeSpan? approve = r.Duration(deadlines, "deadlines.", "approve", required: false);
        return collect is null || decrypt is null || (approve is null && YamlFields.Has(deadlines, "approve"))
            ? null
            : new RoundDeadlines(collect.Value, approve ?? decrypt.Value, decrypt.Value);
    }

    internal static (string Preset, HeScheme Scheme, int MaxRingDegree) ReadHe(YamlFields r, YamlMappingNode root)
    {
        var he = r.Section(root, "he", HeKeys, required: false);
        if (he is null)
        {
            return (ProtocolPresets.PlannedName, HeScheme.Bfv, 32768);
        }

        string preset = r.String(he, "preset", required: false, prefix: "he.") ?? ProtocolPresets.PlannedName;
        if (!ProtocolPresets.Names.Contains(preset))
        {
            r.Errors.Add($"{YamlFields.Where(he, "preset")}he.preset '{preset}' is not a known preset; use {ProtocolPresets.PlannedName} (the parameters are planned from this file) or {ProtocolPresets.InsecureForTestsName} (tests only, NOT SECURE)");
        }

        HeScheme scheme = HeScheme.Bfv;
        string? schemeText = r.String(he, "scheme", required: false, prefix: "he.");
        if (schemeText is not null && !HeSchemeNames.TryParse(schemeText, out scheme))
        {
            r.Errors.Add($"{YamlFields.Where(he, "scheme")}he.scheme '{schemeText}' is unknown; use {HeSchemeNames.Bfv} (exact integers, the default) or {HeSchemeNames.Ckks} (fixed-point reals)");
        }

        int ring = r.Int(he, "max-ring-degree", required: false, prefix: "he.") ?? 32768;
        if (ring < 2048 || ring > 32768 || (ring & (ring - 1)) != 0)
        {
            r.Errors.Add($"{YamlFields.Where(he, "max-ring-degree")}he.max-ring-degree {ring} must be a power of two from 2048 to 32768");
        }

        return (preset, scheme, ring);
    }

    internal static DecryptionParameters ReadDecryption(YamlFields r, YamlMappingNode root, string preset)
    {
        var section = r.Section(root, "decryption", DecryptionKeys, required: false);
        int kappa = StatisticalFlooding.DefaultSecurity;
        long cap = StatisticalFlooding.DefaultShareCap;
        if (section is null)
        {
            return new DecryptionParameters(kappa, cap);
        }

        kappa = r.Int(section, "statistical-security", required: false, prefix: "decryption.") ?? kappa;
        string at = YamlFields.Where(section, "statistical-security");
        if (kappa < ConsortiumConfigLoader.MinStatisticalSecurity || kappa > ConsortiumConfigLoader.MaxStatisticalSecurity)
        {
            r.Errors.Add($"{at}decryption.statistical-security {kappa} must be in {ConsortiumConfigLoader.MinStatisticalSecurity}..{ConsortiumConfigLoader.MaxStatisticalSecurity} (κ: an epoch's decryption shares are within 2^-κ of simulated ones; 40 is the design's value)");
        }
        else if (kappa < StatisticalFlooding.DefaultSecurity && preset != ProtocolPresets.InsecureForTestsName)
        {
            r.Errors.Add($"{at}decryption.statistical-security {kappa} is below {StatisticalFlooding.DefaultSecurity}, the least the planned parameters accept (docs/threat-model.md promises 2^-40); raise it to {StatisticalFlooding.DefaultSecurity} or more");
        }

        cap = r.Long(section, "share-cap", required: false, prefix: "decryption.") ?? cap;
        if (cap < 1 || cap > ConsortiumConfigLoader.MaxShareCap)
        {
            r.Errors.Add($"{YamlFields.Where(section, "share-cap")}decryption.share-cap {cap} must be in 1..{ConsortiumConfigLoader.MaxShareCap} ((round, chunk) pairs a member answers per key epoch; default {StatisticalFlooding.DefaultShareCap})");
        }

        return new DecryptionParameters(kappa, cap);
    }

    internal static DpParameters? ReadDp(YamlFields r, YamlMappingNode top)
    {
        List<string> errors = r.Errors;
        var dp = r.Section(top, "dp", DpKeys, required: true);
        if (dp is null)
        {
            return null;
        }

        int? bits = r.Int(dp, "bits", required: true, prefix: "dp.");
        if (bits is int b && (b < ConsortiumConfigLoader.MinBits || b > ConsortiumConfigLoader.MaxBits))
        {
            errors.Add($"{YamlFields.Where(dp, "bits")}dp.bits {b} must be between {ConsortiumConfigLoader.MinBits} and {ConsortiumConfigLoader.MaxBits}");
        }

        double? clip = r.Double(dp, "clip", required: true, prefix: "dp.");
        if (clip is double c && !(c > 0 && double.IsFinite(c)))
        {
            errors.Add($"{YamlFields.Where(dp, "clip")}dp.clip {Fmt(c)} must be a positive finite L2 norm");
        }

        double? sigma = r.Double(dp, "noise-sigma", required: false, prefix: "dp.");
        double? target = r.Double(dp, "target-epsilon", required: false, prefix: "dp.");
        if (sigma is null && target is null && !YamlFields.Has(dp, "noise-sigma") && !YamlFields.Has(dp, "target-epsilon"))
        {
            errors.Add($"line {dp.Start.Line}: dp: needs noise-sigma: (the noise multiplier z) or target-epsilon: (to calibrate it); neither is given");
        }
        else if (YamlFields.Has(dp, "noise-sigma") && YamlFields.Has(dp, "target-epsilon"))
        {
            errors.Add($"line {dp.Start.Line}: dp: gives both noise-sigma: and target-epsilon:; keep exactly one (the other is derived from it)");
        }

        if (sigma is double s && !(s > 0 && double.IsFinite(s)))
        {
            errors.Add($"{YamlFields.Where(dp, "noise-sigma")}dp.noise-sigma {Fmt(s)} must be positive and finite");
        }

        if (target is double e && !(e > 0 && double.IsFinite(e)))
        {
            errors.Add($"{YamlFields.Where(dp, "target-epsilon")}dp.target-epsilon {Fmt(e)} must be positive and finite");
        }

        int? rounds = r.Int(dp, "rounds", required: true, prefix: "dp.");
        if (rounds is int n && n < 1)
        {
            errors.Add($"{YamlFields.Where(dp, "rounds")}dp.rounds {n} must be at least 1");
        }

        return bits is null || clip is null || rounds is null ? null : new DpParameters(bits.Value, clip.Value, sigma, target, rounds.Value);
    }

    internal static PrivacyBudget? ReadBudget(YamlFields r, YamlMappingNode top)
    {
        var section = r.Section(top, "privacy-budget", BudgetKeys, required: true);
        if (section is null)
        {
            return null;
        }

        double? eps = r.Double(section, "epsilon", required: true, prefix: "privacy-budget.");
        if (eps is double e && !(e > 0 && double.IsFinite(e)))
        {
            r.Errors.Add($"{YamlFields.Where(section, "epsilon")}privacy-budget.epsilon {Fmt(e)} must be positive and finite");
        }

        double? delta = r.Double(section, "delta", required: true, prefix: "privacy-budget.");
        if (delta is double d && !(d > 0 && d < 1))
        {
            r.Errors.Add($"{YamlFields.Where(section, "delta")}privacy-budget.delta {Fmt(d)} must be strictly between 0 and 1 (typically below 1/number of records, e.g. 1e-6)");
        }

        return eps is null || delta is null ? null : new PrivacyBudget(eps.Value, delta.Value);
    }

    internal static StorageConfig? ReadStorage(YamlFields r, YamlMappingNode top, string baseDirectory)
    {
        var section = r.Section(top, "storage", StorageKeys, required: false);
        if (section is null)
        {
            return YamlFields.Has(top, "storage") ? null : new StorageConfig(StorageProvider.Sqlite, Path.Combine(baseDirectory, "aggregator.db"), null);
        }

        string provider = r.String(section, "provider", required: false, prefix: "storage.") ?? "sqlite";
        string? path = r.String(section, "path", required: false, prefix: "storage.");
        string? cs = r.String(section, "connection-string", required: false, prefix: "storage.");
        switch (provider)
        {
            case "sqlite":
                if (cs is not null)
                {
                    r.Errors.Add($"{YamlFields.Where(section, "connection-string")}storage.connection-string is for provider: postgres; with sqlite give path:");
                    return null;
                }

                return new StorageConfig(StorageProvider.Sqlite, Path.GetFullPath(Path.Combine(baseDirectory, path ?? "aggregator.db")), null);
            case "postgres":
                if (cs is null)
                {
                    r.Errors.Add($"line {section.Start.Line}: storage: provider postgres needs connection-string: (e.g. \"Host=db;Username=secagg;Password=...;Database=secagg\")");
                    return null;
                }

                if (path is not null)
                {
                    r.Errors.Add($"{YamlFields.Where(section, "path")}storage.path is for provider: sqlite; with postgres give connection-string:");
                    return null;
                }

                return new StorageConfig(StorageProvider.Postgres, null, cs);
            default:
                r.Errors.Add($"{YamlFields.Where(section, "provider")}storage.provider '{provider}' is unknown; use sqlite or postgres");
                return null;
        }
    }

    internal static string Fmt(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    private static readonly string[] DeadlineKeys = ["collect", "approve", "decrypt"];
    private static readonly string[] HeKeys = ["preset", "scheme", "max-ring-degree"];
    private static readonly string[] DecryptionKeys = ["statistical-security", "share-cap"];
    private static readonly string[] DpKeys = ["bits", "clip", "noise-sigma", "target-epsilon", "rounds"];
    private static readonly string[] BudgetKeys = ["epsilon", "delta"];
    private static readonly string[] StorageKeys = ["provider", "path", "connection-string"];
}
