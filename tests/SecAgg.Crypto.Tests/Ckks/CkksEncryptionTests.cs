using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Serialization;
using static SecAgg.Crypto.Tests.Ckks.CkksTestUtil;

namespace SecAgg.Crypto.Tests.Ckks;

public sealed class CkksEncryptionTests
{
    private static readonly CkksParameters Small = CkksParameters.Create(CkksPresets.InsecureN1024ForTests);

    private sealed class SingleKey
    {
        public SingleKey(CkksParameters p, string label)
        {
            Prng = Stream(label);
            var keygen = new CkksKeyGenerator(p, Prng);
            SecretKey = keygen.SecretKey;
            Encryptor = new CkksEncryptor(p, keygen.CreatePublicKey(), Prng);
            Decryptor = new CkksDecryptor(p, SecretKey);
            Encoder = new CkksEncoder(p);
            Evaluator = new CkksEvaluator(p);
        }

        public Prng Prng { get; }

        public CkksSecretKey SecretKey { get; }

        public CkksEncryptor Encryptor { get; }

        public CkksDecryptor Decryptor { get; }

        public CkksEncoder Encoder { get; }

        public CkksEvaluator Evaluator { get; }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    public void SumsOfNEncryptedVectorsAreWithinThePredictedError(int count)
    {
        var k = new SingleKey(Small, "sum" + count);
        var expected = new double[Small.Slots];
        var cts = new List<CkksCiphertext>();
        for (int i = 0; i < count; i++)
        {
            double[] v = RandomReals(k.Prng, Small.Slots, 100.0);
            for (int j = 0; j < v.Length; j++)
            {
                expected[j] += v[j];
            }

            cts.Add(k.Encryptor.Encrypt(k.Encoder.Encode(v)));
        }

        CkksCiphertext sum = k.Evaluator.AddMany(cts);
        Assert.Equal(count, sum.SummandCount);
        CkksPlaintext plain = k.Decryptor.Decrypt(sum);
        double error = MaxError(k.Encoder.Decode(plain), expected);
        Assert.True(error <= sum.SlotErrorBound, $"error {error} > bound {sum.SlotErrorBound}");
        Assert.Equal(sum.SlotErrorBound, plain.SlotErrorBound);
        Assert.True(error >= sum.SlotErrorBound * Math.ScaleB(1, -20), $"bound {sum.SlotErrorBound} is absurdly loose for error {error}");
        // Predicted: K fresh public-key bounds (n·19 + 19 + n·19 with one ternary key).
        Assert.Equal(count * (2.0 * 19 * Small.N + 19), sum.NoiseBound, 1e-6 * sum.NoiseBound);
    }

    [Fact]
    public void AtSealParametersAFreshCiphertextDecryptsWithinItsBound()
    {
        CkksParameters p = CkksParameters.Create(CkksPresets.N8192Q140Scale40);
        var k = new SingleKey(p, "seal");
        double[] v = RandomReals(k.Prng, p.Slots, 1.0);
        CkksCiphertext ct = k.Encryptor.Encrypt(k.Encoder.Encode(v));
        CkksPlaintext plain = k.Decryptor.Decrypt(ct);
        Assert.Equal(1, plain.LimbCount); // dropped to the 60-bit prime before decrypting
        double error = MaxError(k.Encoder.Decode(plain), v);
        Assert.True(error <= ct.SlotErrorBound);
        Assert.InRange(ct.PrecisionBits, 8.0, 9.5); // the worst-case bound documented in CkksPresets (≈ 2^-8.7)
        Assert.True(-Math.Log2(error) > 20); // measured precision is far better
    }

