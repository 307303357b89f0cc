using SecAgg.Crypto.Multiparty;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

public sealed class SetDecryptionTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(10, 10)]
    [InlineData(3, 2)]
    [InlineData(5, 3)]
    [InlineData(10, 4)]
    [InlineData(10, 7)]
    public void AnyUploaderSetDecryptsToTheExactSumWithAnyDecryptionSet(int parties, int threshold)
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(parties, threshold, maxColluders: threshold - 1);
        var f = new AggregationFixture(p, $"e2e-{parties}-{threshold}");
        for (int trial = 0; trial < 4; trial++)
        {
            ulong round = (ulong)trial + 1;
            RoundPolynomial a = f.A(round);
            (MaskedUpload[] uploads, uint[][] values) = f.UploadAll(a);
            (int[] u, int[] d) = f.RandomSets();
            SetDecryptionSession session = f.Session(round, u, d);
            uint[] decrypted = f.Protocol.Finalize(session, AggregationFixture.Sum(u, uploads), f.Answer(session, a));
            Assert.Equal(f.ExpectedSum(u, values), decrypted);
        }
    }

    [Fact]
    public void EveryChunkOfARoundDecryptsUnderItsOwnRoundPolynomial()
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(4, 3, maxColluders: 1);
        var f = new AggregationFixture(p, "chunks");
        SetDecryptionSession session = f.Session(9, [1, 2, 4], [1, 3, 4], chunks: 3);
        for (int chunk = 0; chunk < 3; chunk++)
        {
            RoundPolynomial a = f.A(9, chunk);
            (MaskedUpload[] uploads, uint[][] values) = f.UploadAll(a);
            uint[] decrypted = f.Protocol.Finalize(session, AggregationFixture.Sum(session.Uploaders, uploads), f.Answer(session, a));
            Assert.Equal(f.ExpectedSum(session.Uploaders, values), decrypted);
        }
    }

    [Fact]
    public void FewerValuesThanAChunkHoldAreZeroPadded()
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(3, 2, maxColluders: 1);
        var f = new AggregationFixture(p, "short");
        RoundPolynomial a = f.A(1);
        uint[] v1 = [5, 6, 7], v2 = [65535, 1];
        MaskedUpload sum = MaskedUpload.Add(f.Encrypt(1, v1, a), f.Encrypt(3, v2, a));
        SetDecryptionSession session = f.Session(1, [1, 3], [2, 3]);
        uint[] decrypted = f.Protocol.Finalize(session, sum, f.Answer(session, a));
        Assert.Equal([4u, 7u, 7u], decrypted[..3]);
        Assert.All(decrypted[3..], v => Assert.Equal(0u, v));
    }

    [Fact]
    public void FinalizeWithAMemberOfDMissingFailsNamingIt()
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(5, 3, maxColluders: 2);
        var f = new AggregationFixture(p, "missing");
        RoundPolynomial a = f.A(1);
        (MaskedUpload[] uploads, _) = f.UploadAll(a);
        SetDecryptionSession session = f.Session(1, [1, 2, 3, 4, 5], [1, 3, 5]);
        SetDecryptionShare partial = f.Answer(session, a, [1, 5]);
        var ex = Assert.Throws<InvalidOperationException>(() => f.Protocol.Finalize(session, AggregationFixture.Sum(session.Uploaders, uploads), partial));
        Assert.Contains("member(s) 3", ex.Message);
    }

    [Fact]
    public void FinalizeWithASumOfAnotherSizeThanUFailsSayingSo()
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(4, 2, maxColluders: 1);
        var f = new AggregationFixture(p, "count");
        RoundPolynomial a = f.A(1);
        (MaskedUpload[] uploads, _) = f.UploadAll(a);
        SetDecryptionSession session = f.Session(1, [1, 2, 3], [2, 4]);
        SetDecryptionShare shares = f.Answer(session, a);
        var ex = Assert.Throws<InvalidOperationException>(() => f.Protocol.Finalize(session, AggregationFixture.Sum([1, 2], uploads), shares));
        Assert.Contains("holds 2 uploads", ex.Message);
        Assert.Contains("U has 3", ex.Message);
    }

    [Fact]
    public void SharesOfAnotherSessionAreRefused()
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(4, 2, maxColluders: 1);
        var f = new AggregationFixture(p, "other-session");
        RoundPolynomial a = f.A(1);
        (MaskedUpload[] uploads, _) = f.UploadAll(a);
        SetDecryptionSession s1 = f.Session(1, [1, 2, 3], [2, 4]);
        SetDecryptionSession s2 = f.Session(1, [1, 2, 3], [1, 4]);
        SetDecryptionShare h1 = f.Answer(s1, a, [2]);
        SetDecryptionShare h2 = f.Answer(s2, a, [4]);
        Assert.Throws<ArgumentException>(() => f.Protocol.AggregateShares(h1, h2, f.Protocol.AllocateShare()));
        Assert.Throws<ArgumentException>(() => f.Protocol.Finalize(s2, AggregationFixture.Sum(s1.Uploaders, uploads), f.Answer(s1, a)));
    }

    [Fact]
    public void AMemberOutsideDAndARoundPolynomialOfAnotherRoundAreRefused()
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(4, 2, maxColluders: 1);
        var f = new AggregationFixture(p, "outsider");
        SetDecryptionSession session = f.Session(1, [1, 2], [2, 4]);
        var ex = Assert.Throws<ArgumentException>(() => f.Protocol.PrepareSession(f.KeyShares[0], session));
        Assert.Contains("not in the session's decryption set", ex.Message);
        using SessionKeyShare key = f.Protocol.PrepareSession(f.KeyShares[1], session);
        Assert.Throws<ArgumentException>(() => f.Protocol.GenerateShare(key, f.A(2), f.Protocol.AllocateShare()));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Protocol.GenerateShare(key, f.A(1, chunk: 1), f.Protocol.AllocateShare()));
    }

    [Fact]
    public void ASessionChecksItsSets()
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(5, 3, maxColluders: 2, maxSummands: 4);
        Assert.Throws<ArgumentException>(() => new SetDecryptionSession(p, 1, 1, 1, [], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => new SetDecryptionSession(p, 1, 1, 1, [1, 2, 3, 4, 5], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => new SetDecryptionSession(p, 1, 1, 1, [1, 1], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => new SetDecryptionSession(p, 1, 1, 1, [1, 6], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => new SetDecryptionSession(p, 1, 1, 1, [1], [1, 2]));
        Assert.Throws<ArgumentException>(() => new SetDecryptionSession(p, 1, 1, 1, [1], [1, 2, 3, 4]));
        Assert.Throws<ArgumentException>(() => new SetDecryptionSession(p, 1, 1, 0, [1], [1, 2, 3]));
        var s = new SetDecryptionSession(p, 1, 1, 1, [3, 1], [5, 2, 1]);
        Assert.Equal([1, 3], s.Uploaders);
        Assert.Equal([1, 2, 5], s.Decryptors);
    }

    [Fact]
    public void SessionDigestsDifferInEveryField()
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(5, 3, maxColluders: 2);
        AggregationParameters other = AggregationParameters.CreateInsecureForTests(5, 3, maxColluders: 1);
        var baseline = new SetDecryptionSession(p, 1, 2, 3, [1, 2], [1, 2, 3]);
        SetDecryptionSession[] variants =
        [
            new(other, 1, 2, 3, [1, 2], [1, 2, 3]),
            new(p, 9, 2, 3, [1, 2], [1, 2, 3]),
            new(p, 1, 9, 3, [1, 2], [1, 2, 3]),
            new(p, 1, 2, 4, [1, 2], [1, 2, 3]),
            new(p, 1, 2, 3, [1, 2, 3], [1, 2, 3]),
            new(p, 1, 2, 3, [1, 2], [1, 2, 4]),
        ];
        Assert.Equal(baseline.Digest.ToArray(), new SetDecryptionSession(p, 1, 2, 3, [2, 1], [3, 2, 1]).Digest.ToArray());
        Assert.Equal(variants.Length + 1, variants.Select(v => Convert.ToHexString(v.Digest.Span)).Append(Convert.ToHexString(baseline.Digest.Span)).Distinct().Count());
    }
}
