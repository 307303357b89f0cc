using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Tests.Bfv;

public sealed class BfvTests
{
    public static TheoryData<int, ulong> RoundTripCases => new()
    {
        { 4096, 1UL << 16 },
        { 4096, 65537 },
        { 4096, 2 },
        { 4096, 3 },
        { 4096, (1UL << 40) - 87 },
        { 2048, 1UL << 20 },
        { 8192, 786433 },
    };

    private static EncryptionParameters Preset(int n, ulong t) => n switch
    {
        2048 => BfvPresets.N2048Q54(t),
        4096 => BfvPresets.N4096Q109(t),
        _ => BfvPresets.N8192Q218(t),
    };

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void PublicKeyEncryptionRoundTripsIncludingZeroAndTMinusOne(int n, ulong t)
    {
        using var kit = new BfvTestKit(Preset(n, t));
        ulong[] values = kit.RandomValues();
        values[0] = 0;
        values[1] = t - 1;
        values[2] = t / 2;
        Ciphertext ct = kit.Encryptor.Encrypt(kit.Encode(values));
        Assert.Equal(values, kit.Decryptor.Decrypt(ct).Coefficients);
        Assert.True(kit.Decryptor.MeasureNoise(ct) <= ct.NoiseBound);
    }

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void SymmetricEncryptionRoundTrips(int n, ulong t)
    {
        using var kit = new BfvTestKit(Preset(n, t), seed: 7);
        ulong[] values = kit.RandomValues();
        Ciphertext ct = kit.Encryptor.EncryptSymmetric(kit.Encode(values));
        Assert.Equal(values, kit.Decryptor.Decrypt(ct).Coefficients);
        Assert.True(kit.Decryptor.MeasureNoise(ct) <= ct.NoiseBound);
        Assert.Equal(19.5, ct.NoiseBound, 6);
        kit.Encryptor.EncryptSymmetric(kit.Encode(values), ct);
        Assert.Equal(values, kit.Decryptor.Decrypt(ct).Coefficients);
    }

    [Fact]
    public void AllZeroAndAllMaximumPlaintextsRoundTrip()
    {
        using var kit = new BfvTestKit(BfvPresets.N4096Q72(1UL << 16));
        var zeros = new ulong[kit.Context.N];
        var max = Enumerable.Repeat((1UL << 16) - 1, kit.Context.N).ToArray();
        Assert.Equal(zeros, kit.Decryptor.Decrypt(kit.Encryptor.Encrypt(kit.Encode(zeros))).Coefficients);
        Assert.Equal(max, kit.Decryptor.Decrypt(kit.Encryptor.Encrypt(kit.Encode(max))).Coefficients);
    }

    [Theory]
    [InlineData(1UL << 16)]
    [InlineData(65537UL)]
    [InlineData(1000UL)]
    public void SumOfManyCiphertextsDecryptsToTheSumModT(ulong t)
    {
        using var kit = new BfvTestKit(BfvPresets.N4096Q109(t), seed: 11);
        const int count = 40;
        var expected = new ulong[kit.Context.N];
        var cts = new List<Ciphertext>();
        for (int i = 0; i < count; i++)
        {
            ulong[] v = kit.RandomValues();
            for (int j = 0; j < v.Length; j++)
            {
                expected[j] = (expected[j] + v[j]) % t;
            }

            cts.Add(kit.Encryptor.Encrypt(kit.Encode(v)));
        }

        Ciphertext sum = kit.Evaluator.AddMany(cts);
        Assert.Equal(expected, kit.Decryptor.Decrypt(sum).Coefficients);
        Assert.True(kit.Decryptor.MeasureNoise(sum) <= sum.NoiseBound);
        Assert.True(sum.NoiseBound >= count * cts[0].NoiseBound * (1 - 1e-12));

        // Pairwise Add/AddInplace agree with AddMany.
        Ciphertext acc = cts[0].Clone();
        for (int i = 1; i < count; i++)
        {
            kit.Evaluator.AddInplace(acc, cts[i]);
        }

        Assert.True(acc.C0.ValueEquals(sum.C0) && acc.C1.ValueEquals(sum.C1));
        Assert.Equal(expected, kit.Decryptor.Decrypt(kit.Evaluator.Add(acc, kit.Encryptor.Encrypt(new Plaintext(kit.Context.N)))).Coefficients);
    }

