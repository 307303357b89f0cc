using SecAgg.Quantize.Internal;

namespace SecAgg.Quantize.Tests.Ddg;

[Collection("Fwht switch")]
public sealed class FwhtTests
{
    private static double[] Naive(double[] x)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++)
            {
                // H[i, j] = (-1)^popcount(i & j)
                s += (System.Numerics.BitOperations.PopCount((uint)(i & j)) & 1) == 0 ? x[j] : -x[j];
            }

            y[i] = s;
        }

        return y;
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(4, true)]
    [InlineData(8, true)]
    [InlineData(64, true)]
    [InlineData(1024, true)]
    [InlineData(8192, true)]
    [InlineData(8192, false)]
    [InlineData(16, false)]
    public void FastTransformEqualsTheNaiveHadamardProduct(int n, bool vectors)
    {
        using var rng = TestRandom.Rng(41);
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = (rng.NextUInt32() % 2001) - 1000.0; // integers: exact in double
        double[] expected = Naive(x);
        bool saved = Fwht.UseVectors;
        try
        {
            Fwht.UseVectors = vectors;
            Fwht.Transform(x);
        }
        finally
        {
            Fwht.UseVectors = saved;
        }

        Assert.Equal(expected, x);
    }

    [Fact]
    public void TransformTwiceIsLengthTimesIdentity()
    {
        using var rng = TestRandom.Rng(42);
        var x = new double[1 << 14];
        for (int i = 0; i < x.Length; i++) x[i] = (rng.NextUInt32() % 101) - 50.0;
        var y = (double[])x.Clone();
        Fwht.Transform(y);
        Fwht.Transform(y);
        for (int i = 0; i < x.Length; i++) Assert.Equal(x[i] * x.Length, y[i]);
    }

    [Fact]
    public void NonPowerOfTwoIsRejected()
    {
        Assert.Throws<ArgumentException>(() => Fwht.Transform(new double[12]));
    }
}
