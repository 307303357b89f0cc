using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Ring.Sampling;

/// <summary>
/// Known answers of the guided exact sampler, recorded from the implementation before its fill loop was rewritten
/// (main 77f6641): SHA-256 of the little-endian draws of <see cref="ExactDiscreteGaussianSampler.Fill"/>,
/// <see cref="ExactDiscreteGaussianSampler.AddTo"/> and <see cref="ExactDiscreteGaussianSampler.Sample"/> on fixed seeds.
/// The draws are a function of the seed alone, so any rewrite of the search must reproduce them bit for bit (ties
/// included: the 8-bit case resolves thousands of them through the exact slow path, which consumes further words).
/// </summary>
public sealed class ExactSamplerKnownAnswerTests
{
    private const int Length = 300_001; // not a multiple of the 256-draw batch

    [Theory]
    [InlineData(1, 1, 64, 31, "7732906907d18bc80b051891597e0b2ed475bfce5ce7dc4e1849a465be1a6223")]
    [InlineData(225, 2, 64, 32, "8d923a4fc3c453edb1ff3ec957e5b1ce9d1d4e1a3f16c4bc028172dcd709dd02")]
    [InlineData(1000000, 1, 64, 33, "20afd90e08e8b45977d7424f5c3171263a3ada494dc1fce41cf52b1d64baef28")]
    [InlineData(100000000, 1, 64, 34, "d10470e984512c029579646b68f1330bb1935a17f759473d56cba6f0381e48b8")]
    [InlineData(5, 2, 8, 35, "2ef0a956935e1c30e31419fb1d784bb0b0ed8dc591203fe6f6494a33cc4429bf")]
    [InlineData(50, 1, 8, 36, "63dbd0f465b8a39289e110ca18b05314ee7fae4ed3af04067a381db574b49cb1")]
    public void FillReproducesTheRecordedDraws(long num, long den, int wordBits, byte seed, string expected)
    {
        var sampler = wordBits == 64 ? ExactDiscreteGaussianSampler.Create(num, den) : ExactDiscreteGaussianSampler.Create(num, den, wordBits);
        var draws = new long[Length];
        using (var rng = Stats.Rng(seed))
        {
            sampler.Fill(draws, rng);
        }

        Assert.Equal(expected, Digest(draws));
    }

    [Theory]
    [InlineData(1000000, 1, 64, 41, "9832a810edc760c2d84a2919fc4e6a57fd97d3274dd15dbc8996fc92029ed652")]
    [InlineData(5, 2, 8, 42, "776bc4e417ea383c25d7e53e30147233d8f2cf055ddcab1fc44a51c05aa6825b")]
    public void AddToAndSampleReproduceTheRecordedDraws(long num, long den, int wordBits, byte seed, string expected)
    {
        var sampler = wordBits == 64 ? ExactDiscreteGaussianSampler.Create(num, den) : ExactDiscreteGaussianSampler.Create(num, den, wordBits);
        var values = new long[Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = i - 1000;
        }

        using (var rng = Stats.Rng(seed))
        {
            sampler.AddTo(values, rng);
            for (int i = 0; i < 1000; i++)
            {
                values[i] += sampler.Sample(rng);
            }
        }

        Assert.Equal(expected, Digest(values));
    }

    private static string Digest(long[] values) =>
        Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan()))).ToLowerInvariant();
}
