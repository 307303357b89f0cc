using SecAgg.RoundBench.Wan;

namespace SecAgg.Perf.Tests;

public sealed class WanProfileTests
{
    private static (WanProfile? Profile, List<string> Errors) Parse(params string[] pairs)
    {
        var options = new Dictionary<string, string>();
        for (int i = 0; i < pairs.Length; i += 2)
        {
            options[pairs[i]] = pairs[i + 1];
        }

        var errors = new List<string>();
        return (WanProfile.FromOptions(options, errors), errors);
    }

    [Fact]
    public void WithoutNetworkTheSweepStaysOnLoopback()
    {
        var (profile, errors) = Parse();
        Assert.Null(profile);
        Assert.Empty(errors);
    }

    [Fact]
    public void TheWanNetworkReadsRateAndRoundTripTime()
    {
        var (profile, errors) = Parse("network", "wan", "rate", "100mbit", "rtt-ms", "20");
        Assert.Empty(errors);
        Assert.Equal(new WanProfile("100mbit", 20), profile);
        Assert.Equal(10, profile!.OneWayMs);
        Assert.Equal("WAN 100mbit, 20 ms RTT", profile.Label);
    }

    [Fact]
    public void RateWithoutTheWanNetworkIsRefused()
    {
        var (_, errors) = Parse("rate", "1gbit");
        Assert.Contains(errors, e => e.Contains("--network wan", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("rate", "fast")]
    [InlineData("rate", "1gbps")]
    [InlineData("rtt-ms", "-5")]
    [InlineData("rtt-ms", "twenty")]
    public void ABadRateOrRoundTripTimeIsRefusedWithWhatToType(string option, string value)
    {
        var (_, errors) = Parse("network", "wan", option, value);
        string error = Assert.Single(errors);
        Assert.StartsWith($"--{option} '{value}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownNetworkIsRefused()
    {
        var (_, errors) = Parse("network", "lan");
        Assert.Contains(errors, e => e.Contains("loopback", StringComparison.Ordinal));
    }

    [Fact]
    public void SitesAreNumberedFromOne()
    {
        Assert.Equal("sawan-p1", WanProfile.SiteNamespace(0));
        Assert.Equal("sawan-p10", WanProfile.SiteNamespace(9));
    }
}
