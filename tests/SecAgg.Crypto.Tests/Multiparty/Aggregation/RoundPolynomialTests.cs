using System.Buffers.Binary;
using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

public sealed class RoundPolynomialTests
{
    private static readonly AggregationParameters P = AggregationParameters.Create(new AggregationParametersLiteral
    {
        RingDegree = 16,
        Primes = [1125899906842273UL, 1099511627297UL], // the largest 50- and 40-bit primes ≡ 1 mod 32
        Parties = 3,
        Threshold = 2,
        MaxColluders = 1,
        ValueBits = 8,
        StatisticalSecurity = 1,
        ShareCap = 1,
        AllowInsecureForTests = true,
    });

    private static byte[] Seed() => [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    [Fact]
    public void TheExpansionIsPinnedByAKnownAnswer()
    {
        RoundPolynomial a = RoundPolynomial.Expand(P, Seed(), 1, 0);
        Assert.True(a.ToPoly().IsNtt);
        Assert.Equal(KnownLimb0, a.ToPoly().Limb(0)[..4].ToArray());
        Assert.Equal(KnownLimb1, a.ToPoly().Limb(1)[..4].ToArray());
    }

    [Fact]
    public void ADisposedPolynomialRefusesUseAndAFreshExpansionGivesTheSamePolynomial()
    {
        RoundPolynomial first = RoundPolynomial.Expand(P, Seed(), 1, 0);
        ulong[] expected = first.ToPoly().Coefficients.ToArray();
        first.Dispose();
        first.Dispose();
        Assert.Throws<ObjectDisposedException>(() => first.ToPoly());
        Assert.Throws<ObjectDisposedException>(() => first.OpenLimbs());

        using (RoundPolynomial other = RoundPolynomial.Expand(P, Seed(), 2, 0))
        {
            Assert.NotEqual(expected, other.ToPoly().Coefficients.ToArray());
        }

        using RoundPolynomial again = RoundPolynomial.Expand(P, Seed(), 1, 0);
        Assert.Equal(expected, again.ToPoly().Coefficients.ToArray());
        Assert.Equal(KnownLimb0, again.ToPoly().Limb(0)[..4].ToArray());
    }

    [Fact]
    public void TheLimbReaderGivesTheSpecifiedLimbsInOrderAndRefusesAnExtraOne()
    {
        using RoundPolynomial a = RoundPolynomial.Expand(P, Seed(), 7, 2);
        ulong[] expected = Reference(Seed(), "secagg/v2/round-poly/7/2");
        using RoundPolynomial.LimbReader limbs = a.OpenLimbs();
        var row = new ulong[P.RingDegree + 3]; // a longer row: only the first n words are written
        for (int l = 0; l < P.Primes.Count; l++)
        {
            row.AsSpan().Fill(ulong.MaxValue);
            limbs.Next(row);
            Assert.Equal(expected.AsSpan(l * P.RingDegree, P.RingDegree).ToArray(), row[..P.RingDegree]);
            Assert.All(row[P.RingDegree..], x => Assert.Equal(ulong.MaxValue, x));
        }

        Assert.Throws<InvalidOperationException>(() => limbs.Next(row));
    }

    // Computed independently (Python: hmac + AES-ECB over big-endian counters, the rejection rule below).
    private static readonly ulong[] KnownLimb0 = [428044227417033, 44271127786723, 94011165601143, 495695089900023];
    private static readonly ulong[] KnownLimb1 = [674620912957, 749415182264, 810160058575, 703265221233];

    [Fact]
    public void TheExpansionFollowsItsSpecificationWrittenIndependently()
    {
        foreach ((ulong round, int chunk) in new[] { (1UL, 0), (0UL, 3), (ulong.MaxValue, 12) })
        {
            RoundPolynomial a = RoundPolynomial.Expand(P, Seed(), round, chunk);
            Assert.Equal(Reference(Seed(), $"secagg/v2/round-poly/{round}/{chunk}"), a.ToPoly().Coefficients.ToArray());
        }
    }

    [Fact]
    public void EveryInputChangesThePolynomial()
    {
        byte[] other = Seed();
        other[31] ^= 1;
        ulong[][] polys =
        [
            RoundPolynomial.Expand(P, Seed(), 1, 0).ToPoly().Coefficients.ToArray(),
            RoundPolynomial.Expand(P, Seed(), 2, 0).ToPoly().Coefficients.ToArray(),
            RoundPolynomial.Expand(P, Seed(), 1, 1).ToPoly().Coefficients.ToArray(),
            RoundPolynomial.Expand(P, Seed(), 11, 0).ToPoly().Coefficients.ToArray(),
            RoundPolynomial.Expand(P, other, 1, 0).ToPoly().Coefficients.ToArray(),
        ];
        Assert.Equal(polys.Length, polys.Select(x => string.Join(",", x)).Distinct().Count());
        Assert.Equal(polys[0], RoundPolynomial.Expand(P, Seed(), 1, 0).ToPoly().Coefficients.ToArray());
        Assert.Throws<ArgumentException>(() => RoundPolynomial.Expand(P, new byte[31], 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RoundPolynomial.Expand(P, Seed(), 1, -1));
    }

    /// <summary>AES-256-CTR (big-endian 128-bit block counter from 0) keyed by HMAC-SHA256(seed, label); per limb, per
    /// coefficient, the first little-endian 8-byte word w with w mod 2^bits(q) &lt; q.</summary>
    private static ulong[] Reference(byte[] seed, string label)
    {
        using var aes = Aes.Create();
        aes.Key = HMACSHA256.HashData(seed, System.Text.Encoding.UTF8.GetBytes(label));
        var words = new Queue<ulong>();
        UInt128 counter = 0;
        ulong Next()
        {
            if (words.Count == 0)
            {
                var block = new byte[16];
                BinaryPrimitives.WriteUInt128BigEndian(block, counter++);
                byte[] stream = aes.EncryptEcb(block, PaddingMode.None);
                words.Enqueue(BinaryPrimitives.ReadUInt64LittleEndian(stream));
                words.Enqueue(BinaryPrimitives.ReadUInt64LittleEndian(stream.AsSpan(8)));
            }

            return words.Dequeue();
        }

        var result = new List<ulong>();
        foreach (ulong q in P.Primes)
        {
            ulong mask = (1UL << (64 - System.Numerics.BitOperations.LeadingZeroCount(q))) - 1;
            for (int j = 0; j < P.RingDegree; j++)
            {
                ulong v;
                do
                {
                    v = Next() & mask;
                }
                while (v >= q);
                result.Add(v);
            }
        }

        return [.. result];
    }
}