    [Fact]
    public void MeasuredNoiseNeverExceedsTheTrackedBound()
    {
        using var kit = new BfvTestKit(BfvPresets.N4096Q72(1UL << 16), seed: 12);
        Ciphertext acc = kit.Encryptor.Encrypt(kit.Encode(kit.RandomValues()));
        for (int i = 0; i < 10; i++)
        {
            Assert.True(kit.Decryptor.MeasureNoise(acc) <= acc.NoiseBound);
            kit.Evaluator.AddInplace(acc, kit.Encryptor.Encrypt(kit.Encode(kit.RandomValues())));
        }

        Ciphertext switched = kit.Evaluator.ModSwitchToNext(acc);
        Assert.True(kit.Decryptor.MeasureNoise(switched) <= switched.NoiseBound);
        Assert.True(kit.Decryptor.InvariantNoiseBudget(acc) > 0);
    }

    [Theory]
    [InlineData(1UL << 16)]
    [InlineData(65537UL)]
    public void ModulusSwitchingKeepsDecryptionCorrect(ulong t)
    {
        using var kit = new BfvTestKit(BfvPresets.N8192Q218(t), seed: 13);
        ulong[] a = kit.RandomValues(), b = kit.RandomValues();
        Ciphertext sum = kit.Evaluator.Add(kit.Encryptor.Encrypt(kit.Encode(a)), kit.Encryptor.Encrypt(kit.Encode(b)));
        ulong[] expected = a.Zip(b, (x, y) => (x + y) % t).ToArray();
        for (int limbs = 3; limbs >= 1; limbs--)
        {
            sum = kit.Evaluator.ModSwitchToNext(sum);
            Assert.Equal(limbs, sum.LimbCount);
            Assert.Equal(expected, kit.Decryptor.Decrypt(sum).Coefficients);
            Assert.True(kit.Decryptor.MeasureNoise(sum) <= sum.NoiseBound);
        }

        Assert.Throws<ArgumentException>(() => kit.Evaluator.ModSwitchToNext(sum));
        // Encrypting directly at a lower level works too.
        Ciphertext low = kit.Encryptor.Encrypt(kit.Encode(a), limbCount: 1);
        Assert.Equal(a, kit.Decryptor.Decrypt(low).Coefficients);
    }

    [Fact]
    public void SumsDecryptCorrectlyUpToThePointTheBoundForbidsAndAreRefusedBeyond()
    {
        // Insecure, tiny modulus so that the bound is reached after a few dozen additions.
        ulong t = 1UL << 16;
        var parameters = new EncryptionParameters
        {
            PolyModulusDegree = 256,
            CoeffModulus = CoeffModulus.Create(256, 36),
            PlainModulus = t,
        };
        using var kit = new BfvTestKit(parameters, seed: 14, insecure: true);
        double fresh = kit.PublicKey.FreshNoiseBound;
        int limit = (int)Math.Floor(kit.Context.NoiseCapacity(1) / fresh);
        Assert.InRange(limit, 5, 500);
        var expected = new ulong[256];
        Ciphertext? acc = null;
        for (int i = 1; i <= limit + 1; i++)
        {
            ulong[] v = kit.RandomValues();
            for (int j = 0; j < v.Length; j++)
            {
                expected[j] = (expected[j] + v[j]) % t;
            }

            Ciphertext ct = kit.Encryptor.Encrypt(kit.Encode(v));
            acc = acc is null ? ct : kit.Evaluator.Add(acc, ct);
            if (acc.IsNoiseBoundDecryptable)
            {
                Assert.Equal(expected, kit.Decryptor.Decrypt(acc).Coefficients);
            }
            else
            {
                Assert.Throws<NoiseBoundExceededException>(() => kit.Decryptor.Decrypt(acc));
            }
        }

        Assert.False(acc!.IsNoiseBoundDecryptable);
    }

    [Fact]
    public void InsecureParametersAreRefusedWithoutTheFlag()
    {
        var tooBig = new EncryptionParameters
        {
            PolyModulusDegree = 4096,
            CoeffModulus = CoeffModulus.Create(4096, 55, 55),
            PlainModulus = 65537,
        };
        var ex = Assert.Throws<ArgumentException>(() => new BfvContext(tooBig));
        Assert.Contains("109", ex.Message);
        Assert.False(new BfvContext(tooBig, allowInsecureParametersForTesting: true).IsSecure);
        var tiny = tooBig with { PolyModulusDegree = 256, CoeffModulus = CoeffModulus.Create(256, 30) };
        Assert.Throws<ArgumentException>(() => new BfvContext(tiny));
        Assert.True(new BfvContext(BfvPresets.N4096Q109(65537)).IsSecure);
        Assert.True(new BfvContext(BfvPresets.N16384Q438(65537)).IsSecure);
    }

