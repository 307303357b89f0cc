using System.Numerics;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

/// <summary>
/// The kept shares are held compactly and expanded one dealer at a time: the bytes, each expanded share and the session
/// key must be exactly what the eager form (every dealt value in memory) gives, checked against the dealer's own values
/// and a naive BigInteger Lagrange sum.
/// </summary>
public sealed class KeptSharesTests
{
    private static readonly AggregationParameters P = AggregationParameters.CreateInsecureForTests(5, 3, maxColluders: 2);
    private static readonly AggregationFixture F = new(P, "v2-kept-shares");

    [Fact]
    public void KeptSharesSerializeToTheVersionOneLayoutOfTheDealtSharesThenTheirTotal()
    {
        for (int j = 1; j <= P.Parties; j++)
        {
            // prefix ‖ owner ‖ per dealer: tag 1 ‖ seed, or tag 0 ‖ packed limbs (the file format before lazy expansion)
            // ‖ tag 2 ‖ T_j = Σ_i f_i(j) packed (NTT form).
            var expected = new List<byte>(F.KeyShares[j - 1].Serialize()[..18]);
            Assert.Equal(j, BitConverter.ToInt32([.. expected.Skip(14)]));
            Poly total = P.Ring.NewPoly();
            total.IsNtt = true;
            for (int i = 1; i <= P.Parties; i++)
            {
                DealtKeyShare dealt = F.Dealt[i - 1][j - 1];
                byte[] wire = dealt.Serialize();
                expected.Add(dealt.IsSeeded ? (byte)1 : (byte)0);
                expected.AddRange(wire[22..]);
                P.Ring.Add(total, dealt.Value, total);
            }

            byte[] packed = new byte[P.PolyBytes];
            SecAgg.Crypto.Multiparty.Internal.MpWire.WritePoly(packed, P.Ring, total);
            expected.Add(2);
            expected.AddRange(packed);
            Assert.Equal([.. expected], F.KeyShares[j - 1].Serialize());
        }
    }

    [Fact]
    public void SharesWrittenBeforeTheTotalExistedStillReadAndADamagedTotalIsRefused()
    {
        byte[] current = F.KeyShares[0].Serialize();
        byte[] before = current[..^(1 + P.PolyBytes)];
        using ThresholdKeyShares old = ThresholdKeyShares.Deserialize(P, before);
        Assert.Equal(before, old.Serialize());
        Assert.False(old.TryCopyTotalTo(P.Ring.NewPoly()));
        using ThresholdKeyShares now = ThresholdKeyShares.Deserialize(P, current);
        Assert.True(now.TryCopyTotalTo(P.Ring.NewPoly()));

        byte[] badTag = (byte[])current.Clone();
        badTag[^(1 + P.PolyBytes)] = 3;
        Assert.Contains("trailing bytes", Assert.Throws<InvalidDataException>(() => ThresholdKeyShares.Deserialize(P, badTag)).Message, StringComparison.Ordinal);
        byte[] badResidue = (byte[])current.Clone();
        badResidue.AsSpan(badResidue.Length - P.PolyBytes, 16).Fill(0xFF); // the first residues of T_j at the all-ones pattern: at least q
        Assert.Throws<InvalidDataException>(() => ThresholdKeyShares.Deserialize(P, badResidue));
    }

    [Fact]
    public void EachExpandedShareIsTheDealersValueBeforeAndAfterARoundTrip()
    {
        for (int j = 1; j <= P.Parties; j++)
        {
            using ThresholdKeyShares restored = ThresholdKeyShares.Deserialize(P, F.KeyShares[j - 1].Serialize());
            Poly reused = P.Ring.NewPoly();
            for (int i = 1; i <= P.Parties; i++)
            {
                ulong[] dealt = F.Dealt[i - 1][j - 1].Value.Coefficients.ToArray();
                restored.CopyShareTo(i, reused);
                Assert.True(reused.IsNtt);
                Assert.Equal(dealt, reused.Coefficients.ToArray());
                Assert.Equal(dealt, F.KeyShares[j - 1].ShareFrom(i).Coefficients.ToArray());
            }
        }
    }

    [Fact]
    public void SeededSharesReadFromBytesAreExpandedOnlyWhenRead()
    {
        DealtKeyShare seeded = F.Dealt[0].First(d => d.IsSeeded);
        DealtKeyShare again = DealtKeyShare.Deserialize(P, seeded.Serialize());
        Assert.True(again.IsSeeded);
        Assert.Equal(seeded.Serialize(), again.Serialize());
        Assert.Equal(seeded.Value.Coefficients.ToArray(), again.Value.Coefficients.ToArray());
        again.Dispose();
        Assert.All(again.Value.Coefficients.ToArray(), v => Assert.Equal(0UL, v));
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3, 4, 5 }, new[] { 1, 3, 5 }, true)]  // U = everyone: the kept total alone
    [InlineData(new[] { 2, 4, 5 }, new[] { 2, 3, 4 }, true)]        // most parties: the total minus dealers 1 and 3
    [InlineData(new[] { 1, 4 }, new[] { 2, 3, 4 }, true)]           // a minority: the uploaders' shares summed
    [InlineData(new[] { 1, 2, 3, 4, 5 }, new[] { 1, 3, 5 }, false)] // bytes written before the total: summed
    [InlineData(new[] { 2, 4, 5 }, new[] { 2, 3, 4 }, false)]
    public void SessionKeyIsLambdaTimesTheSumOfTheUploadersSharesNaively(int[] uploaders, int[] decryptors, bool withTotal)
    {
        var session = new SetDecryptionSession(P, 1, 7, 1, uploaders, decryptors);
        foreach (int j in decryptors)
        {
            byte[] kept = F.KeyShares[j - 1].Serialize();
            using ThresholdKeyShares restored = ThresholdKeyShares.Deserialize(P, withTotal ? kept : kept[..^(1 + P.PolyBytes)]);
            using SessionKeyShare key = F.Protocol.PrepareSession(restored, session);
            ulong[] got = key.KeyNtt.Coefficients.ToArray();
            for (int l = 0; l < P.Ring.MaxLimbCount; l++)
            {
                BigInteger q = P.Ring.Moduli[l].Value;
                BigInteger lambda = Lagrange(j, decryptors, q);
                for (int c = 0; c < P.RingDegree; c += 97)
                {
                    BigInteger sum = 0;
                    foreach (int i in uploaders)
                    {
                        sum += F.Dealt[i - 1][j - 1].Value.Coefficients[(l * P.RingDegree) + c];
                    }

                    Assert.Equal((ulong)(sum * lambda % q), got[(l * P.RingDegree) + c]);
                }
            }
        }
    }

    /// <summary>λ_j = Π_{m∈D, m≠j} m/(m − j) mod q, in BigInteger.</summary>
    private static BigInteger Lagrange(int j, int[] set, BigInteger q)
    {
        BigInteger num = 1, den = 1;
        foreach (int m in set.Where(m => m != j))
        {
            num = num * m % q;
            den = ((den * (m - j)) % q + q) % q;
        }

        return num * BigInteger.ModPow(den, q - 2, q) % q;
    }
}
