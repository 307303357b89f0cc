using System.Numerics;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Serialization;

namespace SecAgg.Crypto.Tests.Serialization;

/// <summary>PolyCodec.Validate and ReadAdd against Read and a naive BigInteger sum, including malformed input.</summary>
public sealed class PolyCodecStreamingTests
{
    // n = 64, three primes of different widths so residues straddle 64-bit words.
    private static readonly RingQ Ring = new(64, [NttPrimes.Generate(13, 64, 1)[0], NttPrimes.Generate(29, 64, 1)[0], NttPrimes.Generate(61, 64, 1)[0]]);

    private static Poly Random(Random rng)
    {
        Poly p = Ring.NewPoly();
        for (int l = 0; l < Ring.MaxLimbCount; l++)
        {
            ulong q = Ring.Moduli[l].Value;
            Span<ulong> row = p.Limb(l);
            for (int j = 0; j < row.Length; j++)
            {
                row[j] = (ulong)rng.NextInt64((long)q);
            }
        }

        return p;
    }

    private static byte[] Encode(Poly p)
    {
        var bytes = new byte[PolyCodec.GetSize(Ring, Ring.MaxLimbCount)];
        PolyCodec.Write(Ring, [p], bytes);
        return bytes;
    }

    /// <summary>The encoding with residue j of limb l replaced by its prime (just out of range), written bit by bit.</summary>
    private static byte[] WithResidueAtPrime(Poly p, int limb, int j)
    {
        Poly bad = p.Clone();
        bad.Limb(limb)[j] = 0;
        byte[] bytes = Encode(bad);
        int offset = 0;
        for (int l = 0; l < limb; l++)
        {
            offset += Ring.Moduli[l].BitLength * Ring.N;
        }

        offset += Ring.Moduli[limb].BitLength * j;
        ulong q = Ring.Moduli[limb].Value;
        for (int b = 0; b < Ring.Moduli[limb].BitLength; b++)
        {
            if (((q >> b) & 1) != 0)
            {
                bytes[(offset + b) / 8] |= (byte)(1 << ((offset + b) % 8));
            }
        }

        return bytes;
    }

    [Fact]
    public void ReadAddEqualsTheBigIntegerSumOfTheDecodedPolynomials()
    {
        var rng = new Random(17);
        Poly sum = Random(rng);
        Poly start = sum.Clone();
        Poly[] addends = [Random(rng), Random(rng), Random(rng)];
        foreach (Poly a in addends)
        {
            PolyCodec.ReadAdd(Ring, Encode(a), sum);
        }

        for (int l = 0; l < Ring.MaxLimbCount; l++)
        {
            for (int j = 0; j < Ring.N; j++)
            {
                BigInteger expected = start.Limb(l)[j];
                foreach (Poly a in addends)
                {
                    expected += a.Limb(l)[j];
                }

                Assert.Equal((ulong)(expected % Ring.Moduli[l].Value), sum.Limb(l)[j]);
            }
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 37)]
    [InlineData(2, 63)]
    public void ReadAddOfAResidueAtItsPrimeFailsAndLeavesTheSumUnchanged(int limb, int j)
    {
        var rng = new Random(18);
        Poly sum = Random(rng);
        Poly before = sum.Clone();
        byte[] bad = WithResidueAtPrime(Random(rng), limb, j);
        Assert.Contains("not below its prime", Assert.Throws<InvalidEncodingException>(() => PolyCodec.ReadAdd(Ring, bad, sum)).Message);
        Assert.True(sum.ValueEquals(before));
        Assert.Throws<InvalidEncodingException>(() => PolyCodec.Validate(Ring, bad, Ring.MaxLimbCount));
        Assert.Throws<InvalidEncodingException>(() => PolyCodec.Read(Ring, bad, Ring.MaxLimbCount, false, [Ring.NewPoly()]));
    }

