using SecAgg.Protocol.Consortium;

namespace SecAgg.Protocol.Tests.Consortium;

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
        ConsortiumConfigLoaderTests.ValidYaml.Replace("  preset: planned-v2\n", $"  preset: planned-v2\n  scheme: {scheme}\n", StringComparison.Ordinal);

    [Fact]
    public void SchemeDefaultsToBfvWhenAbsent()
    {
        Assert.Equal(HeScheme.Bfv, Parse(ConsortiumConfigLoaderTests.ValidYaml).Scheme);
    }

    [Theory]
    [InlineData("bfv", HeScheme.Bfv)]
    [InlineData("ckks", HeScheme.Ckks)]
    public void SchemeIsParsedAndPlanned(string text, HeScheme expected)
    {
        ConsortiumConfig c = Parse(WithScheme(text));
        Assert.Equal(expected, c.Scheme);
        Assert.Equal(expected, c.Preset.Scheme.Kind);
        Assert.Equal(expected, c.Descriptor.Scheme);
    }

    [Fact]
    public void UnknownSchemeIsRefusedWithItsLineAndTheAcceptedNames()
    {
        var e = Assert.Throws<ConsortiumConfigException>(() => Parse(WithScheme("paillier")));
        Assert.Equal("line 19: he.scheme 'paillier' is unknown; use bfv (exact integers, the default) or ckks (fixed-point reals)", Assert.Single(e.Errors));
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
        Assert.Contains("line 19: he.scheme: must be a single value", Assert.Single(e.Errors), StringComparison.Ordinal);
    }
}
