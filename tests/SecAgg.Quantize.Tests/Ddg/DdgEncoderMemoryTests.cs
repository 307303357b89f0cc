using System.Security.Cryptography;
using System.Runtime.InteropServices;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Quantize.Tests.Ddg;

/// <summary>
/// The encoder works in one pooled buffer (rotation rounded in place, recomputed on a second rounding attempt) and can
/// scale its input on the fly: its output must be byte for byte what the two-buffer encoder of commit cc53aac gave on
/// fixed streams (the digest below was computed there, rounding retries included), and what encoding a scaled copy gives.
/// </summary>
[Collection("Fwht switch")]
public sealed class DdgEncoderMemoryTests
{
    private static readonly byte[] Seed = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 11))];

    /// <summary>SHA-256 of the eight encodings of <see cref="EightEncodings"/> on main at cc53aac (before the change).</summary>
    private const string ReferenceDigest = "83FA03425AB5434EC439E7E5563851E31E149BF715B552983C2CD8A7EE0D2084";

    private static DdgParameters Parameters() => DdgParameters.Create(new DdgParameterLiteral
    {
        Bits = 16, ExpectedParticipants = 5, Dimension = 3000, ClipNorm = 1, NoiseMultiplier = 0.7, Beta = 0.6,
    });

    private static float[] Vector(Prng rng, int d, double scale)
    {
        var x = new float[d];
        for (int i = 0; i < d; i++)
        {
            x[i] = (float)(((rng.NextUInt32() / 4294967296.0) - 0.5) * scale * (i % 13 == 0 ? 8 : 1));
        }

        return x;
    }

    /// <summary>Eight encodings on fixed streams (norms below and above the clip), with their rounding attempts.</summary>
    private static (byte[] Bytes, int Attempts) EightEncodings()
    {
        DdgParameters p = Parameters();
        var enc = new DdgEncoder(p);
        using Prng data = TestRandom.Rng(71);
        using Prng secret = TestRandom.Rng(72);
        var all = new List<byte>();
        int attempts = 0;
        var coeffs = new ulong[p.PaddedDimension];
        for (int k = 0; k < 8; k++)
        {
            float[] x = Vector(data, p.Dimension, k % 2 == 0 ? 0.01 : 0.2);
            attempts += enc.Encode(x, Seed, secret, coeffs).RoundingAttempts;
            all.AddRange(MemoryMarshal.AsBytes(coeffs.AsSpan()).ToArray());
        }

        return ([.. all], attempts);
    }

    [Fact]
    public void EncodingIsByteForByteTheTwoBufferEncodersIncludingRetries()
    {
        (byte[] bytes, int attempts) = EightEncodings();
        Assert.True(attempts > 8, $"no rounding retry in {attempts} attempts: the test no longer covers the recomputed rotation");
        Assert.Equal(ReferenceDigest, Convert.ToHexString(SHA256.HashData(bytes)));
    }

    [Theory]
    [InlineData(0.37)]
    [InlineData(3.0)]
    public void AnInputScaleEncodesExactlyAsTheScaledCopy(double factor)
    {
        DdgParameters p = Parameters();
        using Prng data = TestRandom.Rng(73);
        float[] x = Vector(data, p.Dimension, 0.05);
        float[] copy = [.. x.Select(v => (float)(v * factor))];
        var viaScale = new uint[p.PaddedDimension];
        var viaCopy = new uint[p.PaddedDimension];
        using (Prng s = TestRandom.Rng(74))
        {
            new DdgEncoder(p).Encode(x, factor, Seed, s, viaScale);
        }

        using (Prng s = TestRandom.Rng(74))
        {
            new DdgEncoder(p).Encode(copy, Seed, s, viaCopy);
        }

        Assert.Equal(viaCopy, viaScale);
        Assert.Contains(viaScale, v => v != 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DdgEncoder(p).Encode(x, double.NaN, Seed, TestRandom.Rng(1), viaScale));
    }
}
