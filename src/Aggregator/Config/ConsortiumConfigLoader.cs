using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SecAgg.Aggregator.Config;

/// <summary>
/// Reads the consortium's YAML file and checks it, collecting <b>all</b> problems before failing
/// (<see cref="ConsortiumConfigException"/>). The file's shape (docs/aggregator.md):
/// <code>
/// consortium: heart-study
/// ca: certs/ca.pem                       # relative to the file's folder
/// participants:
///   - id: hospital-a
///     certificate-sha256: 3F:2A:...     # and/or certificate-subject: "CN=hospital-a"
/// threshold: 2                           # 1 &lt;= t &lt;= number of participants
/// min-participants: 2                    # 2 &lt;= min &lt;= number of participants
/// max-weight: 1                          # optional: uploads carry a public weight 1 &lt;= w &lt;= max-weight (1 = unweighted)
/// deadlines: { collect: 30m, decrypt: 10m }
/// he: { preset: bfv-16384, scheme: bfv }  # scheme: bfv (default) or ckks
/// dp: { bits: 16, clip: 1.0, noise-sigma: 2.5, rounds: 50 }   # or target-epsilon instead of noise-sigma
/// privacy-budget: { epsilon: 8, delta: 1e-6 }
/// storage: { provider: sqlite, path: state/aggregator.db }    # or provider: postgres, connection-string: ...
/// </code>
/// </summary>
public static partial class ConsortiumConfigLoader
{
    /// <summary>Longest deadline accepted (a typo such as "30d" for "30m" is caught).</summary>
    public static readonly TimeSpan MaxDeadline = TimeSpan.FromDays(7);

    /// <summary>Largest <c>max-weight</c> accepted: each update is pre-scaled by w/max-weight, so a larger bound only
    /// drowns light participants in rounding noise.</summary>
    public const int MaxMaxWeight = 1_000_000;

    /// <summary>Largest quantization bit width accepted (values must fit the plaintext modulus with headroom).</summary>
    public const int MaxBits = 62;

    /// <summary>Reads and checks the file at <paramref name="path"/>; relative paths inside it are resolved against its folder.</summary>
    /// <param name="path">The consortium YAML file.</param>
    /// <param name="knownHePresets">The HE parameter presets the crypto layer knows; null skips that check.</param>
    public static ConsortiumConfig Load(string path, IReadOnlySet<string>? knownHePresets = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ConsortiumConfigException($"'{full}'", [$"the file does not exist; pass the path of the consortium YAML file"]);
        }

