using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

/// <summary>
/// Known answers of the member's share path on fixed seeds (recorded before issue 17's buffer reuse, which must not change
/// a byte): the round polynomial a_{r,k}, the session key K_j and its Shoup companions, and two consecutive shares
/// h_j = a·K_j + NTT(F_j) with seeded flooding (the second proves nothing of the first's buffers leaks into it); and
/// the shares with the member's derived flooding.
/// </summary>
public sealed class ShareKnownAnswerTests
{
    [Theory]
    [InlineData(64, 4, "4F7C741F4371FA27", "04588480038DDF1678117E5CD6212DA2", "989A96E018E46347", "83E902D03B53F92C")]
    [InlineData(1024, 6, "29488CA660F47688", "6D461C1BDFBA527384A2AECD99C82761", "E966AA18AA4F965F", "57C3757CFF2E6954")]
    public void TheSharePathGivesTheRecordedBytes(int ringDegree, int primes, string polynomial, string key, string first, string second)
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(4, 2, maxColluders: 1, ringDegree: ringDegree, primeCount: primes, shareCap: 3);
        var f = new AggregationFixture(p, "share-known-answer");
        RoundPolynomial a = f.A(3, chunk: 1);
        SetDecryptionSession session = f.Session(3, [1, 2, 4], [1, 3], chunks: 2);
        using SessionKeyShare k = f.Protocol.PrepareSession(f.KeyShares[2], session);
        using Prng flooding = Prng.FromSeed("share-known-answer"u8, "flooding");
        string[] shares = new string[2];
        for (int i = 0; i < shares.Length; i++)
        {
            SetDecryptionShare share = f.Protocol.AllocateShare();
            f.Protocol.GenerateShare(k, a, share, flooding);
            shares[i] = Digest(share.Serialize());
        }

        Assert.Equal(
            [polynomial, key, first, second],
            [Digest(a.ToPoly()), Digest(k.KeyNtt) + Digest(k.KeyShoup), shares[0], shares[1]]);
    }

    /// <summary>The derived flooding (<see cref="SessionKeyShare"/>) on fixed seeds: a member that restarts after an
    /// upgrade answers a replayed request by deriving its share again, so the derivation must never change a byte (a
    /// change would hand the aggregator a second share of the same chunk with other noise).</summary>
    [Theory]
    [InlineData(64, 4, "05D642832F180794", "0976FF6B7C58A71A")]
    [InlineData(1024, 6, "7635F18665156C3E", "6E59F2A3F8AE7450")]
    public void DerivedSharesGiveTheRecordedBytes(int ringDegree, int primes, string chunk0, string chunk1)
    {
        AggregationParameters p = AggregationParameters.CreateInsecureForTests(4, 2, maxColluders: 1, ringDegree: ringDegree, primeCount: primes, shareCap: 3);
        var f = new AggregationFixture(p, "share-known-answer");
        SetDecryptionSession session = f.Session(3, [1, 2, 4], [1, 3], chunks: 2);
        using SessionKeyShare k = f.Protocol.PrepareSession(f.KeyShares[2], session);
        string[] shares = new string[2];
        for (int chunk = 0; chunk < shares.Length; chunk++)
        {
            SetDecryptionShare share = f.Protocol.AllocateShare();
            f.Protocol.GenerateShare(k, f.A(3, chunk), share);
            shares[chunk] = Digest(share.Serialize());
        }

        Assert.Equal([chunk0, chunk1], shares);
    }

    private static string Digest(Poly poly) => Digest(MemoryMarshal.AsBytes(poly.Coefficients));

    private static string Digest(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes))[..16];
}