    [Fact]
    public void DecryptingIntoADestinationEqualsTheAllocatingForm()
    {
        var k = new SingleKey(Small, "decrypt-into");
        CkksCiphertext ct = k.Encryptor.Encrypt(k.Encoder.Encode([1.0, -2.0, 3.5]));
        CkksPlaintext allocated = k.Decryptor.Decrypt(ct);
        CkksPlaintext into = k.Encoder.NewPlaintext(limbCount: allocated.LimbCount);
        k.Decryptor.Decrypt(ct, into);
        Assert.True(into.Poly.ValueEquals(allocated.Poly));
        Assert.Equal(allocated.SlotErrorBound, into.SlotErrorBound);
        CkksPlaintext top = k.Encoder.NewPlaintext(limbCount: 3);
        k.Decryptor.Decrypt(ct, top); // any level between the lowest safe one and the ciphertext's
        Assert.Equal(k.Encoder.Decode(allocated), k.Encoder.Decode(top));

        CkksCiphertext big = k.Encryptor.Encrypt(k.Encoder.Encode(Enumerable.Repeat(Math.ScaleB(1, 18), Small.Slots).ToArray()));
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => k.Decryptor.Decrypt(k.Evaluator.Add(big, big), k.Encoder.NewPlaintext(limbCount: 1))).ParamName);
    }

    [Fact]
    public void SumsAcrossLevelsLandAtTheLowerLevel()
    {
        var k = new SingleKey(Small, "levels");
        CkksCiphertext a = k.Encryptor.Encrypt(k.Encoder.Encode([1.0, 2.0]));
        CkksCiphertext b = k.Evaluator.DropLevel(k.Encryptor.Encrypt(k.Encoder.Encode([10.0, 20.0])), 2);
        CkksCiphertext sum = k.Evaluator.Add(a, b);
        Assert.Equal(2, sum.LimbCount);
        double[] got = k.Encoder.Decode(k.Decryptor.Decrypt(sum));
        Assert.True(Math.Abs(got[0] - 11) <= sum.SlotErrorBound && Math.Abs(got[1] - 22) <= sum.SlotErrorBound);
        Assert.Throws<ArgumentException>(() => k.Evaluator.AddInplace(a, b)); // a (3 limbs) above b (2)
        Assert.Equal(1, k.Evaluator.DropToLowestLevel(sum).LimbCount);
    }

    [Fact]
    public void DifferentScalesAreNotAdded()
    {
        var k = new SingleKey(Small, "scales");
        CkksCiphertext a = k.Encryptor.Encrypt(k.Encoder.Encode([1.0]));
        CkksCiphertext b = k.Encryptor.Encrypt(k.Encoder.Encode([1.0], scale: Math.ScaleB(1, 30)));
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => k.Evaluator.Add(a, b)).ParamName);
    }

    [Fact]
    public void AMessageThatNoLongerFitsTheModulusIsRefusedAtDecryption()
    {
        var k = new SingleKey(Small, "overflow");
        // Constant polynomial 2^58 at one 60-bit limb (q/2 ≈ 2^59): two of them reach q/2.
        double[] big = Enumerable.Repeat(Math.ScaleB(1, 18), Small.Slots).ToArray();
        CkksCiphertext ct = k.Encryptor.Encrypt(k.Encoder.Encode(big, limbCount: 1));
        k.Decryptor.Decrypt(ct);
        CkksCiphertext sum = k.Evaluator.Add(ct, ct);
        Assert.Throws<CkksOverflowException>(() => k.Decryptor.Decrypt(sum));
        Assert.Throws<CkksOverflowException>(() => k.Evaluator.DropToLowestLevel(sum));
    }

    [Fact]
    public void ScalarAndVectorPathsGiveIdenticalCiphertextsAndDecryptions()
    {
        byte[]? reference = null;
        double[]? decoded = null;
        foreach (SimdMode mode in TestUtil.SupportedModes())
        {
            CkksParameters p = CkksParameters.Create(CkksPresets.InsecureN1024ForTests, mode);
            var k = new SingleKey(p, "simd");
            CkksCiphertext ct = k.Encryptor.Encrypt(k.Encoder.Encode(RandomReals(Stream("simd-values"), p.Slots, 5)));
            byte[] bytes = CkksSerializer.Serialize(ct);
            double[] values = k.Encoder.Decode(k.Decryptor.Decrypt(k.Evaluator.Add(ct, ct)));
            reference ??= bytes;
            decoded ??= values;
            Assert.Equal(reference, bytes);
            Assert.Equal(decoded, values);
        }
    }

    [Fact]
    public void GridValuesRoundBackExactlyWhenTheBoundAllows()
    {
        var k = new SingleKey(Small, "grid");
        var expected = new long[Small.Slots];
        var cts = new List<CkksCiphertext>();
        for (int i = 0; i < 3; i++)
        {
            long[] ints = Enumerable.Range(0, Small.Slots).Select(j => (long)(k.Prng.NextBelow(1 << 20)) - (1 << 19)).ToArray();
            for (int j = 0; j < ints.Length; j++)
            {
                expected[j] += ints[j];
            }

            cts.Add(k.Encryptor.Encrypt(k.Encoder.Encode(ints.Select(x => (double)x).ToArray())));
        }

        CkksPlaintext plain = k.Decryptor.Decrypt(k.Evaluator.AddMany(cts));
        Assert.True(plain.RoundsExactlyToGrid(1.0));
        Assert.Equal(expected, k.Encoder.Decode(plain).Select(x => (long)Math.Round(x)));
    }

    [Fact]
    public void SecretKeysAreZeroedOnDispose()
    {
        var k = new SingleKey(Small, "dispose");
        Poly s = k.SecretKey.Poly;
        k.SecretKey.Dispose();
        Assert.All(s.Coefficients.ToArray(), c => Assert.Equal(0UL, c));
        Assert.Throws<ObjectDisposedException>(() => k.SecretKey.Poly);
    }
}
