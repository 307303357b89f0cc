using System.Buffers.Binary;
using System.Security.Cryptography;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Ring.Sampling.Internal;

namespace SecAgg.Crypto.Tests.Ring.Sampling;

public sealed class PrngTests
{
    [Fact]
    public void KeystreamIsAesOfTheBigEndianBlockCounterAcrossRefills()
    {
        // Independent reference: .NET's Aes (OpenSSL) in ECB on the 16-byte big-endian counters 0, 1, 2, ...
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)((i * 13) + 1)).ToArray();
        const int Blocks = 1100; // more than two 512-block refills
        using Prng prng = Prng.FromSeed(key);
        var stream = new byte[16 * Blocks];
        prng.Fill(stream.AsSpan(0, 5));  // odd-sized reads on purpose
        prng.Fill(stream.AsSpan(5));
        Assert.Equal(AesOfCounters(key, 0, Blocks), stream);
    }

    [Fact]
    public void WordsAndBitsAreLittleEndianReadsOfTheStream()
    {
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();
        byte[] reference = AesOfCounters(key, 0, 1025);
        using Prng prng = Prng.FromSeed(key);
        int at = 0;
        Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(reference), prng.NextUInt32());
        at += 4;
        ulong word = BinaryPrimitives.ReadUInt64LittleEndian(reference.AsSpan(at));
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(((word >> i) & 1) == 1, prng.NextBit());
        }

        at += 8;
        // words that straddle the 8 KiB refill boundary
        while (at + 8 <= reference.Length)
        {
            Assert.Equal(BinaryPrimitives.ReadUInt64LittleEndian(reference.AsSpan(at)), prng.NextUInt64());
            at += 8;
        }
    }

    [Fact]
    public void AesNiPathMeetsTheFips197Aes256Vector()
    {
        // FIPS-197 C.3: key 00..1f, plaintext 00112233..eeff -> 8ea2b7ca516745bfeafc49904b496089.
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        using var aes = Aes.Create();
        aes.Key = key;
        Assert.Equal("8EA2B7CA516745BFEAFC49904B496089", Convert.ToHexString(aes.EncryptEcb(Convert.FromHexString("00112233445566778899aabbccddeeff"), PaddingMode.None)));
        if (!AesNiCtr.IsSupported)
        {
            return; // the managed path is .NET's Aes, pinned just above
        }

        var ni = new AesNiCtr(key);
        var block = new byte[16 * 9]; // eight blocks in flight plus one single block
        UInt128 counter = new(0x0011223344556677, 0x8899aabbccddeeff);
        ni.Generate(block, counter);
        Assert.Equal("8EA2B7CA516745BFEAFC49904B496089", Convert.ToHexString(block, 0, 16));
        Assert.Equal(AesOfCounters(key, counter, 9), block);
    }

    [Fact]
    public void AllZeroKeyStreamStartsWithTheKnownAes256Block()
    {
        // AES-256 of the zero block under the zero key (a widely published known answer).
        using Prng prng = Prng.FromSeed(new byte[32]);
        var block = new byte[16];
        prng.Fill(block);
        Assert.Equal("DC95C078A2408989AD48A21492842087", Convert.ToHexString(block));
    }

    [Fact]
    public void ManagedAndAesNiPathsAgree()
    {
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray();
        var a = new byte[20000];
        var b = new byte[20000];
        using (Prng r = Prng.FromSeed(key))
        {
            r.Fill(a);
        }

        Prng.ForceManagedAes = true;
        try
        {
            using Prng r = Prng.FromSeed(key);
            r.Fill(b);
        }
        finally
        {
            Prng.ForceManagedAes = false;
        }

        Assert.Equal(a, b);
    }

    [Fact]
    public void NextBelowIsUniform()
    {
        using Prng r = Stats.Rng(71);
        var counts = new int[7];
        for (int i = 0; i < 70000; i++) counts[r.NextBelow(7UL)]++;
        var (stat, df, p) = Stats.ChiSquare(Enumerable.Range(0, 7).SelectMany(v => Enumerable.Repeat((long)v, counts[v])), x => x is >= 0 and < 7 ? 1 / 7.0 : 0, 0, 6);
        Assert.True(p > 1e-4, $"chi-square {stat} on {df}");
        Assert.Throws<ArgumentOutOfRangeException>(() => r.NextBelow(0UL));
    }

    [Fact]
    public void ForksAreDistinctAndSecureStreamsDiffer()
    {
        using Prng r = Stats.Rng(72);
        using Prng f1 = r.Fork();
        using Prng f2 = r.Fork();
        Assert.NotEqual(f1.NextUInt64(), f2.NextUInt64());
        using Prng a = Prng.CreateSecure();
        using Prng b = Prng.CreateSecure();
        Assert.NotEqual(a.NextUInt64(), b.NextUInt64());
        Assert.Throws<ArgumentException>(() => Prng.FromSeed(new byte[31]));
    }

    [Fact]
    public void DomainLabelsGiveDifferentStreams()
    {
        using Prng a = Prng.FromSeed(new byte[32], "secagg/a"), b = Prng.FromSeed(new byte[32], "secagg/b");
        using Prng plain = Prng.FromSeed(new byte[32]);
        ulong wa = a.NextUInt64();
        Assert.NotEqual(wa, b.NextUInt64());
        Assert.NotEqual(wa, plain.NextUInt64());
        Assert.Throws<ArgumentException>(() => Prng.FromSeed(new byte[32], ""));
    }

    [Fact]
    public void DisposedStreamRefusesToContinue()
    {
        Prng prng = Prng.FromSeed(new byte[32]);
        prng.NextUInt64();
        prng.Dispose();
        Assert.Throws<ObjectDisposedException>(() => prng.NextUInt64());
    }

    [Fact]
    public void ADisposedStreamsReusedBufferNeitherLeaksIntoNorReadsFromTheNextStream()
    {
        // Stream buffers are pooled: the next stream gets a disposed one's buffer, wiped, and the disposed stream, even
        // in the middle of its buffer, refuses every read instead of reading what the new owner generates.
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)(i + 100)).ToArray();
        var streams = new List<Prng>();
        for (int i = 0; i < 8; i++)
        {
            Prng old = Prng.FromSeed(Enumerable.Range(0, 32).Select(b => (byte)(b ^ i)).ToArray());
            old.NextUInt64();
            old.Dispose();
            streams.Add(old);
        }

        using Prng fresh = Prng.FromSeed(key);
        var stream = new byte[16 * 600];
        fresh.Fill(stream);
        Assert.Equal(AesOfCounters(key, 0, 600), stream);
        foreach (Prng old in streams)
        {
            Assert.Throws<ObjectDisposedException>(() => old.NextUInt64());
            Assert.Throws<ObjectDisposedException>(() => old.NextUInt32());
            Assert.Throws<ObjectDisposedException>(() => old.Fill(new byte[3]));
        }
    }

    private static byte[] AesOfCounters(byte[] key, UInt128 first, int blocks)
    {
        var counters = new byte[16 * blocks];
        for (int i = 0; i < blocks; i++)
        {
            BinaryPrimitives.WriteUInt128BigEndian(counters.AsSpan(16 * i, 16), first + (uint)i);
        }

        using var aes = Aes.Create();
        aes.Key = key;
        return aes.EncryptEcb(counters, PaddingMode.None);
    }
}
