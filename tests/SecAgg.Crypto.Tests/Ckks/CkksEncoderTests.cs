using System.Numerics;
using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Ring.Sampling;
using static SecAgg.Crypto.Tests.Ckks.CkksTestUtil;

namespace SecAgg.Crypto.Tests.Ckks;

public sealed class CkksEncoderTests
{
    private static readonly CkksParameters Small = CkksParameters.Create(CkksPresets.InsecureN1024ForTests);
    private static readonly CkksParameters Seal = CkksParameters.Create(CkksPresets.N8192Q140Scale40);

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(10)]
    public void DecodingEqualsNaiveEvaluationAtTheRotationGroupRoots(int logN)
    {
        var p = CkksParameters.Create(new CkksParametersLiteral { LogN = logN, LogQ = [60, 40], LogDefaultScale = 40, AllowInsecureForTests = true });
        var encoder = new CkksEncoder(p);
        using Prng prng = Stream("naive-decode" + logN);
        Complex[] values = RandomComplex(prng, p.Slots, 1.0);
        CkksPlaintext plain = encoder.Encode(values);

        Complex[] fast = encoder.DecodeComplex(plain);
        Complex[] naive = NaiveDecode(plain);

        // Both evaluate the same integer polynomial: they differ only by double round-off.
        Assert.True(MaxError(fast, naive) < 1e-9, $"FFT vs naive differ by {MaxError(fast, naive)}");
        // And the evaluation reproduces the inputs within the stated bound.
        Assert.True(MaxError(naive, values) <= plain.SlotErrorBound);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(10)]
    public void EncodingEqualsTheNaiveInverseEmbeddingRounded(int logN)
    {
        var p = CkksParameters.Create(new CkksParametersLiteral { LogN = logN, LogQ = [60, 40], LogDefaultScale = 40, AllowInsecureForTests = true });
        using Prng prng = Stream("naive-encode" + logN);
        Complex[] values = RandomComplex(prng, p.Slots, 4.0);
        CkksPlaintext plain = new CkksEncoder(p).Encode(values);

        double[] expected = NaiveEncodeUnrounded(p.N, values, plain.Scale);
        BigInteger[] actual = Coefficients(plain);
        for (int k = 0; k < p.N; k++)
        {
            // round(x) is within 1/2 of x; allow 1/2 more for the double round-off of the two evaluations (|x| ≤ 2^43).
            Assert.True(Math.Abs((double)actual[k] - expected[k]) <= 1.0, $"coefficient {k}: {actual[k]} vs {expected[k]}");
        }

        Assert.Equal(actual.Max(BigInteger.Abs), new BigInteger(plain.MessageBound));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1000.0)]
    [InlineData(1e-6)]
    public void RealRoundTripIsWithinTheStatedBoundAtSealParameters(double magnitude)
    {
        var encoder = new CkksEncoder(Seal);
        using Prng prng = Stream("roundtrip" + magnitude);
        double[] values = RandomReals(prng, Seal.Slots, magnitude);
        CkksPlaintext plain = encoder.Encode(values);
        double[] decoded = encoder.Decode(plain);

        double error = MaxError(decoded, values);
        Assert.True(error <= plain.SlotErrorBound, $"error {error} > bound {plain.SlotErrorBound}");
        // The stated bound for n = 8192, Δ = 2^40: n/(2Δ) = 2^-28 plus round-off relative to the magnitude.
        Assert.True(plain.SlotErrorBound <= Math.ScaleB(1, -27) + magnitude * Math.ScaleB(1, -30), $"bound {plain.SlotErrorBound}");
        Assert.True(error >= plain.SlotErrorBound * Math.ScaleB(1, -20), "the bound is absurdly loose");
    }

    [Fact]
    public void ComplexRoundTripIsWithinTheStatedBound()
    {
        var encoder = new CkksEncoder(Small);
        using Prng prng = Stream("complex");
        Complex[] values = RandomComplex(prng, Small.Slots, 10.0);
        CkksPlaintext plain = encoder.Encode(values);
        Assert.True(MaxError(encoder.DecodeComplex(plain), values) <= plain.SlotErrorBound);
    }

    [Fact]
    public void ScalesAboveTheWordSizeEncodeAndDecodeAcrossTwoPrimes()
    {
        var p = CkksParameters.Create(CkksPresets.N8192Aggregation);
        var encoder = new CkksEncoder(p);
        using Prng prng = Stream("bigscale");
        double[] values = RandomReals(prng, p.Slots, 1000.0);
        values[0] = 1e7; // Δ·|x| ≈ 2^113: the multi-word reduction path
        CkksPlaintext plain = encoder.Encode(values);
        Assert.True(plain.MessageBound > Math.ScaleB(1, 100));

        double[] decoded = encoder.Decode(plain);
        Assert.True(MaxError(decoded, values) <= plain.SlotErrorBound, $"error {MaxError(decoded, values)} > bound {plain.SlotErrorBound}");
        Assert.True(plain.SlotErrorBound < Math.ScaleB(1, -10), $"bound {plain.SlotErrorBound}");

        // Independent check of the multi-word reduction: the residues, CRT-reconstructed exactly, are the naive
        // inverse embedding up to double round-off relative to the largest coefficient.
        BigInteger[] exact = Coefficients(plain);
        double[] naive = NaiveEncodeUnrounded(p.N, values.Select(v => new Complex(v, 0)).ToArray(), plain.Scale);
        for (int k = 0; k < p.N; k++)
        {
            Assert.True(Math.Abs((double)exact[k] - naive[k]) <= plain.MessageBound * 1e-12, $"coefficient {k}");
        }
    }

    [Fact]
    public void SpanAndAllocatingFormsAgree()
    {
        var encoder = new CkksEncoder(Small);
        using Prng prng = Stream("span");
        double[] values = RandomReals(prng, 100, 3.0);
        CkksPlaintext a = encoder.Encode(values);
        CkksPlaintext b = encoder.NewPlaintext();
        encoder.Encode(values, b);
        Assert.True(a.Poly.ValueEquals(b.Poly));

        var first = new double[100];
        encoder.Decode(a, first);
        Assert.Equal(encoder.Decode(a).Take(100), first);
        var complex = new Complex[10];
        encoder.DecodeComplex(a, complex);
        Assert.Equal(encoder.DecodeComplex(a).Take(10), complex);
    }

    [Fact]
    public void EncodingAtFewerLimbsKeepsTheValues()
    {
        var encoder = new CkksEncoder(Small);
        double[] values = [1.5, -2.25, 3.0];
        CkksPlaintext plain = encoder.Encode(values, limbCount: 1);
        Assert.Equal(1, plain.LimbCount);
        Assert.True(MaxError(encoder.Decode(plain).AsSpan(0, 3), values) <= plain.SlotErrorBound);
    }

    [Fact]
    public void BadInputsAreRefusedNamingTheParameter()
    {
        var encoder = new CkksEncoder(Small);
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => encoder.Encode(new double[Small.Slots + 1])).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => encoder.Encode([double.NaN])).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => encoder.Encode([double.PositiveInfinity])).ParamName);
        // Δ·|x| beyond q/2 at one 60-bit limb: 2^40·2^20 = 2^60 > 2^59.
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => encoder.Encode(Enumerable.Repeat(Math.ScaleB(1, 20), Small.Slots).ToArray(), limbCount: 1)).ParamName);
        Assert.Equal("scale", Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Encode([1.0], scale: -1)).ParamName);
        Assert.Equal("limbCount", Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Encode([1.0], limbCount: 4)).ParamName);
        var other = new CkksEncoder(Seal);
        Assert.Throws<ArgumentException>(() => other.Decode(encoder.Encode([1.0])));
    }
}
