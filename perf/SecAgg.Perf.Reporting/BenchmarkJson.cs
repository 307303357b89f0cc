using System.Text.Json;

namespace SecAgg.Perf.Reporting;

/// <summary>Reads BenchmarkDotNet's JSON exports (<c>--exporters json</c>: <c>*-report*.json</c> with a "Benchmarks" array).</summary>
public static class BenchmarkJson
{
    /// <summary>Every benchmark result in the JSON files under <paramref name="directory"/> (none when it does not exist).</summary>
    public static List<MicroResult> ReadDirectory(string directory)
    {
        var results = new List<MicroResult>();
        if (!Directory.Exists(directory))
        {
            return results;
        }

        foreach (string file in Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            results.AddRange(Parse(File.ReadAllText(file)));
        }

        return results;
    }

    /// <summary>Parses one BenchmarkDotNet JSON report; results without statistics (failed runs) are skipped.</summary>
    /// <exception cref="InvalidDataException">The text is not JSON.</exception>
    public static IEnumerable<MicroResult> Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Not a BenchmarkDotNet JSON report: {e.Message}", e);
        }

        using (document)
        {
            if (!document.RootElement.TryGetProperty("Benchmarks", out JsonElement benchmarks) || benchmarks.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            var list = new List<MicroResult>();
            foreach (JsonElement b in benchmarks.EnumerateArray())
            {
                if (!b.TryGetProperty("Statistics", out JsonElement stats) || stats.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                string type = b.TryGetProperty("Type", out JsonElement t) ? t.GetString() ?? "" : "";
                string method = b.TryGetProperty("Method", out JsonElement m) ? m.GetString() ?? "" : "";
                string parameters = b.TryGetProperty("Parameters", out JsonElement p) ? (p.GetString() ?? "").Replace("&", ", ", StringComparison.Ordinal) : "";
                double mean = stats.TryGetProperty("Mean", out JsonElement me) && me.ValueKind == JsonValueKind.Number ? me.GetDouble() : double.NaN;
                double median = stats.TryGetProperty("Median", out JsonElement md) && md.ValueKind == JsonValueKind.Number ? md.GetDouble() : double.NaN;
                list.Add(new MicroResult($"{type}.{method}", parameters, mean, median));
            }

            return list;
        }
    }
}
