using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SecAgg.Protocol.Consortium.Internal;

/// <summary>
/// Walks the consortium file's YAML nodes, adding a located, actionable message to <see cref="Errors"/> for each
/// problem (line, key, what to write instead) and returning null for a value it could not read.
/// </summary>
internal sealed partial class YamlFields(List<string> errors)
{
    /// <summary>Longest deadline accepted (a typo such as "30d" for "30m" is caught).</summary>
    public static readonly TimeSpan MaxDeadline = TimeSpan.FromDays(7);

    public List<string> Errors { get; } = errors;

    public static string Where(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? $"line {v.Start.Line}: " : $"line {map.Start.Line}: ";

    public static bool Has(YamlMappingNode map, string key) => map.Children.ContainsKey(new YamlScalarNode(key));

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

    public long? Long(YamlMappingNode map, string key, bool required, string? prefix = null)
    {
        string? text = String(map, key, required, prefix, hint: "a whole number");
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
        {
            Errors.Add($"{Where(map, key)}{prefix}{key}: '{text}' is not a whole number");
            return null;
        }

        return v;
    }

    public int? Int(YamlMappingNode map, string key, bool required, string? prefix = null)
    {
        long? v = Long(map, key, required, prefix);
        if (v is long x && (x < int.MinValue || x > int.MaxValue))
        {
            Errors.Add($"{Where(map, key)}{prefix}{key}: {x} is too large");
            return null;
        }

        return (int?)v;
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

    public TimeSpan? Duration(YamlMappingNode map, string prefix, string key, bool required = true)
    {
        string? text = String(map, key, required, prefix, hint: "a duration such as 90s, 30m, 2h or 00:30:00");
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

    public static bool TryParseDuration(string text, out TimeSpan value)
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

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)$")]
    private static partial Regex DurationPattern();
}
