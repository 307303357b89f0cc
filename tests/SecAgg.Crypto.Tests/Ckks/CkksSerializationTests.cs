using System.Buffers.Binary;
using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Serialization;
using static SecAgg.Crypto.Tests.Ckks.CkksTestUtil;

namespace SecAgg.Crypto.Tests.Ckks;

public sealed class CkksSerializationTests
{
    private static readonly CkksParameters P = CkksParameters.Create(CkksPresets.InsecureN1024ForTests);

    private static CkksCiphertext Fresh(int limbs = 3)
    {
        using Prng prng = Stream("ser");
        using var keygen = new CkksKeyGenerator(P, prng);
        using var enc = new CkksEncryptor(P, keygen.CreatePublicKey(), prng);
        return enc.Encrypt(new CkksEncoder(P).Encode(RandomReals(prng, P.Slots, 7.0), limbCount: limbs));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RoundTripKeepsComponentsAndBoundsAtTheExactSize(int limbs)
    {
        CkksCiphertext ct = Fresh(limbs);
        byte[] bytes = CkksSerializer.Serialize(ct);
        int bits = P.Ring.Moduli.Take(limbs).Sum(m => m.BitLength);
        Assert.Equal(CkksSerializer.HeaderSize + (2 * P.N * bits / 8), bytes.Length);
        CkksCiphertext back = CkksSerializer.ReadCiphertext(P, bytes);
        Assert.True(back.C0.ValueEquals(ct.C0) && back.C1.ValueEquals(ct.C1));
        Assert.Equal((ct.Scale, ct.NoiseBound, ct.MessageBound, ct.EncodingErrorBound, ct.SummandCount), (back.Scale, back.NoiseBound, back.MessageBound, back.EncodingErrorBound, back.SummandCount));
        CkksCiphertext into = Fresh(limbs);
        CkksSerializer.ReadCiphertext(P, bytes, into);
        Assert.True(into.C0.ValueEquals(ct.C0));
    }

    public static TheoryData<string> Tamperings() => new()
    {
        "truncated", "extended", "magic", "version", "limbs0", "limbs9", "polycount", "flags", "reserved", "paramid",
        "scaleNaN", "scaleZero", "boundNegative", "boundInfinite", "summands0", "residue", "otherParameters",
    };

    [Theory]
    [MemberData(nameof(Tamperings))]
    public void TamperedOrTruncatedCiphertextsAreRefused(string how)
    {
        byte[] b = CkksSerializer.Serialize(Fresh());
        CkksParameters p = P;
        switch (how)
        {
            case "truncated": b = b[..^1]; break;
            case "extended": b = [.. b, 0]; break;
            case "magic": b[0] ^= 1; break;
            case "version": b[4] = 2; break;
            case "limbs0": b[5] = 0; break;
            case "limbs9": b[5] = 9; break;
            case "polycount": b[6] = 3; break;
            case "flags": b[7] = 1; break;
            case "reserved": b[55] = 1; break;
            case "paramid": b[8] ^= 1; break;
            case "scaleNaN": BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(16), double.NaN); break;
            case "scaleZero": BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(16), 0); break;
            case "boundNegative": BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(24), -1); break;
            case "boundInfinite": BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(32), double.PositiveInfinity); break;
            case "summands0": BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(48), 0); break;
            case "residue": b.AsSpan(CkksSerializer.HeaderSize, 8).Fill(0xFF); break; // first 60-bit residue = 2^60 − 1 ≥ p
            case "otherParameters": p = CkksParameters.Create(CkksPresets.InsecureN1024AggregationForTests); break;
        }

        Assert.Throws<InvalidEncodingException>(() => CkksSerializer.ReadCiphertext(p, b));
    }

    [Fact]
    public void RandomCorruptionsNeverCrash()
    {
        byte[] original = CkksSerializer.Serialize(Fresh(1));
        using Prng prng = Stream("corrupt");
        for (int i = 0; i < 300; i++)
        {
            byte[] b = (byte[])original.Clone();
            int flips = 1 + (int)prng.NextBelow(4);
            for (int f = 0; f < flips; f++)
            {
                b[prng.NextBelow((ulong)b.Length)] ^= (byte)(1 + prng.NextBelow(255));
            }

            try
            {
                CkksSerializer.ReadCiphertext(P, b);
            }
            catch (InvalidEncodingException)
            {
            }
        }
    }
}
