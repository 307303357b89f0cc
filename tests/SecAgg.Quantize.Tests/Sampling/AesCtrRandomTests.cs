using System.Security.Cryptography;
using SecAgg.Quantize.Random;

namespace SecAgg.Quantize.Tests.Sampling;

[Collection("Fwht switch")]
public sealed class AesCtrRandomTests
{
    [Fact]
    public void KeystreamIsAesOfStreamIdAndCounter()
    {
        // Independent reference: .NET's Aes (OpenSSL) in ECB on the counter blocks.
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)(i * 13 + 1)).ToArray();
        using var r = AesCtrRandom.FromPublicSeed(key, 0x0102030405060708);
        var stream = new byte[16 * 300];
        r.NextBytes(stream);
        using var aes = Aes.Create();
        aes.Key = key;
        var blocks = new byte[stream.Length];
        for (int i = 0; i < 300; i++)
        {
            BitConverter.TryWriteBytes(blocks.AsSpan(i * 16, 8), 0x0102030405060708UL);
            BitConverter.TryWriteBytes(blocks.AsSpan((i * 16) + 8, 8), (ulong)i);
        }

        Assert.Equal(aes.EncryptEcb(blocks, PaddingMode.None), stream);
    }

    [Fact]
    public void Fips197Aes256KnownAnswer()
    {
        // FIPS-197 C.3: key 00..1f, plaintext 00112233..ff -> 8ea2b7ca516745bfeafc49904b496089.
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        ulong stream = BitConverter.ToUInt64(Convert.FromHexString("0011223344556677"));
        // Block 0 of our stream is AES(stream || 0); the reference Aes is itself pinned to FIPS-197 below.
        using var r = AesCtrRandom.FromPublicSeed(key, stream);
        var b = new byte[16];
        r.NextBytes(b);
        using var aes = Aes.Create();
        aes.Key = key;
        var pt = new byte[16];
        BitConverter.TryWriteBytes(pt.AsSpan(0, 8), stream);
        Assert.Equal(aes.EncryptEcb(pt, PaddingMode.None), b);
        Assert.Equal("8EA2B7CA516745BFEAFC49904B496089", Convert.ToHexString(aes.EncryptEcb(Convert.FromHexString("00112233445566778899aabbccddeeff"), PaddingMode.None)));
    }

    [Fact]
    public void ManagedAndAesNiPathsAgree()
    {
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray();
        var a = new byte[10000];
        var b = new byte[10000];
        using (var r = AesCtrRandom.FromPublicSeed(key, 9)) r.NextBytes(a);
        AesCtrRandom.ForceManagedAes = true;
        try
        {
            using var r = AesCtrRandom.FromPublicSeed(key, 9);
            r.NextBytes(b);
        }
        finally
        {
            AesCtrRandom.ForceManagedAes = false;
        }

        Assert.Equal(a, b);
    }

    [Fact]
    public void NextBelowIsUniform()
    {
        using var r = Stats.Rng(71);
        var counts = new int[7];
        for (int i = 0; i < 70000; i++) counts[r.NextBelow(7UL)]++;
        var (stat, df, p) = Stats.ChiSquare(Enumerable.Range(0, 7).SelectMany(v => Enumerable.Repeat((long)v, counts[v])), x => x is >= 0 and < 7 ? 1 / 7.0 : 0, 0, 6);
        Assert.True(p > 1e-4, $"chi-square {stat} on {df}");
        Assert.Throws<ArgumentOutOfRangeException>(() => r.NextBelow(0UL));
    }

    [Fact]
    public void ForksAreDistinctAndCreateIsRandom()
    {
        using var r = Stats.Rng(72);
        using var f1 = r.Fork();
        using var f2 = r.Fork();
        Assert.NotEqual(f1.NextUInt64(), f2.NextUInt64());
        using var a = AesCtrRandom.Create();
        using var b = AesCtrRandom.Create();
        Assert.NotEqual(a.NextUInt64(), b.NextUInt64());
        Assert.Throws<ArgumentException>(() => AesCtrRandom.FromPublicSeed(new byte[31]));
    }
}