    [Fact]
    public void ReadAddWithNonZeroPaddingFailsAndLeavesTheSumUnchanged()
    {
        // n = 4, one 13-bit prime: 52 bits in 7 bytes, the last 4 bits are padding.
        var ring = new RingQ(4, [NttPrimes.Generate(13, 4, 1)[0]]);
        Poly p = ring.NewPoly(1);
        p.Limb(0)[..].Fill(5);
        var bytes = new byte[PolyCodec.GetSize(ring, 1)];
        PolyCodec.Write(ring, [p], bytes);
        bytes[6] |= 0x80;
        Poly sum = ring.NewPoly(1);
        sum.Limb(0).Fill(9);
        Assert.Contains("padding", Assert.Throws<InvalidEncodingException>(() => PolyCodec.ReadAdd(ring, bytes, sum)).Message);
        Assert.All(sum.Limb(0).ToArray(), v => Assert.Equal(9UL, v));
        Assert.Throws<InvalidEncodingException>(() => PolyCodec.Validate(ring, bytes, 1));
    }

    [Fact]
    public void ValidateAcceptsWhatReadAcceptsAndRefusesWrongLengths()
    {
        byte[] good = Encode(Random(new Random(19)));
        PolyCodec.Validate(Ring, good, Ring.MaxLimbCount);
        Assert.Throws<InvalidEncodingException>(() => PolyCodec.Validate(Ring, good[..^1], Ring.MaxLimbCount));
        Assert.Throws<InvalidEncodingException>(() => PolyCodec.Validate(Ring, [.. good, 0], Ring.MaxLimbCount));
        Poly sum = Ring.NewPoly();
        Assert.Throws<InvalidEncodingException>(() => PolyCodec.ReadAdd(Ring, good[..^1], sum));
        Assert.True(sum.ValueEquals(Ring.NewPoly()));
    }

    [Fact]
    public void ReadAndReadAddMatchABitByBitReferenceAtEveryResidueWidth()
    {
        // widths around the decoder's one-load limit (56 bits) and the widest primes; three polynomials in one stream
        var wide = new RingQ(64, [NttPrimes.Generate(20, 64, 1)[0], NttPrimes.Generate(56, 64, 1)[0], NttPrimes.Generate(57, 64, 1)[0],
            NttPrimes.Generate(58, 64, 1)[0], NttPrimes.Generate(60, 64, 1)[0], NttPrimes.Generate(61, 64, 1)[0]]);
        var rng = new Random(23);
        Poly[] polys = [wide.NewPoly(), wide.NewPoly(), wide.NewPoly()];
        foreach (Poly p in polys)
        {
            for (int l = 0; l < wide.MaxLimbCount; l++)
            {
                ulong q = wide.Moduli[l].Value;
                Span<ulong> row = p.Limb(l);
                for (int j = 0; j < row.Length; j++)
                {
                    // the extremes 0 and q − 1 as well as random residues
                    row[j] = j % 7 == 0 ? q - 1 : j % 11 == 0 ? 0 : (ulong)rng.NextInt64((long)q);
                }
            }
        }

        var bytes = new byte[PolyCodec.GetSize(wide, wide.MaxLimbCount, polys.Length)];
        PolyCodec.Write(wide, polys, bytes);
        Poly[] read = [wide.NewPoly(), wide.NewPoly(), wide.NewPoly()];
        PolyCodec.Read(wide, bytes, wide.MaxLimbCount, false, read);
        int bit = 0;
        for (int k = 0; k < polys.Length; k++)
        {
            for (int l = 0; l < wide.MaxLimbCount; l++)
            {
                for (int j = 0; j < wide.N; j++)
                {
                    ulong expected = 0;
                    for (int b = 0; b < wide.Moduli[l].BitLength; b++, bit++)
                    {
                        expected |= (ulong)((bytes[bit / 8] >> (bit % 8)) & 1) << b;
                    }

                    Assert.Equal(polys[k].Limb(l)[j], expected);
                    Assert.Equal(expected, read[k].Limb(l)[j]);
                }
            }
        }

        byte[] one = bytes[..PolyCodec.GetSize(wide, wide.MaxLimbCount)];
        Poly sum = polys[1].Clone();
        PolyCodec.ReadAdd(wide, one, sum);
        for (int l = 0; l < wide.MaxLimbCount; l++)
        {
            for (int j = 0; j < wide.N; j++)
            {
                BigInteger expected = ((BigInteger)polys[1].Limb(l)[j] + polys[0].Limb(l)[j]) % wide.Moduli[l].Value;
                Assert.Equal((ulong)expected, sum.Limb(l)[j]);
            }
        }
    }
}
