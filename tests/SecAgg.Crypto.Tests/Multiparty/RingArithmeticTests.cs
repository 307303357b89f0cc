using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using System.Numerics;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Multiparty.Internal;
using System.Runtime.Intrinsics.X86;

namespace SecAgg.Crypto.Tests.Multiparty;

/// <summary>The multiparty layer's use of the core ring (prefix-limb operations, division by the last prime, packing,
/// samplers, the packed encoder) against naive BigInteger references.</summary>
public sealed class RingArithmeticTests
{
    private static Prng Prng(string s) => SecAgg.Crypto.Ring.Sampling.Prng.FromSeed(System.Text.Encoding.UTF8.GetBytes(s), "ring-test");

    [Fact]
    public void BarrettReductionMatchesBigInteger()
    {
        using Prng prng = Prng("barrett");
        foreach (ulong p in NttPrimes.Generate(61, 1024, 2).Concat(NttPrimes.Generate(30, 1024, 1)))
        {
            var m = new Modulus(p);
            for (int i = 0; i < 2000; i++)
            {
                ulong a = prng.NextUInt64() % p, b = prng.NextUInt64() % p;
                Assert.Equal((ulong)((BigInteger)a * b % p), m.Multiply(a, b));
                ulong w = prng.NextUInt64() % p;
                Assert.Equal((ulong)((BigInteger)a * w % p), m.MultiplyShoup(a, w, m.ShoupPrecompute(w)));
            }

            Assert.Equal(1UL, m.Multiply(m.Inverse(12345), 12345));
        }
    }

    [Theory]
    [InlineData(16, SecAgg.Crypto.Ring.SimdMode.Auto)]
    [InlineData(64, SecAgg.Crypto.Ring.SimdMode.Auto)]
    [InlineData(256, SecAgg.Crypto.Ring.SimdMode.Auto)]
    [InlineData(64, SecAgg.Crypto.Ring.SimdMode.Scalar)]
    internal void NttProductMatchesSchoolbookNegacyclicProduct(int n, SecAgg.Crypto.Ring.SimdMode simd)
    {
        using Prng prng = Prng("ntt" + n);
        ulong[] primes = NttPrimes.Generate(55, n, 2);
        var ring = new RingQ(n, primes, simd);
        Poly a = ring.NewPoly(), b = ring.NewPoly();
        UniformSampler.Sample(prng, ring, a);
        UniformSampler.Sample(prng, ring, b);
        Poly fa = a.Clone(), fb = b.Clone(), c = ring.NewPoly();
        ring.Ntt(fa);
        ring.Ntt(fb);
        ring.MulCoeffs(fa, fb, c);
        ring.InverseNtt(c);
        ring.InverseNtt(fa);
        Assert.Equal(a.Data, fa.Data); // round trip
        for (int l = 0; l < primes.Length; l++)
        {
            BigInteger p = primes[l];
            var expected = new BigInteger[n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    BigInteger prod = (BigInteger)a.Data[l * n + i] * b.Data[l * n + j];
                    int k = i + j;
                    if (k < n)
                    {
                        expected[k] += prod;
                    }
                    else
                    {
                        expected[k - n] -= prod;
                    }
                }
            }

            for (int k = 0; k < n; k++)
            {
                Assert.Equal((ulong)(((expected[k] % p) + p) % p), c.Data[l * n + k]);
            }
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(256)]
    internal void CorePolyCodecWritesTheSameBytesAsPerLimbPackingOfWireVersion1(int n)
    {
        // Wire v1 packed each limb separately (BitPacker, byte-aligned per limb); the layer now writes polynomials
        // with the core's PolyCodec (one bit stream). For power-of-two n ≥ 8 both are the same bytes.
        using Prng prng = Prng("codec" + n);
        ulong[] primes = NttPrimes.Generate(55, n, 2).Concat(NttPrimes.Generate(37, n, 1)).ToArray();
        var ring = new RingQ(n, primes);
        Poly a = ring.NewPoly();
        UniformSampler.Sample(prng, ring, a);
        var perLimb = new List<byte>();
        for (int l = 0; l < primes.Length; l++)
        {
            var buf = new byte[BitPacker.PackedBytes(n, ring.Moduli[l].BitLength)];
            BitPacker.Pack(a.Limb(l), ring.Moduli[l].BitLength, buf);
            perLimb.AddRange(buf);
        }

        var codec = new byte[MpWire.PolyBytes(ring, primes.Length)];
        Assert.Equal(codec.Length, MpWire.WritePoly(codec, ring, a));
        Assert.Equal(perLimb.ToArray(), codec);
        Assert.Equal(a.Data, MpWire.ReadPoly(codec, ring, primes.Length, "test polynomial").Data);
    }

