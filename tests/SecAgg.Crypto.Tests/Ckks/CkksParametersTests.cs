using SecAgg.Crypto.Ckks;
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
    public void TwoPrimePresetHasItsDocumentedShapeAndIsSecure()
    {
        CkksParameters p = CkksParameters.Create(CkksPresets.N8192Aggregation);
        Assert.True(p.IsSecure);
        Assert.Equal([60, 60], p.Ring.Moduli.Select(m => m.BitLength));
        Assert.Equal(Math.ScaleB(1, 90), p.DefaultScale);
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
}
