using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Ddg;
using SecAgg.Quantize.Internal;

namespace SecAgg.Quantize.Tests.Ddg;

[Collection("Fwht switch")]
public sealed class DdgPipelineTests
{
    private static readonly byte[] Seed = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();

    private static float[] RandomVector(Prng rng, int d, double norm)
    {
        var x = new double[d];
        double s = 0;
        for (int i = 0; i < d; i++)
        {
            // sum of uniforms: roughly Gaussian, heavy on some coordinates to test the rotation
            x[i] = ((rng.NextUInt32() / 4294967296.0) - 0.5) * (i % 17 == 0 ? 10 : 1);
            s += x[i] * x[i];
        }

        return x.Select(v => (float)(v * norm / Math.Sqrt(s))).ToArray();
    }

    [Theory]
    [InlineData(5, 1000, 16, 0.5)]
    [InlineData(3, 3000, 14, 0.2)]   // 3000 pads with blocks of 1024
    [InlineData(20, 256, 16, 1.0)]
    public void DecodedSumStaysWithinTheTheoreticalError(int n, int d, int bits, double z)
    {
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = bits, ExpectedParticipants = n, Dimension = d, ClipNorm = 1, NoiseMultiplier = z });
        var enc = new DdgEncoder(p);
        var dec = new DdgDecoder(p);
        using var data = TestRandom.Rng(51);
        using var secret = TestRandom.Rng(52);
        var sum = new ulong[p.PaddedDimension];
        var truth = new double[d];
        var coeffs = new ulong[p.PaddedDimension];
        for (int c = 0; c < n; c++)
        {
            float[] x = RandomVector(data, d, 0.9);
            var report = enc.Encode(x, Seed, secret, coeffs);
            Assert.Equal(1.0, report.ClipFactor);
            for (int i = 0; i < d; i++) truth[i] += x[i];
            for (int i = 0; i < coeffs.Length; i++)
            {
                Assert.True(coeffs[i] < p.Modulus);
                sum[i] = (sum[i] + coeffs[i]) & (p.Modulus - 1);
            }
        }

        var decoded = new float[d];
        dec.Decode(sum, Seed, 1.0, decoded);
        double err2 = 0;
        for (int i = 0; i < d; i++) err2 += Math.Pow(decoded[i] - truth[i], 2);
        // E||err||^2 <= gamma^2 * paddedD * n * (sigma_int^2 + 1/4); allow 30% (d >= 256 makes it concentrate)
        double expected = p.Gamma * p.Gamma * p.PaddedDimension * n * (p.NoiseVariance + 0.25);
        Assert.True(err2 <= 1.3 * expected * d / p.PaddedDimension + 1e-12, $"error^2 {err2:G4} vs expected {expected:G4}");
        // and the noise is really there: at least 70% of its expected energy on the first d coordinates
        Assert.True(err2 >= 0.7 * p.Gamma * p.Gamma * d * n * p.NoiseVariance, $"error^2 {err2:G4} is too small: no noise?");
    }

    [Fact]
    public void MeanDividesByTheParticipants()
    {
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 4, Dimension = 512, NoiseMultiplier = 0.05 });
        var enc = new DdgEncoder(p);
        var dec = new DdgDecoder(p);
        using var secret = TestRandom.Rng(53);
        using var data = TestRandom.Rng(54);
        float[] x = RandomVector(data, 512, 0.5);
        var sum = new ulong[p.PaddedDimension];
        for (int c = 0; c < 4; c++)
        {
            ulong[] e = enc.Encode(x, Seed, secret);
            for (int i = 0; i < sum.Length; i++) sum[i] += e[i];
        }

        float[] mean = dec.DecodeMean(sum, Seed, 4);
        double err = Math.Sqrt(mean.Zip(x, (a, b) => (double)(a - b) * (a - b)).Sum());
        double bound = 4 * p.Gamma * Math.Sqrt(512 * 4 * (p.NoiseVariance + 0.25)) / 4;
        Assert.True(err < bound, $"error {err} >= {bound}");
    }

    [Fact]
    public void ClippingScalesLargeUpdatesToTheClipNorm()
    {
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 24, ExpectedParticipants = 1, Dimension = 2048, ClipNorm = 2, NoiseMultiplier = 0.001 });
        var enc = new DdgEncoder(p);
        var dec = new DdgDecoder(p);
        using var secret = TestRandom.Rng(55);
        using var data = TestRandom.Rng(56);
        float[] x = RandomVector(data, 2048, 50);
        var coeffs = new ulong[p.PaddedDimension];
        var report = enc.Encode(x, Seed, secret, coeffs);
        Assert.Equal(50, report.InputNorm, 3);
        Assert.Equal(2.0 / 50, report.ClipFactor, 6);
        var y = new float[2048];
        dec.Decode(coeffs, Seed, 1, y);
        double norm = Math.Sqrt(y.Sum(v => (double)v * v));
        Assert.InRange(norm, 1.95, 2.05);
        // direction kept: cosine with x close to 1
        double dot = y.Zip(x, (a, b) => (double)a * b).Sum();
        Assert.True(dot / (norm * 50) > 0.99);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RandomizedRoundingIsUnbiasedAndChecksTheNormExactly(bool vectors)
    {
        bool saved = RandomizedRounding.UseVectors;
        RandomizedRounding.UseVectors = vectors;
        try
        {
            using var rng = TestRandom.Rng(57);
            double[] w = [0.25, -1.75, 3.0, -0.5, 1e-3, 7.5, -2.125];
            var acc = new double[w.Length];
            var dest = new long[w.Length];
            const int N = 50_000;
            for (int t = 0; t < N; t++)
            {
                double approx = RandomizedRounding.Round(w, dest, rng);
                long exact = dest.Sum(v => v * v);
                Assert.Equal(exact, approx);
                for (int i = 0; i < w.Length; i++)
                {
                    Assert.True(dest[i] == Math.Floor(w[i]) || dest[i] == Math.Floor(w[i]) + 1);
                    acc[i] += dest[i];
                }
            }

            for (int i = 0; i < w.Length; i++) Assert.InRange(acc[i] / N, w[i] - 0.01, w[i] + 0.01); // sd <= 0.0023
            // the exact comparison at the boundary: [3, 4] has squared norm 25
            long[] d2 = new long[2];
            Assert.True(RandomizedRounding.RoundWithin([3.0, 4.0], d2, rng, 25));
            Assert.False(RandomizedRounding.RoundWithin([3.0, 4.0], d2, rng, 24));
        }
        finally
        {
            RandomizedRounding.UseVectors = saved;
        }
    }

    [Theory]
    [InlineData(1000.0)]
    [InlineData(1e17)] // lanes at and beyond 2^51 too: the vector path's fast integer conversion must hand them over
    public void VectorAndScalarRoundingAgreeBitForBit(double range)
    {
        var w = new double[1003];
        using (var g = TestRandom.Rng(65)) for (int i = 0; i < w.Length; i++) w[i] = ((g.NextUInt32() / 4294967296.0) - 0.5) * range;
        w[0] = 2251799813685248.0 - 0.5; // just below 2^51
        w[1] = -2251799813685248.0;
        var a = new long[w.Length];
        var b = new long[w.Length];
        bool saved = RandomizedRounding.UseVectors;
        try
        {
            RandomizedRounding.UseVectors = true;
            using (var r = TestRandom.Rng(66)) RandomizedRounding.Round(w, a, r);
            RandomizedRounding.UseVectors = false;
            using (var r = TestRandom.Rng(66)) RandomizedRounding.Round(w, b, r);
        }
        finally
        {
            RandomizedRounding.UseVectors = saved;
        }

        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.3)] // x_i = (float)(update_i·0.3): the rounding to float happens in the vector path too
    public void VectorAndScalarSignScalingAgreeBitForBit(double inputScale)
    {
        var x = new float[1003]; // not a multiple of 8: the scalar tail runs as well
        var signs = new byte[(x.Length + 7) / 8];
        using (var g = TestRandom.Rng(67))
        {
            for (int i = 0; i < x.Length; i++) x[i] = (float)(((g.NextUInt32() / 4294967296.0) - 0.5) * 1000);
            g.Fill(signs);
        }

        var a = new double[x.Length];
        var b = new double[x.Length];
        bool saved = SignScaling.UseVectors;
        try
        {
            SignScaling.UseVectors = true;
            SignScaling.Apply(x, inputScale, 0.0123, signs, a);
            SignScaling.UseVectors = false;
            SignScaling.Apply(x, inputScale, 0.0123, signs, b);
        }
        finally
        {
            SignScaling.UseVectors = saved;
        }

        Assert.Equal(b.Select(BitConverter.DoubleToInt64Bits), a.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal((double)(float)(x[8] * inputScale) * 0.0123 * (((signs[1] & 1) == 0) ? 1 : -1), b[8]);
        Assert.Contains(a, v => v < 0);
        Assert.Contains(a, v => v > 0);
    }

    [Fact]
    public void NormBoundMatchesTheFormula()
    {
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 10, Dimension = 4096, NoiseMultiplier = 1, Beta = Math.Exp(-0.5) });
        double c = 1 / p.Gamma, d = 4096;
        double expected = Math.Min(c + Math.Sqrt(d), Math.Sqrt((c * c) + (d / 4) + (Math.Sqrt(2 * 0.5) * (c + (Math.Sqrt(d) / 2)))));
        Assert.Equal(expected, p.NormBound, 9);
        var p0 = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 10, Dimension = 4096, NoiseMultiplier = 1, Beta = 0 });
        Assert.Equal((1 / p0.Gamma) + 64, p0.NormBound, 9);
    }

    [Fact]
    public void GammaFollowsTheClosedFormOfPrivacyMd()
    {
        // b = 16, n = 100, d = 2^20, c = 1, z = 1, k = 3.89 (TFF's modclip 1e-4): 1/gamma ~ 8382, sigma_int ~ 838
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 100, Dimension = 1 << 20, ClipNorm = 1, NoiseMultiplier = 1, HeadroomStddevs = 3.89 });
        Assert.InRange(1 / p.Gamma, 8380, 8390);
        Assert.InRange(p.SigmaInt, 838, 839);
        Assert.Equal(1 << 20, p.PaddedDimension);
        Assert.Equal(0.1, p.SigmaLocal, 12);
    }

    [Theory]
    [InlineData(1000, 1024, 1024)]
    [InlineData(3000, 1024, 3072)]
    [InlineData(1 << 20, 1 << 20, 1 << 20)]
    [InlineData((1 << 20) + 1, 1 << 16, (1 << 20) + (1 << 16))]
    [InlineData(10_000_000, 1 << 20, 10 << 20)]
    public void RotationBlocksBoundThePadding(int d, int block, int padded)
    {
        var (b, pd) = DdgParameters.Layout(d, 20);
        Assert.Equal(block, b);
        Assert.Equal(padded, pd);
        Assert.True(pd - d <= Math.Max(d / 16, 1023));
    }

    [Fact]
    public void WrapAroundLiftsToTheCenteredRange()
    {
        Assert.Equal(127, SecAgg.Quantize.Ddg.DdgDecoder.CenteredLift(127, 8));
        Assert.Equal(-128, SecAgg.Quantize.Ddg.DdgDecoder.CenteredLift(128, 8));
        Assert.Equal(-1, SecAgg.Quantize.Ddg.DdgDecoder.CenteredLift(255, 8));
        Assert.Equal(0, SecAgg.Quantize.Ddg.DdgDecoder.CenteredLift(256, 8)); // high bits ignored
        Assert.Equal(-(1L << 61), SecAgg.Quantize.Ddg.DdgDecoder.CenteredLift(1UL << 61, 62));
    }

    [Fact]
    public void SumsThatWrapModTwoToTheBDecodeCorrectly()
    {
        // b = 12: negative coordinates become residues near 2^12 and running sums wrap; the total stays within +-2^11
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 12, ExpectedParticipants = 8, Dimension = 64, NoiseMultiplier = 0.5 });
        var enc = new DdgEncoder(p);
        var dec = new DdgDecoder(p);
        using var secret = TestRandom.Rng(58);
        var x = new float[64];
        x[0] = 1; // all mass on one coordinate: the rotation spreads it to +-C/sqrt(64) everywhere
        var sum = new ulong[p.PaddedDimension];
        bool wrapped = false;
        for (int c = 0; c < 8; c++)
        {
            ulong[] e = enc.Encode(x, Seed, secret);
            for (int i = 0; i < sum.Length; i++)
            {
                wrapped |= e[i] >= p.Modulus / 2; // negative integers became large residues
                sum[i] = (sum[i] + e[i]) % p.Modulus;
            }
        }

        Assert.True(wrapped);
        float[] mean = dec.DecodeMean(sum, Seed, 8);
        Assert.InRange(mean[0], 0.8, 1.2);
        for (int i = 1; i < 64; i++) Assert.InRange(mean[i], -0.2, 0.2);
    }

    [Fact]
    public void UintAndUlongOutputsAgreeForTheSameRandomness()
    {
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 2, Dimension = 300, NoiseMultiplier = 1 });
        var enc = new DdgEncoder(p);
        using var data = TestRandom.Rng(59);
        float[] x = RandomVector(data, 300, 0.7);
        var a = new ulong[p.PaddedDimension];
        var b = new uint[p.PaddedDimension];
        using (var r = TestRandom.Rng(60)) enc.Encode(x, Seed, r, a);
        using (var r = TestRandom.Rng(60)) enc.Encode(x, Seed, r, b);
        Assert.Equal(a, b.Select(v => (ulong)v).ToArray());
        var dec = new DdgDecoder(p);
        var ya = new float[300];
        var yb = new float[300];
        dec.Decode(a, Seed, 1, ya);
        dec.Decode(b, Seed, 1, yb);
        Assert.Equal(ya, yb);
    }

    [Fact]
    public void ParallelNoiseGivesTheSameCoefficientsAsSerialForAFixedStream()
    {
        // z = 0.02: the decoded noise per coordinate is sigma_local = z·c/√n ≈ 0.014, so 0.5 ± 0.2 is ±14σ
        // (with z = 1 it would be ±0.7 and the range below would hold only by the luck of the seed)
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 2, Dimension = 200_000, NoiseMultiplier = 0.02 });
        var enc = new DdgEncoder(p) { DegreeOfParallelism = 2 };
        var x = new float[200_000];
        x[5] = 0.5f;
        ulong[] a, b;
        using (var r = TestRandom.Rng(61)) a = enc.Encode(x, Seed, r);
        enc.DegreeOfParallelism = 1;
        using (var r = TestRandom.Rng(61)) b = enc.Encode(x, Seed, r);
        Assert.NotEqual(a, b); // serial uses the stream directly, parallel its forks
        var dec = new DdgDecoder(p);
        float[] ya = dec.DecodeMean(a, Seed, 1), yb = dec.DecodeMean(b, Seed, 1);
        Assert.InRange(ya[5], 0.3, 0.7);
        Assert.InRange(yb[5], 0.3, 0.7);
    }

    [Fact]
    public void SteadyStateEncodeAndDecodeDoNotAllocate()
    {
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 10, Dimension = 5000, NoiseMultiplier = 1 });
        var enc = new DdgEncoder(p);
        var dec = new DdgDecoder(p);
        using var secret = TestRandom.Rng(62);
        var x = new float[5000];
        x[0] = 0.3f;
        var coeffs = new ulong[p.PaddedDimension];
        var y = new float[5000];
        enc.Encode(x, Seed, secret, coeffs);
        dec.Decode(coeffs, Seed, 1, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            enc.Encode(x, Seed, secret, coeffs);
            dec.Decode(coeffs, Seed, 1, y);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void DecodingWithAnotherRoundSeedFlipsSigns()
    {
        // R = H D / sqrt(s): decoding with signs D' gives D' D x, so a wrong seed flips about half the coordinates.
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 1, Dimension = 256, NoiseMultiplier = 0.01 });
        var enc = new DdgEncoder(p);
        var dec = new DdgDecoder(p);
        var x = new float[256];
        for (int i = 0; i < 64; i++) x[i] = 0.125f; // norm 1
        var other = (byte[])Seed.Clone();
        other[0] ^= 1;
        using var secret = TestRandom.Rng(63);
        ulong[] e = enc.Encode(x, Seed, secret);
        float[] right = dec.DecodeMean(e, Seed, 1), wrong = dec.DecodeMean(e, other, 1);
        Assert.InRange(right.Take(64).Sum(), 7.5, 8.5);
        int flipped = wrong.Take(64).Count(v => v < 0);
        Assert.InRange(flipped, 16, 48);
    }

    [Theory]
    [InlineData("Bits", 1, 10, 1.0, 4.0)]
    [InlineData("Bits", 3, 10, 1.0, 4.0)]     // 2^3 < 10 participants
    [InlineData("Bits", 7, 200, 1.0, 4.0)]    // 2^7 < 200 participants
    [InlineData("Bits", 4, 4, 1.0, 9.0)]      // 2^8 < 4 * 81
    [InlineData("NoiseMultiplier", 16, 10, 0.0, 4.0)]
    [InlineData("NoiseMultiplier", 4, 4, 0.001, 1.0)] // sigma_int < 1/2
    [InlineData("HeadroomStddevs", 16, 10, 1.0, -1.0)]
    public void InvalidKnobsAreNamedInTheException(string knob, int bits, int n, double z, double k)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => DdgParameters.Create(new DdgParameterLiteral { Bits = bits, ExpectedParticipants = n, Dimension = 100, NoiseMultiplier = z, HeadroomStddevs = k }));
        Assert.Equal(knob, ex.ParamName);
        Assert.Contains(knob, ex.Message);
    }

    [Fact]
    public void EncoderRejectsWrongLengthsAndNonFiniteInput()
    {
        var p = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 2, Dimension = 10, NoiseMultiplier = 1 });
        var enc = new DdgEncoder(p);
        using var r = TestRandom.Rng(64);
        Assert.Equal("update", Assert.Throws<ArgumentException>(() => enc.Encode(new float[9], Seed, r)).ParamName);
        var bad = new float[10];
        bad[2] = float.NaN;
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => enc.Encode(bad, Seed, r)).Message);
        Assert.Equal("roundSeed", Assert.Throws<ArgumentException>(() => enc.Encode(new float[10], new byte[16], r)).ParamName);
        Assert.Throws<ArgumentException>(() => enc.Encode(new float[10], Seed, r, new ulong[3]));
        var dec = new DdgDecoder(p);
        Assert.Equal("divisor", Assert.Throws<ArgumentOutOfRangeException>(() => dec.Decode(new ulong[p.PaddedDimension], Seed, 0, new float[10])).ParamName);
    }

    [Fact]
    public void TensorLayoutFlattensInOrderAndRoundTrips()
    {
        var layout = new TensorLayout([new TensorSpec("w", [2, 3]), new TensorSpec("b", [2])]);
        Assert.Equal(8, layout.TotalLength);
        var flat = new float[8];
        layout.Flatten(new Dictionary<string, float[]> { ["b"] = [7, 8], ["w"] = [1, 2, 3, 4, 5, 6] }, flat);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, flat);
        var back = layout.Unflatten(flat);
        Assert.Equal(new float[] { 7, 8 }, back["b"]);
        var ex = Assert.Throws<ArgumentException>(() => layout.Flatten(new Dictionary<string, float[]> { ["b"] = [7], ["w"] = new float[6] }, flat));
        Assert.Contains("'b'", ex.Message);
        Assert.Throws<ArgumentException>(() => new TensorLayout([new TensorSpec("a", [1]), new TensorSpec("a", [2])]));
    }
}