    [Fact]
    public void DivRoundByLastModulusRoundsTheCrtValue()
    {
        const int n = 32;
        using Prng prng = Prng("divround");
        ulong[] primes = NttPrimes.Generate(50, n, 3);
        var ring = new RingQ(n, primes);
        Poly a = ring.NewPoly();
        UniformSampler.Sample(prng, ring, a);
        Poly r = ring.DivRoundByLastModulus(a);
        BigInteger q = (BigInteger)primes[0] * primes[1] * primes[2];
        BigInteger qOut = (BigInteger)primes[0] * primes[1];
        for (int j = 0; j < n; j++)
        {
            BigInteger x = Crt(primes, [a.Data[j], a.Data[n + j], a.Data[2 * n + j]]);
            BigInteger rounded = (2 * x + primes[2]) / (2 * (BigInteger)primes[2]); // round(x / p_last)
            BigInteger got = Crt(primes[..2], [r.Data[j], r.Data[n + j]]);
            Assert.Equal(rounded % qOut, got);
            Assert.True(x < q);
        }
    }

    [Fact]
    public void BitPackingRoundTripsAndRejectsPaddingBits()
    {
        using Prng prng = Prng("pack");
        foreach (int width in new[] { 1, 2, 7, 13, 36, 50, 61, 62 })
        {
            var v = new ulong[37];
            for (int i = 0; i < v.Length; i++)
            {
                v[i] = prng.NextUInt64() & ((1UL << width) - 1);
            }

            var buf = new byte[BitPacker.PackedBytes(v.Length, width)];
            BitPacker.Pack(v, width, buf);
            var back = new ulong[v.Length];
            Assert.True(BitPacker.Unpack(buf, width, back));
            Assert.Equal(v, back);
            if ((v.Length * width) % 8 != 0)
            {
                buf[^1] |= 0x80;
                Assert.False(BitPacker.Unpack(buf, width, back));
            }
        }
    }

    [Fact]
    public void SmallErrorAndTernarySamplersStayInRangeWithExpectedVariance()
    {
        using Prng prng = Prng("samplers");
        var e = new long[20000];
        DiscreteGaussianSampler.StandardError.Sample(prng, e);
        Assert.All(e, x => Assert.InRange(x, -19, 19));
        double var = e.Select(x => (double)x * x).Average();
        Assert.InRange(var, 3.2 * 3.2 * 0.95, 3.2 * 3.2 * 1.05);
        var s = new long[30000];
        TernarySampler.Sample(prng, s);
        Assert.All(s, x => Assert.InRange(x, -1, 1));
        foreach (long v in new long[] { -1, 0, 1 })
        {
            Assert.InRange(s.Count(x => x == v), 9500, 10500);
        }
    }

    internal static BigInteger Crt(ulong[] primes, ulong[] residues)
    {
        BigInteger q = primes.Aggregate(BigInteger.One, (acc, p) => acc * p);
        BigInteger x = 0;
        for (int i = 0; i < primes.Length; i++)
        {
            BigInteger hat = q / primes[i];
            x += residues[i] * hat * BigInteger.ModPow(hat % primes[i], primes[i] - 2, primes[i]);
        }

        return x % q;
    }
}

