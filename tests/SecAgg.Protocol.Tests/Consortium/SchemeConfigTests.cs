using SecAgg.Aggregator.Config;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Tests.Config;

/// <summary>he.scheme: bfv (default) or ckks, checked with line numbers like the rest of the file.</summary>
public sealed class SchemeConfigTests : IDisposable
{
    private readonly string _dir;

    public SchemeConfigTests()
    {
        _dir = Directory.CreateTempSubdirectory("secagg-scheme-config-").FullName;
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ConsortiumConfig Parse(string yaml) => ConsortiumConfigLoader.Parse(yaml, _dir, "test.yaml");

    private static string WithScheme(string scheme) =>
        ConsortiumConfigLoaderTests.ValidYaml.Replace("  preset: bfv-16384\n", $"  preset: bfv-16384\n  scheme: {scheme}\n", StringComparison.Ordinal);

    [Fact]
    public void SchemeDefaultsToBfvWhenAbsent()
    {
        Assert.Equal(HeScheme.Bfv, Parse(ConsortiumConfigLoaderTests.ValidYaml).Scheme);
    }

    [Theory]
    [InlineData("bfv", HeScheme.Bfv)]
    [InlineData("ckks", HeScheme.Ckks)]
    public void SchemeIsParsed(string text, HeScheme expected)
    {
        Assert.Equal(expected, Parse(WithScheme(text)).Scheme);
    }

    [Fact]
    public void UnknownSchemeIsRefusedWithItsLineAndTheAcceptedNames()
    {
        var e = Assert.Throws<ConsortiumConfigException>(() => Parse(WithScheme("paillier")));
        Assert.Equal("line 18: he.scheme 'paillier' is unknown; use bfv (exact integers, the default) or ckks (fixed-point reals)", Assert.Single(e.Errors));
    }

    [Fact]
    public void SchemeNamesAreCaseSensitive()
    {
        var e = Assert.Throws<ConsortiumConfigException>(() => Parse(WithScheme("CKKS")));
        Assert.Contains("he.scheme 'CKKS' is unknown", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void SchemeListIsRefused()
    {
        var e = Assert.Throws<ConsortiumConfigException>(() => Parse(WithScheme("[bfv, ckks]")));
        Assert.Contains("line 18: he.scheme: must be a single value", Assert.Single(e.Errors), StringComparison.Ordinal);
    }
}
