using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Consortium.Internal;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SecAgg.Protocol.Consortium;

/// <summary>
/// Reads the consortium's YAML file and checks it, collecting <b>all</b> problems before failing
/// (<see cref="ConsortiumConfigException"/>), then plans its parameters and refuses a plan that does not fit
/// (<see cref="ConsortiumPlanCheck"/>: the planned ε against the budget, the planned rounds' chunks against the share
/// cap). The aggregator and every participant read the same file with it. Shape (docs/aggregator.md):
/// <code>
/// consortium: heart-study
/// ca: certs/ca.pem                       # relative to the file's folder
/// participants:
///   - id: hospital-a
///     certificate-sha256: 3F:2A:...     # the pin; required (a subject never authenticates)
///     certificate-subject: "CN=..."     # optional, informational
/// threshold: 2                           # t: 1 &lt;= t &lt;= N
/// max-colluders: 1                       # c: 0 &lt;= c &lt;= t - 1, m - c &gt;= 1; default min(1, t - 1, m - 1)
/// min-participants: 2                    # m: 2 &lt;= m &lt;= N
/// max-weight: 1                          # optional: uploads carry a public weight 1 &lt;= w &lt;= max-weight
/// model-dimension: 1000000               # d: values in the flattened update
/// deadlines: { collect: 30m, approve: 5m, decrypt: 10m }   # aggregator only; approve defaults to decrypt
/// he: { preset: planned-v2, scheme: bfv, max-ring-degree: 32768 }
/// decryption: { statistical-security: 40, share-cap: 65536 }   # optional; these are the defaults
/// dp: { bits: 16, clip: 1.0, noise-sigma: 0.8, rounds: 50 }   # or target-epsilon instead of noise-sigma
/// privacy-budget: { epsilon: 8, delta: 1e-6 }
/// storage: { provider: sqlite, path: state/aggregator.db }    # aggregator only, optional
/// </code>
/// </summary>
public static partial class ConsortiumConfigLoader
{
    /// <summary>Longest deadline accepted (a typo such as "30d" for "30m" is caught).</summary>
    public static readonly TimeSpan MaxDeadline = YamlFields.MaxDeadline;

    /// <summary>Largest <c>max-weight</c> accepted: each update is pre-scaled by w/max-weight, so a larger bound only
    /// drowns light participants in rounding noise.</summary>
    public const int MaxMaxWeight = 1_000_000;

    /// <summary>Bits b per value: the DDG pipeline needs 2 or more, the aggregation layer packs at most 32.</summary>
    public const int MinBits = 2;

    /// <summary>Largest quantization bit width accepted.</summary>
    public const int MaxBits = 32;

    /// <summary>Largest <c>model-dimension</c> accepted (2^30 values; the rotation pads d to a multiple of its block).</summary>
    public const int MaxModelDimension = 1 << 30;

    /// <summary>κ below which the decryption shares' statistical distance means little (accepted only by the insecure test preset below 40).</summary>
    public const int MinStatisticalSecurity = 20;

    /// <summary>Largest κ.</summary>
    public const int MaxStatisticalSecurity = 128;

    /// <summary>Largest <c>decryption.share-cap</c> (the flooding sampler and the ledger count to 2^32).</summary>
    public const long MaxShareCap = 1L << 32;