public sealed class PackedEncoderTests
{
    [Theory]
    [InlineData(16, 1)]
    [InlineData(16, 3)]
    [InlineData(12, 5)]
    [InlineData(20, 9)]
    [InlineData(32, 2)]
    [InlineData(32, 20)] // T = 720 bits: 12 words, as in the production layouts (the per-limb sum passes 2^128)
    [InlineData(60, 16)]
    public void WordLevelScaledEncodingMatchesBigIntegerRounding(int bits, int k)
    {
        PackedEncoder.Layout p = TestLayout.Create(bits, k, wirePrimes: 7);
        var enc = new PackedEncoder(p);
        using Prng prng = Prng.FromSeed([(byte)bits, (byte)k], "encoder");
        var m = new ulong[enc.Words];
        var r = new ulong[enc.Words];
        var res = new ulong[p.KeyRing.MaxLimbCount];
        for (int trial = 0; trial < 300; trial++)
        {
            BigInteger big = 0;
            Array.Clear(m);
            for (int j = k - 1; j >= 0; j--)
            {
                ulong v = trial == 0 ? 0 : trial == 1 ? (1UL << p.SlotBits) - 1 : prng.NextUInt64() & ((1UL << p.SlotBits) - 1);
                big = (big << p.SlotBits) | v;
            }

            BigInteger tmp = big;
            for (int i = 0; i < m.Length; i++)
            {
                m[i] = (ulong)(tmp & ulong.MaxValue);
                tmp >>= 64;
            }

            enc.ScaledResidues(m, r, res);
            Assert.Equal(enc.ScaledResiduesReference(big), res);
        }
    }
}

public sealed class PackedEncodingTests
{
    [Theory]
    [InlineData(16, 36, 12)] // the production shape: b = 16, w = 20, T = 720 bits
    [InlineData(16, 1, 3)]
    [InlineData(16, 3, 5)]
    [InlineData(12, 5, 3)]
    [InlineData(20, 9, 7)]
    [InlineData(8, 64, 12)]
    [InlineData(32, 2, 3)] // b = 32: the sums do not fit 64-bit lanes, so the word-level path encodes
    public void EncodingAChunkMatchesBigIntegerRoundingForEveryCoefficient(int bits, int k, int wirePrimes)
    {
        PackedEncoder.Layout p = TestLayout.Create(bits, k, wirePrimes);
        var enc = new PackedEncoder(p);
        Assert.Equal(bits <= 20 && Avx2.IsSupported, enc.UsesLinearForm);
        using Prng prng = Prng.FromSeed([(byte)bits, (byte)k, (byte)wirePrimes], "packed-encoding");
        // All coefficients but the last full: the tail of the last one and whole blocks past the values are zero.
        uint[] values = RandomValues(prng, bits, 64 * k - k - 1);
        values.AsSpan(0, k).Fill(bits == 32 ? uint.MaxValue : (1u << bits) - 1); // coefficient 0: every slot at its maximum
        values.AsSpan(k, k).Clear();                                              // coefficient 1: zero

        AssertMatchesReference(enc, p, values);
    }

    [Fact]
    public void CoefficientsNearTheRoundingEdgeTakeTheExactPathAndAgree()
    {
        // A margin of 2^62 sends every coefficient whose fraction of F lies in (1/4, 1/2) to the word-level path.
        PackedEncoder.Layout p = TestLayout.Create(16, 36, 12);
        var enc = new PackedEncoder(p, roundingMargin: 1UL << 62);
        using Prng prng = Prng.FromSeed([7], "packed-encoding-edge");
        AssertMatchesReference(enc, p, RandomValues(prng, 16, 64 * 36));
    }

