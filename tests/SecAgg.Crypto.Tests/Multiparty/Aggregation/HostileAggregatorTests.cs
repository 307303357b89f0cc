using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

/// <summary>
/// docs/threat-model.md, "Why the aggregator cannot decrypt anything else", at the crypto layer: the aggregator (and
/// colluders) get honest members' shares for an honest session and try to unmask something other than Σ_{i∈U} c0_i of
/// that round and chunk. The checks that a malicious aggregator would simply skip (summand counts, session digests) are
/// bypassed on purpose; each result must be uniform-looking and differ from the target in ≥ 99% of the values.
/// </summary>
public sealed class HostileAggregatorTests
{
    private const int Parties = 5;

    private static AggregationFixture NewFixture(string seed) =>
        new(AggregationParameters.CreateInsecureForTests(Parties, 3, maxColluders: 2, ringDegree: 512), seed);

    /// <summary>What the aggregator combines: any c0 with the aggregate of honest shares, no checks.</summary>
    private static uint[] Unmask(AggregationFixture f, Poly c0, SetDecryptionShare shares, int claimedSummands, int decryptors = 3)
    {
        AggregationParameters p = f.Parameters;
        Poly x = p.Ring.NewPoly();
        p.Ring.Add(c0, shares.Value, x);
        p.Ring.InverseNtt(x, x);
        var values = new uint[p.ValuesPerChunk];
        p.CreateCodec().Decode(x, claimedSummands, decryptors, values);
        return values;
    }

    [Fact]
    public void HostileSingleUploadDecryptionWorksOnlyForASessionOfThatUploadAlone()
    {
        AggregationFixture f = NewFixture("hostile-single");
        RoundPolynomial a = f.A(1);
        (MaskedUpload[] uploads, uint[][] values) = f.UploadAll(a);
        const int h = 2;

        // Control: a session whose U is {h} alone does decrypt c0_h (members must refuse |U| < m at the protocol layer).
        SetDecryptionSession alone = f.Session(1, [h], [1, 2, 3]);
        Assert.Equal(values[h - 1], Unmask(f, uploads[h - 1].C0, f.Answer(alone, a), 1));

        // The attack: an honest session for U = {h} ∪ others applied to c0_h alone.
        SetDecryptionSession session = f.Session(1, [1, h, 4], [1, 2, 3]);
        AggregationStatistics.AssertGarbage(Unmask(f, uploads[h - 1].C0, f.Answer(session, a), 3), values[h - 1], f.Parameters.ValueBits);
    }