        return Parse(File.ReadAllText(full), Path.GetDirectoryName(full)!, $"'{full}'", knownHePresets);
    }

    /// <summary>Parses and checks YAML text; relative paths are resolved against <paramref name="baseDirectory"/>.</summary>
    public static ConsortiumConfig Parse(string yaml, string baseDirectory, string source = "(text)", IReadOnlySet<string>? knownHePresets = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentException.ThrowIfNullOrEmpty(baseDirectory);
        var errors = new List<string>();
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

        var reader = new Reader(errors);
        var top = reader.Section(root, "", RootKeys);

        string name = reader.String(top, "consortium", required: false) ?? "consortium";

        string? caPath = null;
        string? ca = reader.String(top, "ca", required: true, hint: "path of the consortium CA certificate (PEM)");
        if (ca is not null)
        {
            caPath = Path.GetFullPath(Path.Combine(baseDirectory, ca));
            if (!File.Exists(caPath))
            {
                errors.Add($"{reader.Where(top, "ca")}ca: the CA certificate '{caPath}' does not exist; fix the path (relative paths are resolved against the configuration file's folder)");
            }
        }

        var participants = ReadParticipants(reader, top, errors, out int n);

        int? threshold = reader.Int(top, "threshold", required: true);
        if (threshold is int t)
        {
            if (t < 1)
            {
                errors.Add($"{reader.Where(top, "threshold")}threshold {t} must be at least 1");
            }
            else if (n > 0 && t > n)
            {
                errors.Add($"{reader.Where(top, "threshold")}threshold {t} exceeds the {n} participants listed under participants:; lower it or enroll more participants");
            }
        }

        int? minParticipants = reader.Int(top, "min-participants", required: true);
        if (minParticipants is int m)
        {
            if (m < 2)
            {
                errors.Add($"{reader.Where(top, "min-participants")}min-participants {m} must be at least 2: a round with one summand would reveal that participant's update to the decryption set");
            }
            else if (n > 0 && m > n)
            {
                errors.Add($"{reader.Where(top, "min-participants")}min-participants {m} exceeds the {n} participants listed under participants:; no round could ever complete");
            }
        }

        int maxWeight = reader.Int(top, "max-weight", required: false) ?? 1;
        if (maxWeight < 1 || maxWeight > MaxMaxWeight)
        {
            errors.Add($"{reader.Where(top, "max-weight")}max-weight {maxWeight} must be in 1..{MaxMaxWeight} (1 = unweighted FedAvg; uploads then carry a weight 1 <= w <= max-weight)");
        }

        var deadlines = reader.Section(top, "deadlines", DeadlineKeys, required: true);
        TimeSpan? collect = deadlines is null ? null : reader.Duration(deadlines, "deadlines.", "collect");
        TimeSpan? decrypt = deadlines is null ? null : reader.Duration(deadlines, "deadlines.", "decrypt");

        var he = reader.Section(top, "he", HeKeys, required: true);
        string? preset = he is null ? null : reader.String(he, "preset", required: true, prefix: "he.", hint: "name of an HE parameter preset");
        if (preset is not null && knownHePresets is not null && !knownHePresets.Contains(preset))
        {
            errors.Add($"{reader.Where(he!, "preset")}he.preset '{preset}' is not a known preset; use one of: {string.Join(", ", knownHePresets.Order(StringComparer.Ordinal))}");
        }

        Protocol.HeScheme scheme = Protocol.HeScheme.Bfv;
        string? schemeText = he is null ? null : reader.String(he, "scheme", required: false, prefix: "he.");
        if (schemeText is not null && !Protocol.HeSchemeNames.TryParse(schemeText, out scheme))
        {
            errors.Add($"{reader.Where(he!, "scheme")}he.scheme '{schemeText}' is unknown; use {Protocol.HeSchemeNames.Bfv} (exact integers, the default) or {Protocol.HeSchemeNames.Ckks} (fixed-point reals)");
        }

        DpParameters? dp = ReadDp(reader, top, errors);
        PrivacyBudget? budget = ReadBudget(reader, top, errors);
        if (dp?.TargetEpsilon is double target && budget is not null && target > budget.Epsilon)
        {
            errors.Add($"dp.target-epsilon {Fmt(target)} exceeds privacy-budget.epsilon {Fmt(budget.Epsilon)}; the calibrated noise would overspend the budget");
        }

        StorageConfig? storage = ReadStorage(reader, top, baseDirectory);

        if (errors.Count > 0)
        {
            throw new ConsortiumConfigException(source, errors);
        }

        return new ConsortiumConfig(name, participants, caPath!, threshold!.Value, minParticipants!.Value,
            collect!.Value, decrypt!.Value, preset!, dp!, budget!, storage!)
        {
            MaxWeight = maxWeight,
            Scheme = scheme,
        };
    }

    private static ImmutableArray<ParticipantConfig> ReadParticipants(Reader reader, YamlMappingNode top, List<string> errors, out int listed)
    {
        listed = 0;
        var node = reader.Node(top, "participants", required: true, hint: "a list of {id, certificate-sha256 and/or certificate-subject}");
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
        if (seq.Children.Count == 0)
        {
            errors.Add($"line {node.Start.Line}: participants: is empty; list at least two participants");
        }

        var result = ImmutableArray.CreateBuilder<ParticipantConfig>();
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        var fingerprints = new Dictionary<string, string>(StringComparer.Ordinal);
        var subjects = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < seq.Children.Count; i++)
        {
            string prefix = $"participants[{i}].";
            if (seq.Children[i] is not YamlMappingNode item)
            {
                errors.Add($"line {seq.Children[i].Start.Line}: {prefix[..^1]} must be a mapping with id: and certificate-sha256: and/or certificate-subject:");
                continue;
            }

            reader.CheckKeys(item, prefix, ParticipantKeys);
            string? id = reader.String(item, "id", required: true, prefix: prefix);
            string? sha = reader.String(item, "certificate-sha256", required: false, prefix: prefix);
            string? subject = reader.String(item, "certificate-subject", required: false, prefix: prefix);
            bool ok = id is not null;
            if (id is not null)
            {
                if (!IdPattern().IsMatch(id))
                {
                    errors.Add($"{reader.Where(item, "id")}{prefix}id '{id}' is not a valid participant id; use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
                    ok = false;
                }
                else if (ids.TryGetValue(id, out long firstLine))
                {
                    errors.Add($"{reader.Where(item, "id")}{prefix}id '{id}' is listed twice (first at line {firstLine}); participant ids must be unique");
                    ok = false;
                }
                else
                {
                    ids[id] = item.Start.Line;
                }
            }

            if (sha is null && subject is null)
            {
                errors.Add($"line {item.Start.Line}: {prefix[..^1]} ('{id}') has no certificate identity; add certificate-sha256: (the SHA-256 fingerprint of its client certificate) and/or certificate-subject:");
                ok = false;
            }

            if (sha is not null)
            {
                string normalized = sha.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant();
                if (!Sha256Pattern().IsMatch(normalized))
                {
                    errors.Add($"{reader.Where(item, "certificate-sha256")}{prefix}certificate-sha256 must be 64 hexadecimal digits (colons allowed), e.g. the output of 'openssl x509 -noout -fingerprint -sha256'");
                    ok = false;
                }
                else if (fingerprints.TryGetValue(normalized, out string? other))
                {
                    errors.Add($"{reader.Where(item, "certificate-sha256")}{prefix}certificate-sha256 is the same as participant '{other}''s; each participant needs its own certificate");
                    ok = false;
                }
                else
                {
                    fingerprints[normalized] = id ?? "?";
                    sha = normalized;
                }
            }

            if (subject is not null)
            {
                if (subjects.TryGetValue(subject, out string? other))
                {
                    errors.Add($"{reader.Where(item, "certificate-subject")}{prefix}certificate-subject '{subject}' is the same as participant '{other}''s; each participant needs its own identity");
                    ok = false;
                }
                else
                {
                    subjects[subject] = id ?? "?";
                }
            }

            if (ok)
            {
                result.Add(new ParticipantConfig(id!, sha, subject));
            }
        }

        return result.ToImmutable();
    }

    private static DpParameters? ReadDp(Reader reader, YamlMappingNode top, List<string> errors)
    {
        var dp = reader.Section(top, "dp", DpKeys, required: true);
        if (dp is null)
        {
            return null;
        }

        int? bits = reader.Int(dp, "bits", required: true, prefix: "dp.");
        if (bits is int b && (b < 1 || b > MaxBits))
        {
            errors.Add($"{reader.Where(dp, "bits")}dp.bits {b} must be between 1 and {MaxBits}");
        }

        double? clip = reader.Double(dp, "clip", required: true, prefix: "dp.");
        if (clip is double c && !(c > 0 && double.IsFinite(c)))
        {
            errors.Add($"{reader.Where(dp, "clip")}dp.clip {Fmt(c)} must be a positive finite L2 norm");
        }

        double? sigma = reader.Double(dp, "noise-sigma", required: false, prefix: "dp.");
        double? target = reader.Double(dp, "target-epsilon", required: false, prefix: "dp.");
        if (sigma is null && target is null && !reader.Has(dp, "noise-sigma") && !reader.Has(dp, "target-epsilon"))
        {
            errors.Add($"line {dp.Start.Line}: dp: needs noise-sigma: (the noise standard deviation) or target-epsilon: (to calibrate it); neither is given");
        }
        else if (reader.Has(dp, "noise-sigma") && reader.Has(dp, "target-epsilon"))
        {
            errors.Add($"line {dp.Start.Line}: dp: gives both noise-sigma: and target-epsilon:; keep exactly one (the other is derived from it)");
        }

        if (sigma is double s && !(s > 0 && double.IsFinite(s)))
        {
            errors.Add($"{reader.Where(dp, "noise-sigma")}dp.noise-sigma {Fmt(s)} must be positive and finite");
        }

        if (target is double e && !(e > 0 && double.IsFinite(e)))
        {
            errors.Add($"{reader.Where(dp, "target-epsilon")}dp.target-epsilon {Fmt(e)} must be positive and finite");
        }

        int? rounds = reader.Int(dp, "rounds", required: true, prefix: "dp.");
        if (rounds is int r && r < 1)
        {
            errors.Add($"{reader.Where(dp, "rounds")}dp.rounds {r} must be at least 1");
        }

        return bits is null || clip is null || rounds is null ? null : new DpParameters(bits.Value, clip.Value, sigma, target, rounds.Value);
    }

    private static PrivacyBudget? ReadBudget(Reader reader, YamlMappingNode top, List<string> errors)
    {
        var section = reader.Section(top, "privacy-budget", BudgetKeys, required: true);
        if (section is null)
        {
            return null;
        }

        double? eps = reader.Double(section, "epsilon", required: true, prefix: "privacy-budget.");
        if (eps is double e && !(e > 0 && double.IsFinite(e)))
        {
            errors.Add($"{reader.Where(section, "epsilon")}privacy-budget.epsilon {Fmt(e)} must be positive and finite");
        }

        double? delta = reader.Double(section, "delta", required: true, prefix: "privacy-budget.");
        if (delta is double d && !(d > 0 && d < 1))
        {
            errors.Add($"{reader.Where(section, "delta")}privacy-budget.delta {Fmt(d)} must be strictly between 0 and 1 (typically below 1/number of records, e.g. 1e-6)");
        }

        return eps is null || delta is null ? null : new PrivacyBudget(eps.Value, delta.Value);
    }

    private static StorageConfig? ReadStorage(Reader reader, YamlMappingNode top, string baseDirectory)
    {
        var section = reader.Section(top, "storage", StorageKeys, required: false);
        if (section is null)
        {
            return reader.Has(top, "storage") ? null : new StorageConfig(StorageProvider.Sqlite, Path.Combine(baseDirectory, "aggregator.db"), null);
        }

        string provider = reader.String(section, "provider", required: false, prefix: "storage.") ?? "sqlite";
        string? path = reader.String(section, "path", required: false, prefix: "storage.");
        string? cs = reader.String(section, "connection-string", required: false, prefix: "storage.");
        switch (provider)
        {
            case "sqlite":
                if (cs is not null)
                {
                    reader.Errors.Add($"{reader.Where(section, "connection-string")}storage.connection-string is for provider: postgres; with sqlite give path:");
                    return null;
                }

                return new StorageConfig(StorageProvider.Sqlite, Path.GetFullPath(Path.Combine(baseDirectory, path ?? "aggregator.db")), null);
            case "postgres":
                if (cs is null)
                {
                    reader.Errors.Add($"line {section.Start.Line}: storage: provider postgres needs connection-string: (e.g. \"Host=db;Username=secagg;Password=...;Database=secagg\")");
                    return null;
                }

                if (path is not null)
                {
                    reader.Errors.Add($"{reader.Where(section, "path")}storage.path is for provider: sqlite; with postgres give connection-string:");
                    return null;
                }

                return new StorageConfig(StorageProvider.Postgres, null, cs);
            default:
                reader.Errors.Add($"{reader.Where(section, "provider")}storage.provider '{provider}' is unknown; use sqlite or postgres");
                return null;
        }
    }

    internal static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        var m = DurationPattern().Match(text.Trim());
        if (m.Success)
        {
            double amount = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            value = m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
            return true;
        }

        return TimeSpan.TryParseExact(text.Trim(), "c", CultureInfo.InvariantCulture, out value);
    }

    private static string Fmt(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    private static readonly string[] RootKeys = ["consortium", "ca", "participants", "threshold", "min-participants", "max-weight", "deadlines", "he", "dp", "privacy-budget", "storage"];
    private static readonly string[] ParticipantKeys = ["id", "certificate-sha256", "certificate-subject"];
    private static readonly string[] DeadlineKeys = ["collect", "decrypt"];
    private static readonly string[] HeKeys = ["preset", "scheme"];
    private static readonly string[] DpKeys = ["bits", "clip", "noise-sigma", "target-epsilon", "rounds"];
    private static readonly string[] BudgetKeys = ["epsilon", "delta"];
    private static readonly string[] StorageKeys = ["provider", "path", "connection-string"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[0-9A-F]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)$")]
    private static partial Regex DurationPattern();

    /// <summary>Walks YAML nodes, adding a located, actionable message to <see cref="Errors"/> for each problem.</summary>
    private sealed class Reader(List<string> errors)
    {
        public List<string> Errors { get; } = errors;

        public string Where(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? $"line {v.Start.Line}: " : $"line {map.Start.Line}: ";

        public bool Has(YamlMappingNode map, string key) => map.Children.ContainsKey(new YamlScalarNode(key));

        public YamlMappingNode Section(YamlMappingNode root, string prefix, string[] keys)
        {
            CheckKeys(root, prefix, keys);
            return root;
        }

        public YamlMappingNode? Section(YamlMappingNode parent, string key, string[] keys, bool required)
        {
            var node = Node(parent, key, required, hint: $"a mapping with {string.Join(", ", keys.Select(k => k + ":"))}");
            if (node is null)
            {
                return null;
            }

            if (node is not YamlMappingNode map)
            {
                Errors.Add($"line {node.Start.Line}: {key}: must be a mapping with {string.Join(", ", keys.Select(k => k + ":"))}");
                return null;
            }

            CheckKeys(map, key + ".", keys);
            return map;
        }

        public void CheckKeys(YamlMappingNode map, string prefix, string[] keys)
        {
            foreach (var (k, _) in map.Children)
            {
                string name = (k as YamlScalarNode)?.Value ?? "?";
                if (!keys.Contains(name, StringComparer.Ordinal))
                {
                    Errors.Add($"line {k.Start.Line}: unknown key {prefix}{name}; expected one of {string.Join(", ", keys)} (check the spelling)");
                }
            }
        }

        public YamlNode? Node(YamlMappingNode map, string key, bool required, string? prefix = null, string? hint = null)
        {
            if (map.Children.TryGetValue(new YamlScalarNode(key), out var v) && !(v is YamlScalarNode { Value: null or "" or "~" or "null" } s && s.Style == ScalarStyle.Plain))
            {
                return v;
            }

            if (required)
            {
                Errors.Add($"line {map.Start.Line}: {prefix}{key}: is missing{(hint is null ? "" : $"; give {hint}")}");
            }

            return null;
        }

        public string? String(YamlMappingNode map, string key, bool required, string? prefix = null, string? hint = null)
        {
            var node = Node(map, key, required, prefix, hint);
            if (node is null)
            {
                return null;
            }

            if (node is not YamlScalarNode s)
            {
                Errors.Add($"line {node.Start.Line}: {prefix}{key}: must be a single value, not a list or mapping");
                return null;
            }

            return s.Value;
        }

        public int? Int(YamlMappingNode map, string key, bool required, string? prefix = null)
        {
            string? text = String(map, key, required, prefix, hint: "a whole number");
            if (text is null)
            {
                return null;
            }

            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v))
            {
                Errors.Add($"{Where(map, key)}{prefix}{key}: '{text}' is not a whole number");
                return null;
            }

            return v;
        }

        public double? Double(YamlMappingNode map, string key, bool required, string? prefix = null)
        {
            string? text = String(map, key, required, prefix, hint: "a number");
            if (text is null)
            {
                return null;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            {
                Errors.Add($"{Where(map, key)}{prefix}{key}: '{text}' is not a number (use a dot as decimal separator, e.g. 1.5 or 1e-6)");
                return null;
            }

            return v;
        }

        public TimeSpan? Duration(YamlMappingNode map, string prefix, string key)
        {
            string? text = String(map, key, required: true, prefix, hint: "a duration such as 90s, 30m, 2h or 00:30:00");
            if (text is null)
            {
                return null;
            }

            if (!TryParseDuration(text, out var value))
            {
                Errors.Add($"{Where(map, key)}{prefix}{key}: '{text}' is not a duration; write e.g. 90s, 30m, 2h, 1d or 00:30:00");
                return null;
            }

            if (value <= TimeSpan.Zero)
            {
                Errors.Add($"{Where(map, key)}{prefix}{key}: {text} must be longer than zero");
                return null;
            }

            if (value > MaxDeadline)
            {
                Errors.Add($"{Where(map, key)}{prefix}{key}: {text} is longer than the {MaxDeadline.TotalDays:0} days allowed; did you mean minutes (m) rather than days (d)?");
                return null;
            }

            return value;
        }
    }
}