    /// <summary>Reads and checks the file at <paramref name="path"/>; relative paths inside it are resolved against its folder.</summary>
    /// <exception cref="ConsortiumConfigException">Every problem found, each with its line and what to change.</exception>
    public static ConsortiumConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ConsortiumConfigException($"'{full}'", [$"the file does not exist; pass the path of the consortium YAML file"]);
        }

        return Parse(File.ReadAllText(full), Path.GetDirectoryName(full)!, $"'{full}'");
    }

    /// <summary>Parses and checks YAML text; relative paths are resolved against <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="ConsortiumConfigException">Every problem found, each with its line and what to change.</exception>
    public static ConsortiumConfig Parse(string yaml, string baseDirectory, string source = "(text)")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentException.ThrowIfNullOrEmpty(baseDirectory);
        YamlMappingNode root = LoadRoot(yaml, source);
        var errors = new List<string>();
        var r = new YamlFields(errors);
        r.CheckKeys(root, "", RootKeys);

        string name = r.String(root, "consortium", required: false) ?? "consortium";
        string? caPath = ReadCa(r, root, baseDirectory);
        ImmutableArray<ParticipantConfig> participants = ReadParticipants(r, root, out int n);
        (int? t, int? c, int? m) = ReadCounts(r, root, n);

        int maxWeight = r.Int(root, "max-weight", required: false) ?? 1;
        if (maxWeight < 1 || maxWeight > MaxMaxWeight)
        {
            errors.Add($"{YamlFields.Where(root, "max-weight")}max-weight {maxWeight} must be in 1..{MaxMaxWeight} (1 = unweighted FedAvg; uploads then carry a weight 1 <= w <= max-weight)");
        }

        int? dimension = r.Int(root, "model-dimension", required: true);
        if (dimension is int d && (d < 1 || d > MaxModelDimension))
        {
            errors.Add($"{YamlFields.Where(root, "model-dimension")}model-dimension {d} must be in 1..{MaxModelDimension} (the number of values in the flattened model update)");
        }

        RoundDeadlines? deadlines = ReadDeadlines(r, root);
        (string preset, HeScheme scheme, int ringDegree) = ReadHe(r, root);
        DecryptionParameters decryption = ReadDecryption(r, root, preset);
        DpParameters? dp = ReadDp(r, root);
        PrivacyBudget? budget = ReadBudget(r, root);
        if (dp?.TargetEpsilon is double target && budget is not null && target > budget.Epsilon)
        {
            errors.Add($"dp.target-epsilon {Fmt(target)} exceeds privacy-budget.epsilon {Fmt(budget.Epsilon)}; the calibrated noise would overspend the budget");
        }

        StorageConfig? storage = ReadStorage(r, root, baseDirectory);
        if (errors.Count > 0)
        {
            throw new ConsortiumConfigException(source, errors);
        }

        var values = new ConsortiumConfigValues(
            name, participants, caPath!, t!.Value, c!.Value, m!.Value, maxWeight, dimension!.Value, deadlines!, preset, scheme, ringDegree, decryption, dp!, budget!, storage!);
        return ConsortiumPlanCheck.Build(values, source);
    }

    /// <summary>Parses a duration as the file writes it (90s, 30m, 2h, 1d, 500ms or hh:mm:ss).</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(text);
        return YamlFields.TryParseDuration(text, out value);
    }

    /// <summary>The default max-colluders for threshold t and min-participants m: min(1, t − 1, m − 1), never below 0.</summary>
    public static int DefaultMaxColluders(int threshold, int minParticipants) => Math.Max(0, Math.Min(1, Math.Min(threshold - 1, minParticipants - 1)));

    private static YamlMappingNode LoadRoot(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ConsortiumConfigException(source, [$"line {e.Start.Line}: not valid YAML: {e.Message}"]);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner reports some malformed input (e.g. an unclosed flow sequence) this way.
            throw new ConsortiumConfigException(source, [$"not valid YAML ({e.Message}); check brackets, quotes and indentation"]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ConsortiumConfigException(source, ["the file must be a YAML mapping with keys consortium:, ca:, participants:, threshold:, ..."]);
        }

        return root;
    }

    private static string? ReadCa(YamlFields r, YamlMappingNode root, string baseDirectory)
    {
        string? ca = r.String(root, "ca", required: true, hint: "path of the consortium CA certificate (PEM)");
        if (ca is null)
        {
            return null;
        }

        string caPath = Path.GetFullPath(Path.Combine(baseDirectory, ca));
        if (!File.Exists(caPath))
        {
            r.Errors.Add($"{YamlFields.Where(root, "ca")}ca: the CA certificate '{caPath}' does not exist; fix the path (relative paths are resolved against the configuration file's folder)");
        }

        return caPath;
    }

    private static (int? T, int? C, int? M) ReadCounts(YamlFields r, YamlMappingNode root, int n)
    {
        List<string> errors = r.Errors;
        int? threshold = r.Int(root, "threshold", required: true);
        if (threshold is int t)
        {
            if (t < 1)
            {
                errors.Add($"{YamlFields.Where(root, "threshold")}threshold {t} must be at least 1");
            }
            else if (n > 0 && t > n)
            {
                errors.Add($"{YamlFields.Where(root, "threshold")}threshold {t} exceeds the {n} participants listed under participants:; lower it or enroll more participants");
            }
        }

        int? minParticipants = r.Int(root, "min-participants", required: true);
        if (minParticipants is int m)
        {
            if (m < 2)
            {
                errors.Add($"{YamlFields.Where(root, "min-participants")}min-participants {m} must be at least 2: a sum of one upload is that upload");
            }
            else if (n > 0 && m > n)
            {
                errors.Add($"{YamlFields.Where(root, "min-participants")}min-participants {m} exceeds the {n} participants listed under participants:; no round could ever complete");
            }
        }

        int? colluders = r.Int(root, "max-colluders", required: false);
        if (YamlFields.Has(root, "max-colluders"))
        {
            CheckColluders(r, root, colluders, threshold is >= 1 ? threshold : null, minParticipants is >= 2 ? minParticipants : null);
        }
        else if (threshold is >= 1 and int t0 && minParticipants is >= 2 and int m0)
        {
            colluders = DefaultMaxColluders(t0, m0);
        }

        return (threshold, colluders, minParticipants);
    }

    private static void CheckColluders(YamlFields r, YamlMappingNode root, int? colluders, int? threshold, int? minParticipants)
    {
        string at = YamlFields.Where(root, "max-colluders");
        if (colluders is not int c)
        {
            return;
        }

        if (c < 0)
        {
            r.Errors.Add($"{at}max-colluders {c} must be 0 or more");
        }
        else if (threshold is int t && c >= t)
        {
            r.Errors.Add($"{at}max-colluders {c} must be at most threshold - 1 = {t - 1}: {c} colluders holding t key shares could decrypt any upload alone; raise threshold or lower max-colluders");
        }
        else if (minParticipants is int m && m - c < 1)
        {
            r.Errors.Add($"{at}max-colluders {c} leaves no honest summand in a round of min-participants = {m} (m - c must be at least 1); raise min-participants or lower max-colluders");
        }
    }

    private static ImmutableArray<ParticipantConfig> ReadParticipants(YamlFields r, YamlMappingNode top, out int listed)
    {
        List<string> errors = r.Errors;
        listed = 0;
        var node = r.Node(top, "participants", required: true, hint: "a list of {id, certificate-sha256}");
        if (node is null)
        {
            return [];
        }

        if (node is not YamlSequenceNode seq)
        {
            errors.Add($"line {node.Start.Line}: participants: must be a list (each item starting with '- id: ...')");
            return [];
        }

        listed = seq.Children.Count;
        if (seq.Children.Count < 2)
        {
            errors.Add($"line {node.Start.Line}: participants: lists {seq.Children.Count}; a consortium needs at least two participants");
        }

        var result = ImmutableArray.CreateBuilder<ParticipantConfig>();
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        var fingerprints = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < seq.Children.Count; i++)
        {
            string prefix = $"participants[{i}].";
            if (seq.Children[i] is not YamlMappingNode item)
            {
                errors.Add($"line {seq.Children[i].Start.Line}: {prefix[..^1]} must be a mapping with id: and certificate-sha256:");
                continue;
            }

            r.CheckKeys(item, prefix, ParticipantKeys);
            string? id = r.String(item, "id", required: true, prefix: prefix);
            string? sha = r.String(item, "certificate-sha256", required: false, prefix: prefix);
            string? subject = r.String(item, "certificate-subject", required: false, prefix: prefix);
            bool ok = id is not null;
            if (id is not null)
            {
                if (!IdPattern().IsMatch(id))
                {
                    errors.Add($"{YamlFields.Where(item, "id")}{prefix}id '{id}' is not a valid participant id; use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
                    ok = false;
                }
                else if (ids.TryGetValue(id, out long firstLine))
                {
                    errors.Add($"{YamlFields.Where(item, "id")}{prefix}id '{id}' is listed twice (first at line {firstLine}); participant ids must be unique");
                    ok = false;
                }
                else
                {
                    ids[id] = item.Start.Line;
                }
            }

            if (sha is null)
            {
                errors.Add(subject is null
                    ? $"line {item.Start.Line}: {prefix[..^1]} ('{id}') has no certificate-sha256:; give the SHA-256 fingerprint of its enrollment certificate ('openssl x509 -noout -fingerprint -sha256')"
                    : $"line {item.Start.Line}: {prefix[..^1]} ('{id}') is identified by certificate-subject only; a subject never authenticates (another certificate of the CA can carry it), so give certificate-sha256: (the SHA-256 fingerprint of its enrollment certificate)");
                ok = false;
            }
            else
            {
                string normalized = sha.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant();
                if (!Sha256Pattern().IsMatch(normalized))
                {
                    errors.Add($"{YamlFields.Where(item, "certificate-sha256")}{prefix}certificate-sha256 must be 64 hexadecimal digits (colons allowed), e.g. the output of 'openssl x509 -noout -fingerprint -sha256'");
                    ok = false;
                }
                else if (fingerprints.TryGetValue(normalized, out string? other))
                {
                    errors.Add($"{YamlFields.Where(item, "certificate-sha256")}{prefix}certificate-sha256 is the same as participant '{other}''s; each participant needs its own certificate");
                    ok = false;
                }
                else
                {
                    fingerprints[normalized] = id ?? "?";
                    sha = normalized;
                }
            }

            if (ok)
            {
                result.Add(new ParticipantConfig(id!, sha!, subject));
            }
        }

        return result.ToImmutable();
    }

    private static RoundDeadlines? ReadDeadlines(YamlFields r, YamlMappingNode root)
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

    private static (string Preset, HeScheme Scheme, int MaxRingDegree) ReadHe(YamlFields r, YamlMappingNode root)
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

    private static DecryptionParameters ReadDecryption(YamlFields r, YamlMappingNode root, string preset)
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
        if (kappa < MinStatisticalSecurity || kappa > MaxStatisticalSecurity)
        {
            r.Errors.Add($"{at}decryption.statistical-security {kappa} must be in {MinStatisticalSecurity}..{MaxStatisticalSecurity} (κ: an epoch's decryption shares are within 2^-κ of simulated ones; 40 is the design's value)");
        }
        else if (kappa < StatisticalFlooding.DefaultSecurity && preset != ProtocolPresets.InsecureForTestsName)
        {
            r.Errors.Add($"{at}decryption.statistical-security {kappa} is below {StatisticalFlooding.DefaultSecurity}, the least the planned parameters accept (docs/threat-model.md promises 2^-40); raise it to {StatisticalFlooding.DefaultSecurity} or more");
        }

        cap = r.Long(section, "share-cap", required: false, prefix: "decryption.") ?? cap;
        if (cap < 1 || cap > MaxShareCap)
        {
            r.Errors.Add($"{YamlFields.Where(section, "share-cap")}decryption.share-cap {cap} must be in 1..{MaxShareCap} ((round, chunk) pairs a member answers per key epoch; default {StatisticalFlooding.DefaultShareCap})");
        }

        return new DecryptionParameters(kappa, cap);
    }

    private static DpParameters? ReadDp(YamlFields r, YamlMappingNode top)
    {
        List<string> errors = r.Errors;
        var dp = r.Section(top, "dp", DpKeys, required: true);
        if (dp is null)
        {
            return null;
        }

        int? bits = r.Int(dp, "bits", required: true, prefix: "dp.");
        if (bits is int b && (b < MinBits || b > MaxBits))
        {
            errors.Add($"{YamlFields.Where(dp, "bits")}dp.bits {b} must be between {MinBits} and {MaxBits}");
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

    private static PrivacyBudget? ReadBudget(YamlFields r, YamlMappingNode top)
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

    private static StorageConfig? ReadStorage(YamlFields r, YamlMappingNode top, string baseDirectory)
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

    private static string Fmt(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    private static readonly string[] RootKeys =
        ["consortium", "ca", "participants", "threshold", "max-colluders", "min-participants", "max-weight", "model-dimension", "deadlines", "he", "decryption", "dp", "privacy-budget", "storage"];

    private static readonly string[] ParticipantKeys = ["id", "certificate-sha256", "certificate-subject"];
    private static readonly string[] DeadlineKeys = ["collect", "approve", "decrypt"];
    private static readonly string[] HeKeys = ["preset", "scheme", "max-ring-degree"];
    private static readonly string[] DecryptionKeys = ["statistical-security", "share-cap"];
    private static readonly string[] DpKeys = ["bits", "clip", "noise-sigma", "target-epsilon", "rounds"];
    private static readonly string[] BudgetKeys = ["epsilon", "delta"];
    private static readonly string[] StorageKeys = ["provider", "path", "connection-string"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[0-9A-F]{64}$")]
    private static partial Regex Sha256Pattern();
}