    [Fact]
    public void HostileRotatedNegatedAndScaledAggregatesDecryptToGarbage()
    {
        AggregationFixture f = NewFixture("hostile-variants");
        AggregationParameters p = f.Parameters;
        RoundPolynomial a = f.A(1);
        (MaskedUpload[] uploads, uint[][] values) = f.UploadAll(a);
        SetDecryptionSession session = f.Session(1, [1, 2, 3, 4], [2, 3, 5]);
        SetDecryptionShare shares = f.Answer(session, a);
        Poly sum = AggregationFixture.Sum(session.Uploaders, uploads).C0;
        uint[] target = f.ExpectedSum(session.Uploaders, values);
        Assert.Equal(target, Unmask(f, sum, shares, 4)); // control: the honest combination decrypts

        foreach (int k in new[] { 1, 7, p.RingDegree - 1 })
        {
            AggregationStatistics.AssertGarbage(Unmask(f, MultiplyByMonomial(p, sum, k), shares, 4), target, p.ValueBits);
        }

        Poly negated = p.Ring.NewPoly();
        p.Ring.Negate(sum, negated);
        AggregationStatistics.AssertGarbage(Unmask(f, negated, shares, 4), target, p.ValueBits);
        Poly doubled = p.Ring.NewPoly();
        p.Ring.MultiplyScalar(sum, 2, doubled);
        AggregationStatistics.AssertGarbage(Unmask(f, doubled, shares, 4), target, p.ValueBits);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void HostileColluderUploadBuiltFromAnHonestUploadDecryptsToGarbage(bool honestInU)
    {
        AggregationFixture f = NewFixture($"hostile-colluder-{honestInU}");
        AggregationParameters p = f.Parameters;
        RoundPolynomial a = f.A(1);
        (MaskedUpload[] uploads, uint[][] values) = f.UploadAll(a);
        const int h = 1, j = 5; // j colludes with the aggregator and uploads c0_j − c0_h
        Poly forged = p.Ring.NewPoly();
        p.Ring.Subtract(uploads[j - 1].C0, uploads[h - 1].C0, forged);
        forged.CopyTo(uploads[j - 1].C0);
        int[] u = honestInU ? [h, 2, 3, j] : [2, 3, j];
        SetDecryptionSession session = f.Session(1, u, [1, 2, 3]);
        uint[] decrypted = Unmask(f, AggregationFixture.Sum(u, uploads).C0, f.Answer(session, a), u.Length);

        // What the forgery aims at: the sum with M_h cancelled (h ∈ U) or subtracted (h ∉ U), which reveals M_h.
        uint[] target = f.ExpectedSum(u.Where(i => i != h), values);
        if (!honestInU)
        {
            uint mask = (1u << p.ValueBits) - 1;
            target = [.. target.Zip(values[h - 1]).Select(t => (t.First - t.Second) & mask)];
        }

        AggregationStatistics.AssertGarbage(decrypted, target, p.ValueBits);
    }

    [Fact]
    public void HostileAggregateOfOneRoundDecryptedWithSharesOfAnotherRoundIsGarbage()
    {
        AggregationFixture f = NewFixture("hostile-replay");
        RoundPolynomial a1 = f.A(1), a2 = f.A(2);
        (MaskedUpload[] uploads, uint[][] values) = f.UploadAll(a1);
        int[] u = [1, 2, 3, 4, 5];
        SetDecryptionShare round2 = f.Answer(f.Session(2, u, [1, 4, 5]), a2);
        AggregationStatistics.AssertGarbage(Unmask(f, AggregationFixture.Sum(u, uploads).C0, round2, 5), f.ExpectedSum(u, values), f.Parameters.ValueBits);

        // Another chunk of the same round is another round polynomial too.
        SetDecryptionShare chunk1 = f.Answer(f.Session(1, u, [1, 4, 5], chunks: 2), f.A(1, chunk: 1));
        AggregationStatistics.AssertGarbage(Unmask(f, AggregationFixture.Sum(u, uploads).C0, chunk1, 5), f.ExpectedSum(u, values), f.Parameters.ValueBits);
    }

    [Fact]
    public void HostileDifferentUploaderSetsShownToDifferentMembersDecryptToGarbage()
    {
        AggregationFixture f = NewFixture("hostile-split-view");
        AggregationParameters p = f.Parameters;
        RoundPolynomial a = f.A(1);
        (MaskedUpload[] uploads, uint[][] values) = f.UploadAll(a);
        int[] d = [1, 2, 3];
        SetDecryptionShare fromOne = f.Answer(f.Session(1, [1, 2, 3], d), a, [1]);
        SetDecryptionShare fromOthers = f.Answer(f.Session(1, [1, 2, 3, 4], d), a, [2, 3]);
        Poly combined = p.Ring.NewPoly();
        p.Ring.Add(fromOne.Value, fromOthers.Value, combined);
        var shares = new SetDecryptionShare(p, combined, new byte[32], 0, [.. d]);
        foreach (int[] u in new[] { new[] { 1, 2, 3 }, new[] { 1, 2, 3, 4 } })
        {
            AggregationStatistics.AssertGarbage(Unmask(f, AggregationFixture.Sum(u, uploads).C0, shares, u.Length), f.ExpectedSum(u, values), p.ValueBits);
        }
    }

    /// <summary>X^k·c (negacyclic), through the coefficient form.</summary>
    private static Poly MultiplyByMonomial(AggregationParameters p, Poly ntt, int k)
    {
        Poly c = ntt.Clone();
        p.Ring.InverseNtt(c, c);
        Poly r = p.Ring.NewPoly();
        int n = p.RingDegree;
        for (int l = 0; l < c.LimbCount; l++)
        {
            ulong q = p.Primes[l];
            Span<ulong> src = c.Limb(l), dst = r.Limb(l);
            for (int i = 0; i < n; i++)
            {
                int to = i + k;
                ulong v = src[i];
                if (to >= n)
                {
                    dst[to - n] = v == 0 ? 0 : q - v;
                }
                else
                {
                    dst[to] = v;
                }
            }
        }

        p.Ring.Ntt(r, r);
        return r;
    }
}
