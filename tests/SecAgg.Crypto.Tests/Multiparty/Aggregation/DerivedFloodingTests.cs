using System.Globalization;
using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

/// <summary>
/// A member's flooding is derived, not drawn fresh (<see cref="SessionKeyShare"/>): F_j for chunk k comes from the
/// AES-CTR stream of HMAC-SHA256(σ_j, "secagg/v2/flooding/chunk/k"), σ_j = HMAC-SHA256(k_j, "secagg/v2/flooding" ‖
/// session digest), k_j = HMAC-SHA256(own entry f_j(j), "secagg/v2/flooding-key"). Checked against that formula computed
/// here from the stored key shares' bytes, pinned by known answers (a replay after an upgrade must give the same bytes),
/// and for what it must give: the same bytes for the same request, other flooding for any other session or chunk.
/// </summary>
public sealed class DerivedFloodingTests
{
    private static readonly AggregationParameters P = AggregationParameters.CreateInsecureForTests(4, 2, maxColluders: 1, shareCap: 8);

    [Theory]
    [InlineData(1, 0)]
    [InlineData(3, 1)]
    public void TheShareIsTheSessionKeyTimesAPlusFloodingFromTheDocumentedDerivation(int member, int chunk)
    {
        var f = new AggregationFixture(P, "derived-flooding");
        RoundPolynomial a = f.A(3, chunk);
        SetDecryptionSession session = f.Session(3, [1, 2, 4], [1, 3], chunks: 2);
        ThresholdKeyShares mine = f.KeyShares[member - 1];
        using SessionKeyShare key = f.Protocol.PrepareSession(mine, session);

        byte[] memberKey = HMACSHA256.HashData(OwnEntry(mine), "secagg/v2/flooding-key"u8.ToArray());
        byte[] sessionSeed = HMACSHA256.HashData(memberKey, (byte[])[.. "secagg/v2/flooding"u8, .. session.Digest.Span]);
        using Prng reference = Prng.FromSeed(sessionSeed, string.Create(CultureInfo.InvariantCulture, $"secagg/v2/flooding/chunk/{chunk}"));
        SetDecryptionShare expected = f.Protocol.AllocateShare();
        f.Protocol.GenerateShare(key, a, expected, reference);

        SetDecryptionShare derived = f.Protocol.AllocateShare();
        f.Protocol.GenerateShare(key, a, derived);
        Assert.Equal(expected.Serialize(), derived.Serialize());
    }

    [Fact]
    public void TheSameRequestGivesTheSameBytesAndEveryOtherSessionOrChunkOtherFlooding()
    {
        var f = new AggregationFixture(P, "derived-flooding-distinct");
        SetDecryptionSession session = f.Session(3, [1, 2, 4], [1, 3], chunks: 2);
        byte[] once = Share(f, session, 0);
        Assert.Equal(once, Share(f, f.Session(3, [4, 1, 2], [3, 1], chunks: 2), 0)); // the same session, listed in another order

        // The flooding F = h − a·K of each other request differs from this one's: other chunk, round, U, D, epoch.
        long[] flooding = Flooding(f, session, 0);
        Assert.True(flooding.Count(v => v != 0) > flooding.Length / 2, "the share carries flooding");
        (SetDecryptionSession Session, int Chunk)[] others =
        [
            (session, 1),
            (f.Session(4, [1, 2, 4], [1, 3], chunks: 2), 0),
            (f.Session(3, [1, 2], [1, 3], chunks: 2), 0),
            (f.Session(3, [1, 2, 4], [1, 2], chunks: 2), 0),
            (f.Session(3, [1, 2, 4], [1, 3], chunks: 2, epoch: 8), 0),
        ];
        foreach ((SetDecryptionSession other, int chunk) in others)
        {
            long[] theirs = Flooding(f, other, chunk);
            int equal = flooding.Zip(theirs).Count(pair => pair.First == pair.Second);
            Assert.True(equal <= 2, $"{equal} of {flooding.Length} flooding values repeat for round {other.Round}, chunk {chunk}");
        }
    }

    [Fact]
    public void ADisposedSessionKeyDerivesNothing()
    {
        var f = new AggregationFixture(P, "derived-flooding-disposed");
        SetDecryptionSession session = f.Session(3, [1, 2, 4], [1, 3]);
        SessionKeyShare key = f.Protocol.PrepareSession(f.KeyShares[0], session);
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => f.Protocol.GenerateShare(key, f.A(3), f.Protocol.AllocateShare()));
    }

    private static byte[] Share(AggregationFixture f, SetDecryptionSession session, int chunk)
    {
        using SessionKeyShare key = f.Protocol.PrepareSession(f.KeyShares[0], session);
        SetDecryptionShare share = f.Protocol.AllocateShare();
        f.Protocol.GenerateShare(key, f.A(session.Round, chunk), share);
        return share.Serialize();
    }

    /// <summary>F = h − a·K_j of member 1's share in its first limb, centred in (−q/2, q/2].</summary>
    private static long[] Flooding(AggregationFixture f, SetDecryptionSession session, int chunk)
    {
        using SessionKeyShare key = f.Protocol.PrepareSession(f.KeyShares[0], session);
        RoundPolynomial a = f.A(session.Round, chunk);
        SetDecryptionShare share = f.Protocol.AllocateShare();
        f.Protocol.GenerateShare(key, a, share);
        SecAgg.Crypto.Ring.RingQ ring = P.Ring;
        SecAgg.Crypto.Ring.Poly flooding = ring.NewPoly();
        SecAgg.Crypto.Ring.Poly ak = a.ToPoly();
        ring.MultiplyCoefficients(ak, key.KeyNtt, ak);
        ring.Subtract(share.Value, ak, flooding);
        ring.InverseNtt(flooding, flooding);
        ulong q = ring.Moduli[0].Value;
        return [.. flooding.Limb(0).ToArray().Select(v => v > q / 2 ? (long)v - (long)q : (long)v)];
    }

    /// <summary>The owner's own entry f_j(j) in the stored bytes, found here from the wire format: prefix (14), owner
    /// (int32), then per dealer a tag (0: packed limbs of PolyBytes, 1: a 32-byte seed) and its content.</summary>
    private static byte[] OwnEntry(ThresholdKeyShares shares)
    {
        ReadOnlySpan<byte> bytes = shares.StoredBytes;
        int pos = 14 + 4;
        for (int dealer = 1; ; dealer++)
        {
            int size = bytes[pos] == 1 ? 32 : P.PolyBytes;
            if (dealer == shares.PartyId)
            {
                return bytes.Slice(pos + 1, size).ToArray();
            }

            pos += 1 + size;
        }
    }
}
