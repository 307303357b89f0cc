using System.Numerics;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Quantize.Tests.Ddg;

public sealed class L2NormTests
{
    [Fact]
    public void TheNormMatchesAnExactSumOfSquares()
    {
        Assert.Equal(5.0, DdgEncoder.L2Norm([3f, 4f]));
        Assert.Equal(0.0, DdgEncoder.L2Norm([]));
        using var random = TestRandom.Rng(77);
        foreach (int length in new[] { 1, 3, 4, 7, 1001 })
        {
            var x = new float[length];
            for (int i = 0; i < length; i++)
            {
                // magnitudes from 2^-30 to 2^10, both signs
                x[i] = (float)((random.NextUInt64() % 2 == 0 ? 1 : -1) * Math.Pow(2, (int)(random.NextUInt64() % 40) - 30) * (1 + (random.NextUInt64() % 1000 / 1000.0)));
            }

            double exact = Math.Sqrt(ExactSumOfSquares(x));
            Assert.InRange(DdgEncoder.L2Norm(x), exact * (1 - 1e-12), exact * (1 + 1e-12));
        }
    }

    /// <summary>Σ x_i² exactly (every float is m·2^e with e ≥ −149, so x² is an integer multiple of 2^−298), then to double.</summary>
    private static double ExactSumOfSquares(float[] x)
    {
        BigInteger sum = BigInteger.Zero;
        foreach (float v in x)
        {
            int bits = BitConverter.SingleToInt32Bits(Math.Abs(v));
            int exponent = (bits >> 23) & 0xFF;
            BigInteger mantissa = exponent == 0 ? bits & 0x7FFFFF : (bits & 0x7FFFFF) | 0x800000;
            int e = (exponent == 0 ? 1 : exponent) - 150; // v = mantissa · 2^e
            sum += (mantissa * mantissa) << (2 * (e + 149));
        }

        return Math.Exp(BigInteger.Log(sum) - (298 * Math.Log(2)));
    }
}
