using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SecAgg.RoundBench.Wan;

/// <summary>
/// The WAN profile (issue 17): every site in its own network namespace, joined to the aggregator's namespace by a veth
/// link shaped to <see cref="Rate"/> in both directions (perf/wan/wan-net.sh, copied next to this executable), and a
/// delaying proxy (<see cref="DelayProxy"/>) in the aggregator's namespace adding <see cref="RttMs"/>/2 each way in front
/// of the aggregator's and the plaintext server's ports. Both paths of a round cross the same links and the same proxy.
/// </summary>
internal sealed partial record WanProfile(string Rate, double RttMs)
{
    /// <summary>The aggregator's namespace (the aggregator, the plaintext server and the proxy run there).</summary>
    public const string AggregatorNamespace = "sawan-agg";

    /// <summary>The aggregator namespace's address on the sites' bridge (named in the aggregator's certificate).</summary>
    public const string AggregatorAddress = "10.77.0.1";

    /// <summary>Parses <c>--network wan --rate RATE --rtt-ms MS</c>; null without <c>--network</c> or with <c>--network loopback</c>.</summary>
    public static WanProfile? FromOptions(IReadOnlyDictionary<string, string> o, List<string> errors)
    {
        string network = o.GetValueOrDefault("network", "loopback");
        if (network == "loopback")
        {
            if (o.ContainsKey("rate") || o.ContainsKey("rtt-ms"))
            {
                errors.Add("--rate and --rtt-ms shape the WAN profile: add --network wan.");
            }

            return null;
        }

        if (network != "wan")
        {
            errors.Add($"--network '{network}': use loopback (the default) or wan.");
            return null;
        }

        string rate = o.GetValueOrDefault("rate", "1gbit").ToLowerInvariant();
        if (!RateText().IsMatch(rate))
        {
            errors.Add($"--rate '{rate}': use a tc rate such as 1gbit, 100mbit or 500kbit.");
        }

        double rtt = 20;
        if (o.TryGetValue("rtt-ms", out string? text) && (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out rtt) || rtt < 0 || rtt > 2000))
        {
            errors.Add($"--rtt-ms '{text}': give the round-trip time in milliseconds, 0 to 2000.");
        }

        return new WanProfile(rate, rtt);
    }

    /// <summary>Site <paramref name="index"/>'s namespace (0-based index, namespaces are numbered from 1).</summary>
    public static string SiteNamespace(int index) => $"sawan-p{index + 1}";

    /// <summary>The proxy's one-way delay in milliseconds.</summary>
    public double OneWayMs => RttMs / 2;

    /// <summary>How the profile reads in reports, e.g. "WAN 1gbit, 20 ms RTT".</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture, $"WAN {Rate}, {RttMs:0.#} ms RTT");

    /// <summary>Creates the topology for <paramref name="sites"/> sites (an earlier one is torn down first).</summary>
    public Task UpAsync(int sites, CancellationToken token) => ScriptAsync(token, "up", "--sites", sites.ToString(CultureInfo.InvariantCulture), "--rate", Rate);

    /// <summary>Removes every namespace of the topology (idempotent).</summary>
    public static Task DownAsync() => ScriptAsync(CancellationToken.None, "down");

    /// <summary>
    /// Bytes sent so far on the site links (Ethernet frames: IP, TCP, TLS and HTTP/2 framing included, acknowledgements
    /// too): <c>Up</c> sums each site's wan0 (site to aggregator), <c>Down</c> the aggregator's bridge ports (to the sites).
    /// </summary>
    public static async Task<(long Up, long Down)> LinkBytesAsync(int sites, CancellationToken token)
    {
        long up = 0, down = 0;
        for (int i = 0; i < sites; i++)
        {
            up += TxBytes(await IpJsonAsync(token, "-n", SiteNamespace(i), "-s", "-j", "link", "show", "dev", "wan0"), "wan0");
        }

        JsonElement ports = await IpJsonAsync(token, "-n", AggregatorNamespace, "-s", "-j", "link", "show");
        for (int i = 0; i < sites; i++)
        {
            down += TxBytes(ports, $"sw-p{i + 1}");
        }

        return (up, down);
    }

    private static long TxBytes(JsonElement links, string name) =>
        links.EnumerateArray().Where(l => l.GetProperty("ifname").GetString() == name)
            .Select(l => l.GetProperty("stats64").GetProperty("tx").GetProperty("bytes").GetInt64())
            .DefaultIfEmpty(-1).First() is var bytes and >= 0 ? bytes : throw new Orchestration.BenchmarkFailedException($"The WAN link {name} is missing (perf/wan/wan-net.sh status shows the topology).");

    private static async Task<JsonElement> IpJsonAsync(CancellationToken token, params string[] args) =>
        JsonDocument.Parse(await Orchestration.ToolProcess.RunAsync($"ip {string.Join(' ', args)}", "ip", args, token)).RootElement.Clone();

    private static Task ScriptAsync(CancellationToken token, params string[] args)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "wan-net.sh");
        return Orchestration.ToolProcess.RunAsync($"{script} {string.Join(' ', args)} (it needs root for ip netns and tc)", "bash", [script, .. args], token);
    }

    [GeneratedRegex("^[0-9]+(k|m|g)?bit$")]
    private static partial Regex RateText();
}
