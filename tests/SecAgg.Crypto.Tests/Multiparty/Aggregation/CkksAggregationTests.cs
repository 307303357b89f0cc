using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

/// <summary>The CKKS codec through the same protocol classes as BFV.</summary>
public sealed class CkksAggregationTests
{
    private static AggregationParameters Ckks(int parties, int threshold, int ringDegree = 64, int scaleBits = 50) => AggregationParameters.Create(new AggregationParametersLiteral
    {
        RingDegree = ringDegree,
        Primes = CoeffModulus.Create(ringDegree, 50, 50, 50, 50),
        Parties = parties,
        Threshold = threshold,
        MaxColluders = threshold - 1,
        ValueBits = 16,
        StatisticalSecurity = 10,
        ShareCap = 64,
        Scheme = MultipartyScheme.Ckks,
        ScaleBits = scaleBits,
        AllowInsecureForTests = true,
    });

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(5, 3)]
    [InlineData(10, 7)]
    public void AnyUploaderSetDecryptsToTheExactSumModTwoToTheB(int parties, int threshold)
    {
        AggregationParameters p = Ckks(parties, threshold);
        var f = new AggregationFixture(p, $"ckks-{parties}-{threshold}");
        for (int trial = 0; trial < 3; trial++)
        {
            ulong round = (ulong)trial + 1;
            RoundPolynomial a = f.A(round);
            (MaskedUpload[] uploads, uint[][] values) = f.UploadAll(a);
            (int[] u, int[] d) = f.RandomSets();
            SetDecryptionSession session = f.Session(round, u, d);
            Assert.Equal(f.ExpectedSum(u, values), f.Protocol.Finalize(session, AggregationFixture.Sum(u, uploads), f.Answer(session, a)));
        }
    }

    [Fact]
    public void HostileSingleUploadDecryptionIsGarbageUnderCkksToo()
    {
        AggregationParameters p = Ckks(5, 3, ringDegree: 512);
        var f = new AggregationFixture(p, "ckks-hostile");
        RoundPolynomial a = f.A(1);
        (MaskedUpload[] uploads, _) = f.UploadAll(a);
        SetDecryptionShare shares = f.Answer(f.Session(1, [1, 2, 3], [1, 2, 3]), a);
        Poly x = p.Ring.NewPoly();
        p.Ring.Add(uploads[0].C0, shares.Value, x);
        p.Ring.InverseNtt(x, x);

        // An honest phase has coefficients below |U|·√2·2^(b−1)·Δ + noise; this one is spread over Z_q.
        double honest = Math.Log2(3 * Math.Sqrt(2) * Math.Pow(2, p.ValueBits - 1)) + p.ScaleBits + 1;
        System.Numerics.BigInteger[] phase = p.Ring.ToBigIntegers(x, centered: true);
        Assert.True(phase.Count(c => System.Numerics.BigInteger.Abs(c).GetBitLength() > honest) >= 0.99 * phase.Length);

        // The codec refuses to decode it rather than print garbage, naming why.
        var ex = Assert.Throws<InvalidOperationException>(() => p.CreateCodec().Decode(x, 3, 3, new uint[p.ValuesPerChunk]));
        Assert.Contains("do not belong together", ex.Message);
    }

    [Fact]
    public void DecodingRefusesWhenTheTrackedErrorReachesOneHalf()
    {
        AggregationParameters p = Ckks(3, 2);
        var codec = (CkksAggregationCodec)p.CreateCodec();
        Assert.True(codec.SlotErrorBound(3, 3) < 0.5);
        Assert.True(codec.SlotErrorBound(3, 3) > codec.SlotErrorBound(1, 2));
        Poly x = p.Ring.NewPoly();
        var ex = Assert.Throws<InvalidOperationException>(() => codec.Decode(x, 3, 1 << 20, new uint[p.ValuesPerChunk]));
        Assert.Contains("reaches 1/2", ex.Message);
    }
}
