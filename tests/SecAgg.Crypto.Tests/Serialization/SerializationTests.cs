using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Serialization;
using SecAgg.Crypto.Tests.Bfv;

namespace SecAgg.Crypto.Tests.Serialization;

public sealed class SerializationTests
{
    [Fact]
    public void CiphertextRoundTripsAtEveryLevelWithTheBitPackedSize()
    {
        using var kit = new BfvTestKit(BfvPresets.N8192Q218(1UL << 16));
        ulong[] values = kit.RandomValues();
        Ciphertext ct = kit.Encryptor.Encrypt(kit.Encode(values));
        for (int limbs = 4; limbs >= 1; limbs--)
        {
            byte[] bytes = BfvSerializer.Serialize(ct);
            int bits = kit.Context.Ring.Moduli.Take(limbs).Sum(m => m.BitLength);
            Assert.Equal(BfvSerializer.HeaderSize + (2 * bits * kit.Context.N / 8), bytes.Length);
            Ciphertext back = BfvSerializer.ReadCiphertext(kit.Context, bytes);
            Assert.True(back.C0.ValueEquals(ct.C0) && back.C1.ValueEquals(ct.C1));
            Assert.Equal(ct.NoiseBound, back.NoiseBound);
            Assert.Equal(ct.SecretNormBound, back.SecretNormBound);
            Assert.Equal(values, kit.Decryptor.Decrypt(back).Coefficients);
            Ciphertext into = kit.Encryptor.Encrypt(kit.Encode(kit.RandomValues()), limbs);
            BfvSerializer.ReadCiphertext(kit.Context, bytes, into);
            Assert.True(into.C0.ValueEquals(ct.C0) && into.C1.ValueEquals(ct.C1));
            Assert.Equal(ct.NoiseBound, into.NoiseBound);
            var span = new byte[bytes.Length + 5];
            Assert.Equal(bytes.Length, BfvSerializer.Write(ct, span));
            Assert.Equal(bytes, span.Take(bytes.Length).ToArray());
            if (limbs > 1)
            {
                ct = kit.Evaluator.ModSwitchToNext(ct);
            }
        }
    }

    [Fact]
    public void SealSizedCiphertextIsTwoTimesSeventyTwoBitsPerCoefficient()
    {
        using var kit = new BfvTestKit(BfvPresets.N4096Q72(1UL << 16));
        Ciphertext ct = kit.Encryptor.Encrypt(kit.Encode(kit.RandomValues()));
        Assert.Equal(32 + (2 * 72 * 4096 / 8), BfvSerializer.Serialize(ct).Length); // 73,760 bytes vs SEAL's 131,072
    }

    [Fact]
    public void PublicKeyRoundTrips()
    {
        using var kit = new BfvTestKit(BfvPresets.N4096Q109(65537));
        byte[] bytes = BfvSerializer.Serialize(kit.PublicKey);
        PublicKey back = BfvSerializer.ReadPublicKey(kit.Context, bytes);
        Assert.True(back.P0.ValueEquals(kit.PublicKey.P0) && back.P1.ValueEquals(kit.PublicKey.P1));
        Assert.Equal(kit.PublicKey.ErrorNormBound, back.ErrorNormBound);
        ulong[] values = kit.RandomValues();
        using var enc = new Encryptor(kit.Context, back);
        Assert.Equal(values, kit.Decryptor.Decrypt(enc.Encrypt(kit.Encode(values))).Coefficients);
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, bytes)); // wrong magic
    }

    [Fact]
    public void TamperedCiphertextsAreRejected()
    {
        using var kit = new BfvTestKit(BfvPresets.N4096Q72(1UL << 16));
        byte[] good = BfvSerializer.Serialize(kit.Encryptor.Encrypt(kit.Encode(kit.RandomValues())));

        // Truncated, extended, empty.
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, good.AsSpan(0, good.Length - 1)));
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, [.. good, 0]));
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, good.AsSpan(0, 10)));
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, []));

        // A coefficient ≥ its prime: the first 36 bits all ones.
        byte[] bad = (byte[])good.Clone();
        for (int i = 32; i < 36; i++)
        {
            bad[i] = 0xFF;
        }

        bad[36] |= 0x0F;
        var ex = Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, bad));
        Assert.Contains("not below its prime", ex.Message);

        // Header fields.
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, With(good, 0, (byte)'X')));
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, With(good, 4, 2)));
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, With(good, 5, 3)));
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, With(good, 5, 0)));
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, With(good, 7, 1)));
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, With(good, 9, (byte)(good[9] ^ 1))));
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, With(good, 23, 0xFF))); // NaN bound
        Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(kit.Context, With(good, 31, (byte)(0x80 | good[31])))); // negative

        // Other parameters.
        var other = new BfvContext(BfvPresets.N4096Q72(65537));
        var wrong = Assert.Throws<InvalidEncodingException>(() => BfvSerializer.ReadCiphertext(other, good));
        Assert.Contains("other parameters", wrong.Message);
    }

    [Fact]
    public void RandomCorruptionNeverCrashesTheReader()
    {
        using var kit = new BfvTestKit(BfvPresets.N4096Q72(1UL << 16));
        byte[] good = BfvSerializer.Serialize(kit.Encryptor.Encrypt(kit.Encode(kit.RandomValues())));
        using Prng prng = Prng.ForTesting(99);
        int rejected = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] bad = (byte[])good.Clone();
            int flips = 1 + (int)prng.NextBelow(8);
            for (int f = 0; f < flips; f++)
            {
                int at = trial % 3 == 0 ? (int)prng.NextBelow(32) : (int)prng.NextBelow((ulong)bad.Length);
                bad[at] ^= (byte)(1 + prng.NextBelow(255));
            }

            int cut = trial % 5 == 0 ? (int)prng.NextBelow((ulong)bad.Length) : bad.Length;
            try
            {
                Ciphertext ct = BfvSerializer.ReadCiphertext(kit.Context, bad.AsSpan(0, cut));
                Assert.Equal(2, ct.C0.LimbCount); // accepted only as a well-formed ciphertext
            }
            catch (InvalidEncodingException)
            {
                rejected++;
            }
        }

        Assert.True(rejected > 100);
    }

    [Fact]
    public void PolyCodecRejectsNonZeroPadding()
    {
        // n = 4, one 13-bit prime (≡ 1 mod 8): 4·13 = 52 bits → 7 bytes with 4 padding bits.
        var ring = new RingQ(4, [NttPrimes.Generate(13, 4, 1)[0]]);
        Poly p = ring.NewPoly(1);
        p.Limb(0)[3] = 5;
        var bytes = new byte[PolyCodec.GetSize(ring, 1)];
        Assert.Equal(7, bytes.Length);
        PolyCodec.Write(ring, [p], bytes);
        Poly back = ring.NewPoly(1);
        PolyCodec.Read(ring, bytes, 1, false, [back]);
        Assert.True(back.ValueEquals(p));
        bytes[6] |= 0x80;
        Assert.Throws<InvalidEncodingException>(() => PolyCodec.Read(ring, bytes, 1, false, [back]));
    }

    private static byte[] With(byte[] source, int index, byte value)
    {
        byte[] copy = (byte[])source.Clone();
        copy[index] = value;
        return copy;
    }
}
