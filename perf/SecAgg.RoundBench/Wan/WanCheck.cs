using System.Globalization;
using SecAgg.RoundBench.Orchestration;
using Spectre.Console;

namespace SecAgg.RoundBench.Wan;

/// <summary>
/// <c>wan-check --rate R --rtt-ms MS [--pings 50] [--bulk-mb 50] [--out FILE]</c>: brings the WAN topology up with one
/// site, starts <see cref="TcpProbe"/>'s echo server in the aggregator's namespace and the <see cref="DelayProxy"/> in
/// front of it, and probes from the site's namespace twice: straight to the echo server (the shaped link alone) and
/// through the proxy (shaped and delayed, the path the benchmark's rounds take). Prints both; tears the topology down.
/// </summary>
internal static class WanCheck
{
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> o)
    {
        var errors = new List<string>();
        WanProfile? wan = WanProfile.FromOptions(new Dictionary<string, string>(o) { ["network"] = "wan" }, errors);
        int pings = int.Parse(o.GetValueOrDefault("pings", "50"), CultureInfo.InvariantCulture);
        long bulk = (long)(double.Parse(o.GetValueOrDefault("bulk-mb", "50"), CultureInfo.InvariantCulture) * 1e6);
        if (errors.Count > 0 || wan is null)
        {
            errors.ForEach(Console.Error.WriteLine);
            return 2;
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var children = new List<ChildProcess>();
        string parent = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            await wan.UpAsync(1, cancel.Token);
            ChildProcess echo = Add(children, ChildProcess.Start("echo server", ["role-tcp-echo", "--listen", "0.0.0.0", "--parent-pid", parent], WanProfile.AggregatorNamespace));
            string echoPort = await echo.ReadAsync("listening", cancel.Token);
            ChildProcess proxy = Add(children, ChildProcess.Start("delay proxy", ["role-delay-proxy", "--listen", WanProfile.AggregatorAddress, "--to", $"127.0.0.1:{echoPort}", "--delay-ms", wan.OneWayMs.ToString("R", CultureInfo.InvariantCulture), "--parent-pid", parent], WanProfile.AggregatorNamespace));
            string proxyPort = await proxy.ReadAsync("listening", cancel.Token);
            var lines = new List<string> { $"{wan.Label}: {pings} pings (32 B), {bulk / 1e6:0} MB each way, from {WanProfile.SiteNamespace(0)} to {WanProfile.AggregatorAddress}" };
            foreach (var (path, port) in new[] { ("shaped link only", echoPort), ("shaped link + delay proxy", proxyPort) })
            {
                ChildProcess probe = Add(children, ChildProcess.Start($"probe ({path})", ["role-wan-probe", "--target", $"{WanProfile.AggregatorAddress}:{port}", "--pings", pings.ToString(CultureInfo.InvariantCulture), "--bulk-bytes", bulk.ToString(CultureInfo.InvariantCulture), "--parent-pid", parent], WanProfile.SiteNamespace(0)));
                ProbeResult r = RoleIo.Parse<ProbeResult>(await probe.ReadAsync("probe", cancel.Token));
                double[] sorted = [.. r.RttMs.Order()];
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"  {path}: RTT median {r.MedianRttMs:0.00} ms (min {sorted[0]:0.00}, p10 {sorted[sorted.Length / 10]:0.00}, p90 {sorted[sorted.Length * 9 / 10]:0.00}, max {sorted[^1]:0.00}); upload {r.UploadSeconds:0.000} s = {r.UploadBitsPerSecond / 1e6:0} Mbit/s, download {r.DownloadSeconds:0.000} s = {r.DownloadBitsPerSecond / 1e6:0} Mbit/s (less one RTT)"));
                await probe.StopAsync(TimeSpan.FromSeconds(5));
            }

            await proxy.SendAsync("stats");
            lines.Add($"  proxy CPU-s and connections: {await proxy.ReadAsync("stats", cancel.Token)}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
            lines.ForEach(l => AnsiConsole.WriteLine(l));
            if (o.TryGetValue("out", out string? file))
            {
                File.AppendAllLines(file, [$"# {DateTime.UtcNow:u} roundbench wan-check {string.Join(' ', o.Select(kv => $"--{kv.Key} {kv.Value}"))}", .. lines]);
            }

            return 0;
        }
        catch (BenchmarkFailedException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        finally
        {
            await Task.WhenAll(children.Select(async c => await c.DisposeAsync()));
            await WanProfile.DownAsync();
        }
    }

    private static ChildProcess Add(List<ChildProcess> children, ChildProcess child)
    {
        children.Add(child);
        return child;
    }
}
