using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Ddg;
using SecAgg.Quantize.Internal;

namespace SecAgg.Quantize.Tests.Ddg;

/// <summary>
/// Above <see cref="DdgEncoder.MaxSegment"/> padded coordinates the encoder runs in two passes over segments (a bit per
/// coordinate kept between them, the rotation computed twice) instead of holding the whole rotated vector: for the same
/// randomness it must give exactly the coefficients of the one-buffer encoding, rounding retries included.
/// </summary>
[Collection("Fwht switch")]
public sealed class DdgSegmentedEncodingTests
{
    private static readonly byte[] Seed = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 1))];

    /// <summary>
    /// d = 200,000: Hadamard blocks of 8192, 204,800 padded, so segments of 2^16 (the last one 8192 long); d = 3000:
    /// blocks of 1024, 3072 padded, one short segment, and with this β the norm check often redraws the rounding.
    /// </summary>
    private static DdgParameters Parameters(int d) => DdgParameters.Create(new DdgParameterLiteral
    {
        Bits = 16, ExpectedParticipants = 5, Dimension = d, ClipNorm = 1, NoiseMultiplier = 0.7, Beta = 0.6,
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

    [Theory]
    [InlineData(200_000, 1)]
    [InlineData(200_000, 2)]
    [InlineData(3000, 1)]
    [InlineData(3000, 2)]
    public void SegmentedEncodingGivesTheOneBufferCoefficientsForTheSameStream(int d, int degreeOfParallelism)
    {
        DdgParameters p = Parameters(d);
        var whole = new DdgEncoder(p) { DegreeOfParallelism = degreeOfParallelism, SegmentLimit = int.MaxValue };
        var segmented = new DdgEncoder(p) { DegreeOfParallelism = degreeOfParallelism, SegmentLimit = 1024 };
        Assert.Equal(p.PaddedDimension, whole.SegmentLength);
        Assert.Equal(1 << 16, segmented.SegmentLength);
        using Prng data = TestRandom.Rng(81);
        int retried = 0;
        for (int k = 0; k < 8; k++)
        {
            float[] x = Vector(data, p.Dimension, k % 2 == 0 ? 0.01 : 0.2);
            var a = new uint[p.PaddedDimension];
            var b = new uint[p.PaddedDimension];
            DdgEncodeReport ra, rb;
            using (Prng r = TestRandom.Rng((byte)(90 + k)))
            {
                ra = whole.Encode(x, 0.9, Seed, r, a);
            }

            using (Prng r = TestRandom.Rng((byte)(90 + k)))
            {
                rb = segmented.Encode(x, 0.9, Seed, r, b);
            }

            Assert.Equal(ra, rb);
            Assert.True(a.AsSpan().SequenceEqual(b), $"encoding {k}: the segmented coefficients differ from the one-buffer ones");
            retried += ra.RoundingAttempts > 1 ? 1 : 0;
        }

        if (d == 3000)
        {
            Assert.True(retried > 0, "no rounding retry: the test no longer covers a redrawn segmented pass");
        }
    }

    [Fact]
    public void SegmentedEncodingDecodesToTheUpdate()
    {
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 2, Dimension = 200_000, NoiseMultiplier = 0.02 });
        var enc = new DdgEncoder(p) { DegreeOfParallelism = 2, SegmentLimit = 1 << 16 };
        var x = new float[p.Dimension];
        x[5] = 0.5f;
        x[199_999] = -0.25f;
        var coefficients = new ulong[p.PaddedDimension];
        using (Prng r = TestRandom.Rng(63))
        {
            enc.Encode(x, Seed, r, coefficients);
        }

        float[] y = new DdgDecoder(p).DecodeMean(coefficients, Seed, 1);
        Assert.InRange(y[5], 0.3, 0.7);
        Assert.InRange(y[199_999], -0.45, -0.05);
        Assert.InRange(y[100_000], -0.2, 0.2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RoundingToBitsMakesTheDecisionsOfTheRoundingToIntegers(bool vectors)
    {
        bool saved = RandomizedRounding.UseVectors;
        RandomizedRounding.UseVectors = vectors;
        try
        {
            using Prng data = TestRandom.Rng(64);
            double[] w = [.. Enumerable.Range(0, 4096).Select(i => ((data.NextUInt32() / 4294967296.0) - 0.5) * 40.0 * (i % 17 == 0 ? 100 : 1))];
            w[3] = 2.0; // integers round to themselves
            w[4] = -7.0;
            var expected = new long[w.Length];
            var bits = new byte[w.Length / 8];
            var rebuilt = new long[w.Length];
            double a, b;
            using (Prng r = TestRandom.Rng(65))
            {
                a = RandomizedRounding.Round(w, expected, r);
            }

            using (Prng r = TestRandom.Rng(65))
            {
                b = RandomizedRounding.RoundToBits(w, bits, r);
            }

            RandomizedRounding.ApplyBits(w, bits, rebuilt);
            Assert.Equal(expected, rebuilt);
            Assert.Equal((double)RandomizedRounding.ExactSumOfSquares(expected), b, 1e-9 * b);
            Assert.Equal(a, b, 1e-9 * a);
            Assert.Equal(2, rebuilt[3]);
            Assert.Equal(-7, rebuilt[4]);
        }
        finally
        {
            RandomizedRounding.UseVectors = saved;
        }
    }

    [Fact]
    public void RoundingToBitsRefusesLengthsItCannotPack()
    {
        using Prng r = TestRandom.Rng(66);
        Assert.Throws<ArgumentException>(() => RandomizedRounding.RoundToBits(new double[12], new byte[1], r));
        Assert.Throws<ArgumentException>(() => RandomizedRounding.ApplyBits(new double[16], new byte[1], new long[16]));
    }
}
