using System.Numerics;
using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Bfv;

public sealed class EncoderTests
{
    public static TheoryData<int, ulong> Cases => new()
    {
        { (int)SimdMode.Scalar, 1UL << 16 },
        { (int)SimdMode.Vector512, 1UL << 16 },
        { (int)SimdMode.Scalar, 65537 },
        { (int)SimdMode.Vector512, 65537 },
        { (int)SimdMode.Vector512, 3 },
        { (int)SimdMode.Scalar, (1UL << 35) + 1 },
        { (int)SimdMode.Vector512, (1UL << 35) + 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodePhaseEqualsBigIntegerRounding(int modeValue, ulong t)
    {
        var mode = (SimdMode)modeValue;
        if (!SimdModes.IsSupported(mode))
        {
            return;
        }

        var parameters = new EncryptionParameters { PolyModulusDegree = 1024, CoeffModulus = CoeffModulus.Create(1024, 50, 40, 60), PlainModulus = t };
        var context = new BfvContext(parameters, true, mode);
        var encoder = new CoefficientEncoder(context);
        using Prng prng = Prng.ForTesting(t);
        for (int limbs = 1; limbs <= 3; limbs++)
        {
            Poly phase = context.Ring.NewPoly(limbs);
            UniformSampler.Sample(prng, context.Ring, phase);
            phase.IsNtt = false;
            var plain = new Plaintext(1024);
            encoder.DecodePhase(phase, plain);
            BigInteger q = context.Ring.ModulusAt(limbs);
            BigInteger[] v = context.Ring.ToBigIntegers(phase);
            for (int j = 0; j < 1024; j++)
            {
                BigInteger expected = ((2 * t * v[j]) + q) / (2 * q) % t;
                Assert.Equal((ulong)expected, plain.Coefficients[j]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AddScaledAddsRoundedQTimesMOverT(int modeValue, ulong t)
    {
        var mode = (SimdMode)modeValue;
        if (!SimdModes.IsSupported(mode))
        {
            return;
        }

        var parameters = new EncryptionParameters { PolyModulusDegree = 1024, CoeffModulus = CoeffModulus.Create(1024, 50, 40, 60), PlainModulus = t };
        var context = new BfvContext(parameters, true, mode);
        var encoder = new CoefficientEncoder(context);
        using Prng prng = Prng.ForTesting(t + 1);
        var plain = new Plaintext(1024);
        for (int j = 0; j < 1024; j++)
        {
            plain.Coefficients[j] = prng.NextBelow(t);
        }

        plain.Coefficients[0] = t - 1;
        for (int limbs = 1; limbs <= 3; limbs++)
        {
            Poly start = context.Ring.NewPoly(limbs);
            UniformSampler.Sample(prng, context.Ring, start);
            start.IsNtt = false;
            Poly result = start.Clone();
            encoder.AddScaled(plain, result);
            BigInteger q = context.Ring.ModulusAt(limbs);
            BigInteger[] before = context.Ring.ToBigIntegers(start), after = context.Ring.ToBigIntegers(result);
            for (int j = 0; j < 1024; j++)
            {
                BigInteger scaled = ((2 * q * plain.Coefficients[j]) + t) / (2 * t); // round half up
                Assert.Equal((before[j] + scaled) % q, after[j]);
            }
        }
    }
}