    [Theory]
    [InlineData(16, 36, 12)]
    [InlineData(32, 2, 3)]
    public void AValueOf2ToTheBIsRefused(int bits, int k, int wirePrimes)
    {
        if (bits == 32)
        {
            return; // every uint is below 2^32
        }

        PackedEncoder.Layout p = TestLayout.Create(bits, k, wirePrimes);
        var enc = new PackedEncoder(p);
        uint[] values = new uint[64 * k];
        values[5 * k + 3] = 1u << bits;
        Poly dst = p.KeyRing.NewPoly();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => enc.EncodeScaled(values, dst));
        Assert.Contains($"Value {5 * k + 3} is {1u << bits}, not below 2^{bits}", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => enc.EncodeScaledWords(values, dst));
    }

    private static uint[] RandomValues(Prng prng, int bits, int count)
    {
        var values = new uint[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (uint)(prng.NextUInt64() & (bits == 32 ? uint.MaxValue : (1UL << bits) - 1));
        }

        return values;
    }

    private static void AssertMatchesReference(PackedEncoder enc, PackedEncoder.Layout p, uint[] values)
    {
        int n = p.KeyRing.N, k = p.ValuesPerCoefficient;
        Poly fast = p.KeyRing.NewPoly();
        Poly words = p.KeyRing.NewPoly();
        fast.Data.AsSpan().Fill(ulong.MaxValue); // the encoder must overwrite every coefficient, zeros included
        enc.EncodeScaled(values, fast);
        enc.EncodeScaledWords(values, words);
        for (int c = 0; c < n; c++)
        {
            BigInteger m = 0;
            for (int j = k - 1; j >= 0; j--)
            {
                int index = c * k + j;
                m = (m << p.SlotBits) | (index < values.Length ? values[index] : 0u);
            }

            ulong[] expected = enc.ScaledResiduesReference(m);
            for (int l = 0; l < p.KeyRing.MaxLimbCount; l++)
            {
                Assert.True(expected[l] == fast.Data[l * n + c], $"coefficient {c}, limb {l}: {fast.Data[l * n + c]}, expected {expected[l]}");
                Assert.Equal(expected[l], words.Data[l * n + c]);
            }
        }
    }
}

public sealed class PackedDecoderTests
{
    [Theory]
    [InlineData(16, 1, 3)]
    [InlineData(16, 3, 5)]
    [InlineData(20, 9, 7)]
    [InlineData(32, 2, 2)]
    public void WordLevelDecodingMatchesBigIntegerDecoding(int bits, int k, int wirePrimes)
    {
        PackedEncoder.Layout p = TestLayout.Create(bits, k, wirePrimes);
        var enc = new PackedEncoder(p);
        using Prng prng = Prng.FromSeed([(byte)bits, (byte)k], "decoder");
        for (int trial = 0; trial < 20; trial++)
        {
            Poly x = p.WireRing.NewPoly();
            UniformSampler.Sample(prng, p.WireRing, x); // arbitrary residues: includes values near the rounding boundaries' neighbourhood
            if (trial == 0)
            {
                Array.Clear(x.Data);
            }

            uint mask = bits == 32 ? uint.MaxValue : (1U << bits) - 1;
            uint[] expected = [.. enc.DecodeReference(x).Select(v => (uint)v & mask)];
            var decoded = new uint[expected.Length];
            enc.Decode(x, decoded, mask);
            Assert.Equal(expected, decoded);

            // A destination shorter than the polynomial (the last chunk of a round) gets the same leading slots.
            var prefix = new uint[expected.Length - k - 1];
            enc.Decode(x, prefix, mask);
            Assert.Equal(expected[..prefix.Length], prefix);
        }
    }

    [Fact]
    public void DecodingOnSeveralCoresMatchesBigIntegerDecodingAtTheRoundRingSize()
    {
        // n = 2^15 with 13 wire primes is above the parallel threshold: on a machine with two cores or more, ranges of
        // coefficients decode on other threads.
        PackedEncoder.Layout p = TestLayout.Create(16, 31, 13, n: 32768);
        var enc = new PackedEncoder(p);
        using Prng prng = Prng.FromSeed([7, 31], "decoder-parallel");
        Poly x = p.WireRing.NewPoly();
        UniformSampler.Sample(prng, p.WireRing, x);
        uint[] expected = [.. enc.DecodeReference(x).Select(v => (uint)v & 0xFFFF)];
        var decoded = new uint[expected.Length];
        enc.Decode(x, decoded, 0xFFFF);

        Assert.Equal(expected, decoded);
    }
}


/// <summary>A packed-encoder layout at n = 64 for up to 10 summands (h = 4 headroom bits): <paramref name="wirePrimes"/>
/// 60-bit wire primes and one 40-bit prime more at the key level.</summary>
internal static class TestLayout
{
    public static PackedEncoder.Layout Create(int bits, int k, int wirePrimes, int n = 64)
    {
        ulong[] wire = NttPrimes.Generate(60, n, wirePrimes);
        ulong[] special = NttPrimes.Generate(40, n, 1, wire);
        return new PackedEncoder.Layout(new RingQ(n, [.. wire, .. special]), new RingQ(n, wire), bits, k, bits + 4);
    }
}
