using System.Collections.Immutable;
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

        RoundDeadlines? deadlines = ConsortiumSections.ReadDeadlines(r, root);
        (string preset, HeScheme scheme, int ringDegree) = ConsortiumSections.ReadHe(r, root);
        DecryptionParameters decryption = ConsortiumSections.ReadDecryption(r, root, preset);
        DpParameters? dp = ConsortiumSections.ReadDp(r, root);
        PrivacyBudget? budget = ConsortiumSections.ReadBudget(r, root);
        if (dp?.TargetEpsilon is double target && budget is not null && target > budget.Epsilon)
        {
            errors.Add($"dp.target-epsilon {ConsortiumSections.Fmt(target)} exceeds privacy-budget.epsilon {ConsortiumSections.Fmt(budget.Epsilon)}; the calibrated noise would overspend the budget");
        }

        StorageConfig? storage = ConsortiumSections.ReadStorage(r, root, baseDirectory);
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

    private static readonly string[] RootKeys =
        ["consortium", "ca", "participants", "threshold", "max-colluders", "min-participants", "max-weight", "model-dimension", "deadlines", "he", "decryption", "dp", "privacy-budget", "storage"];

    private static readonly string[] ParticipantKeys = ["id", "certificate-sha256", "certificate-subject"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[0-9A-F]{64}$")]
    private static partial Regex Sha256Pattern();
}
