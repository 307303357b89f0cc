using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Tests.Ckks;

public sealed class CkksParametersTests
{
    [Fact]
    public void SealPresetHasSealsShapeAndIsSecure()
    {
        CkksParameters p = CkksParameters.Create(CkksPresets.N8192Q140Scale40);
        Assert.Equal(8192, p.N);
        Assert.Equal(4096, p.Slots);
        Assert.Equal([60, 40, 40], p.Ring.Moduli.Select(m => m.BitLength));
        Assert.All(p.Primes, q => Assert.True(NttPrimes.IsPrime(q) && q % (2 * 8192) == 1));
        Assert.Equal(Math.ScaleB(1, 40), p.DefaultScale);
        Assert.True(p.IsSecure);
        Assert.False(p.IsInsecureForTests);
    }

    [Fact]
    public void AggregationPresetIsSecureAndMeetsItsDocumentedPrecision()
    {
        CkksParameters p = CkksParameters.Create(CkksPresets.N8192Aggregation);
        Assert.True(p.IsSecure);
        Assert.Equal(120, p.Ring.Moduli.Sum(m => m.BitLength));
        // Documented in CkksPresets: worst case about 2^-23.2 for N = K = T = 16, 2^-25.2 for 10, 2^-29.9 for 3.
        Assert.InRange(-Math.Log2(p.PredictThresholdSlotErrorBound(16, 16, 16)), 23.0, 23.5);
        Assert.InRange(-Math.Log2(p.PredictThresholdSlotErrorBound(10, 10, 10)), 25.0, 25.4);
        Assert.InRange(-Math.Log2(p.PredictThresholdSlotErrorBound(3, 3, 3)), 29.7, 30.1);
    }

    [Fact]
    public void InsecurePresetsAreMarked()
    {
        CkksParameters p = CkksParameters.Create(CkksPresets.InsecureN1024ForTests);
        Assert.True(p.IsInsecureForTests);
        Assert.False(p.IsSecure);
    }

    public static TheoryData<CkksParametersLiteral, string> BadLiterals() => new()
    {
        { new CkksParametersLiteral { LogN = 10, LogQ = [27], LogDefaultScale = 20 }, "literal.LogN" },
        { new CkksParametersLiteral { LogN = 16, LogQ = [60], LogDefaultScale = 40 }, "literal.LogN" },
        { new CkksParametersLiteral { LogN = 13, LogQ = [], LogDefaultScale = 40 }, "literal.LogQ" },
        { new CkksParametersLiteral { LogN = 13, LogQ = [61, 40], LogDefaultScale = 40 }, "literal.LogQ" },
        { new CkksParametersLiteral { LogN = 13, LogQ = [19, 40], LogDefaultScale = 10 }, "literal.LogQ" },
        { new CkksParametersLiteral { LogN = 11, LogQ = [60, 40], LogDefaultScale = 40 }, "literal.LogQ" },      // 100 > 54 bits
        { new CkksParametersLiteral { LogN = 13, LogQ = [60, 60, 60, 60], LogDefaultScale = 40 }, "literal.LogQ" }, // 240 > 218
        { new CkksParametersLiteral { LogN = 13, LogQ = [60, 40], LogDefaultScale = 99 }, "literal.LogDefaultScale" },
        { new CkksParametersLiteral { LogN = 13, LogQ = [60, 40], LogDefaultScale = 0 }, "literal.LogDefaultScale" },
    };

    [Theory]
    [MemberData(nameof(BadLiterals))]
    public void BadParametersAreRefusedNamingTheField(CkksParametersLiteral literal, string paramName)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => CkksParameters.Create(literal));
        Assert.Equal(paramName, e.ParamName);
    }

    [Fact]
    public void TheInsecureFlagAdmitsSmallRingsButMarksThem()
    {
        CkksParameters p = CkksParameters.Create(new CkksParametersLiteral { LogN = 11, LogQ = [60, 40], LogDefaultScale = 40, AllowInsecureForTests = true });
        Assert.False(p.IsSecure);
    }

    [Fact]
    public void MultipartyParametersForCkksRefuseBadArguments()
    {
        CkksParameters p = CkksParameters.Create(CkksPresets.N8192Q140Scale40);
        Assert.Equal("threshold", Assert.Throws<ArgumentException>(() => MultipartyParameters.ForCkks(p, 3, 4)).ParamName);
        Assert.Equal("parties", Assert.Throws<ArgumentException>(() => MultipartyParameters.ForCkks(p, 0, 1)).ParamName);
        Assert.Equal("decryptionLimbCount", Assert.Throws<ArgumentException>(() => MultipartyParameters.ForCkks(p, 3, 3, decryptionLimbCount: 4)).ParamName);
        Assert.Equal("maxSummands", Assert.Throws<ArgumentException>(() => MultipartyParameters.ForCkks(p, 3, 3, maxSummands: 0)).ParamName);
        // σ_flood = 2^20·K·B_fresh exceeds 2^56 for 1000 summands of 1000 parties.
        Assert.Equal("maxSummands", Assert.Throws<ArgumentException>(() => MultipartyParameters.ForCkks(p, 1000, 1000, maxSummands: 1000)).ParamName);
        MultipartyParameters ok = MultipartyParameters.ForCkks(p, 3, 2, decryptionLimbCount: 1);
        Assert.Equal(MultipartyScheme.Ckks, ok.Scheme);
        Assert.Equal(1, ok.WireLimbCount);
        Assert.NotEqual(ok.Digest.ToArray(), MultipartyParameters.ForCkks(p, 3, 3, decryptionLimbCount: 1).Digest.ToArray());
    }

    [Fact]
    public void PackedBfvClassesRefuseCkksMultipartyParameters()
    {
        MultipartyParameters mp = MultipartyParameters.ForCkks(CkksParameters.Create(CkksPresets.InsecureN1024ForTests), 2, 2);
        Assert.Throws<ArgumentException>(() => new DecryptionShareProtocol(mp));
        var other = CkksParameters.Create(CkksPresets.InsecureN1024AggregationForTests);
        Assert.Throws<ArgumentException>(() => new CkksDecryptionShareProtocol(mp, other));
        Assert.Throws<ArgumentException>(() => new CkksDecryptionShareProtocol(MultipartyParameters.CreateInsecureForTests(2, 2), other));
    }
}