    [Fact]
    public void InvalidParametersAreRejectedWithClearErrors()
    {
        EncryptionParameters good = BfvPresets.N4096Q72(1 << 16);
        Assert.Throws<ArgumentException>(() => new BfvContext(good with { PlainModulus = 1 }));
        Assert.Throws<ArgumentException>(() => new BfvContext(good with { PlainModulus = good.CoeffModulus[1] }));
        Assert.Throws<ArgumentException>(() => new BfvContext(good with { CoeffModulus = [] }));
        Assert.Throws<ArgumentException>(() => new BfvContext(good with { PolyModulusDegree = 3000 }));
        Assert.Throws<ArgumentException>(() => new BfvContext(good with { CoeffModulus = [good.CoeffModulus[0], good.CoeffModulus[0]] }));
    }

    [Fact]
    public void MismatchedObjectsAreRejected()
    {
        using var a = new BfvTestKit(BfvPresets.N4096Q72(1 << 16));
        using var b = new BfvTestKit(BfvPresets.N4096Q72(65537));
        Ciphertext ct = a.Encryptor.Encrypt(a.Encode(a.RandomValues()));
        Assert.Throws<ArgumentException>(() => b.Decryptor.Decrypt(ct));
        Assert.Throws<ArgumentException>(() => b.Evaluator.AddInplace(ct, ct));
        Ciphertext low = a.Evaluator.ModSwitchToNext(ct);
        Assert.Throws<ArgumentException>(() => a.Evaluator.Add(ct, low));
        Assert.Throws<ArgumentException>(() => a.Encoder.Encode(new ulong[] { 1UL << 16 }));
        Ciphertext other = a.Encryptor.Encrypt(a.Encode(a.RandomValues()));
        Assert.Throws<ArgumentException>(() => a.Evaluator.AddMany([ct, other], other));
        Assert.Throws<ArgumentException>(() => a.Evaluator.AddMany([]));
        Assert.Throws<ArgumentException>(() => a.Encoder.Encode(new ulong[a.Context.N + 1]));
    }

    [Fact]
    public void SignedEncodingWrapsModT()
    {
        using var kit = new BfvTestKit(BfvPresets.N4096Q72(1000));
        var p = new Plaintext(kit.Context.N);
        kit.Encoder.Encode(new long[] { -1, 1, -1000, -1001, 499, -500 }, p);
        Assert.Equal(new ulong[] { 999, 1, 0, 999, 499, 500 }, p.Coefficients.Take(6).ToArray());
        var signed = new long[6];
        kit.Encoder.DecodeSigned(kit.Decryptor.Decrypt(kit.Encryptor.Encrypt(p)), signed);
        Assert.Equal(new long[] { -1, 1, 0, -1, 499, -500 }, signed);
    }

    [Fact]
    public void SecretKeyIsZeroedOnDispose()
    {
        var kit = new BfvTestKit(BfvPresets.N4096Q72(1 << 16));
        Poly s = kit.SecretKey.Poly;
        Assert.Contains(s.Coefficients.ToArray(), v => v != 0);
        kit.SecretKey.Dispose();
        Assert.All(s.Coefficients.ToArray(), v => Assert.Equal(0UL, v));
        Assert.Throws<ObjectDisposedException>(() => kit.SecretKey.Poly);
        kit.Dispose();
    }

    [Fact]
    public void ScalarAndVectorPathsProduceIdenticalCiphertexts()
    {
        Ciphertext? reference = null;
        foreach (SimdMode mode in TestUtil.SupportedModes())
        {
            using var kit = new BfvTestKit(BfvPresets.N4096Q109(1UL << 16), seed: 21, simd: mode);
            ulong[] values = kit.RandomValues();
            Ciphertext ct = kit.Encryptor.Encrypt(kit.Encode(values));
            Assert.Equal(values, kit.Decryptor.Decrypt(ct).Coefficients);
            if (reference is null)
            {
                reference = ct;
            }
            else
            {
                Assert.True(reference.C0.ValueEquals(ct.C0) && reference.C1.ValueEquals(ct.C1), mode.ToString());
            }
        }
    }

    [Fact]
    public void CollectiveStyleKeyBoundsScaleTheFreshNoiseBound()
    {
        using var kit = new BfvTestKit(BfvPresets.N4096Q72(1 << 16));
        var collective = new PublicKey(kit.Context, kit.PublicKey.P0, kit.PublicKey.P1, secretNormBound: 10, errorNormBound: 190);
        double n = kit.Context.N;
        Assert.Equal((n * 190) + 19 + (n * 19 * 10) + 0.5, collective.FreshNoiseBound, 6);
        Assert.Throws<ArgumentException>(() => new PublicKey(kit.Context, kit.PublicKey.P0.CloneLimbs(1), kit.PublicKey.P1, 1, 19));
    }
}
