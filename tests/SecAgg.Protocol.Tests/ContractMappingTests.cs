using Google.Protobuf;
using SecAgg.Quantize.Ddg;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Protocol.Tests;

public sealed class ContractMappingTests
{
    private static RoundParameters MakeRound(int parties = 3)
    {
        ProtocolPreset preset = ProtocolPresets.InsecureForTests(parties, 2);
        var layout = new TensorLayout([new TensorSpec("layer.weight", [20, 30]), new TensorSpec("layer.bias", [30])]);
        return RoundParameters.Create(4, 3, 9, layout, preset.He, preset.Name, preset.Ddg.Create(parties, layout.TotalLength), preset.Ddg.ParameterSetId(true), Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
    }

    private static V1.RoundConfig Config(RoundParameters r) => r.ToContract(2, 3, DateTimeOffset.UnixEpoch, V1.RoundStage.Open);

    [Fact]
    public void RoundConfigRoundTripsAndReproducesTheDigest()
    {
        RoundParameters r = MakeRound();
        V1.RoundConfig config = Config(r);
        RoundParameters back = RoundParameters.FromContract(V1.RoundConfig.Parser.ParseFrom(config.ToByteArray()), 3, 2, allowInsecureForTests: true);
        Assert.Equal(r.ParameterDigest, back.ParameterDigest);
        Assert.Equal(r.He.Digest.ToArray(), back.He.Digest.ToArray());
        Assert.Equal(r.Ddg.Gamma, back.Ddg.Gamma, 12);
        Assert.Equal(r.Ddg.SigmaInt, back.Ddg.SigmaInt, 9);
        Assert.Equal(r.TotalChunks, back.TotalChunks);
        Assert.Equal(["layer.weight", "layer.bias"], back.Layout.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void InsecureParametersAreRefusedUnlessAllowed()
    {
        V1.RoundConfig config = Config(MakeRound());
        var e = Assert.Throws<ParameterMismatchException>(() => RoundParameters.FromContract(config, 3, 2));
        Assert.Contains("insecure", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangedSeedWithoutNewDigestIsDetected()
    {
        V1.RoundConfig config = Config(MakeRound());
        config.Quantization.RotationSeed = ByteString.CopyFrom(new byte[32]);
        Assert.Throws<ParameterMismatchException>(() => RoundParameters.FromContract(config, 3, 2, true));
    }

    [Fact]
    public void WrongPartyCountChangesTheHeDigest()
    {
        V1.RoundConfig config = Config(MakeRound());
        var e = Assert.Throws<ParameterMismatchException>(() => RoundParameters.FromContract(config, 3, 3, true));
        Assert.Contains("parameter_digest", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TamperedGammaIsDetected()
    {
        V1.RoundConfig config = Config(MakeRound());
        config.Quantization.Gamma *= 1.01;
        config.ParameterDigest = ByteString.CopyFrom(ContractMapping.RoundParameterDigest(config.Layout, config.Quantization, config.HeParameters, config.KeyEpochId));
        Assert.Throws<ParameterMismatchException>(() => RoundParameters.FromContract(config, 3, 2, true));
    }

    [Fact]
    public void WrongChunkCountIsDetected()
    {
        V1.RoundConfig config = Config(MakeRound());
        config.TotalChunks++;
        Assert.Throws<ParameterMismatchException>(() => RoundParameters.FromContract(config, 3, 2, true));
    }

    [Fact]
    public void LayoutWithGapIsRefused()
    {
        V1.RoundConfig config = Config(MakeRound());
        config.Layout.Tensors[1].Offset++;
        Assert.Throws<ArgumentException>(() => RoundParameters.FromContract(config, 3, 2, true));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(4711.123456789)]
    [InlineData(1e15)]
    public void ExactRationalIsExact(double x)
    {
        (ulong num, ulong den) = ContractMapping.ExactRational(x);
        Assert.Equal(x, (double)num / den);
        Assert.True(den == 1 || (num & 1) == 1, "the fraction is reduced");
    }

    [Fact]
    public void ExactRationalRefusesValuesNeedingHugeDenominators()
        => Assert.Throws<ArgumentOutOfRangeException>(() => ContractMapping.ExactRational(3.0e-5));

    [Fact]
    public void C1OnlyRequestWithNonZeroC0IsRefused()
    {
        RoundParameters r = MakeRound(2);
        (Crypto.Multiparty.CollectivePublicKey pk, Crypto.Multiparty.PartySecret[] _) = InProcessRoundTests.KeyGen(r.He, 2);
        byte[] full = new UpdateEncryptor(r, pk).Encrypt(new float[r.Ddg.Dimension])[0];
        Assert.Throws<InvalidDataException>(() => DecryptionCodec.DecodeRequest(r.He, full));
        byte[] c1 = DecryptionCodec.EncodeRequest(Crypto.Multiparty.CompactCiphertext.Deserialize(r.He, full));
        Assert.NotNull(DecryptionCodec.DecodeRequest(r.He, c1));
    }

    [Fact]
    public void UpdateOfWrongLengthIsRefused()
    {
        RoundParameters r = MakeRound(2);
        (Crypto.Multiparty.CollectivePublicKey pk, Crypto.Multiparty.PartySecret[] _) = InProcessRoundTests.KeyGen(r.He, 2);
        var enc = new UpdateEncryptor(r, pk);
        Assert.Throws<ArgumentException>(() => enc.Encrypt(new float[r.Ddg.Dimension - 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => enc.Encrypt(new float[r.Ddg.Dimension], weight: 2));
    }
}

public sealed class EpochAndPrivacyTests
{
    [Fact]
    public void EpochHeParametersAreRecoveredWithoutKnowingTheValueBits()
    {
        ProtocolPreset preset = ProtocolPresets.InsecureForTests(4, 3);
        V1.HeParameters he = ContractMapping.ToContract(preset.He, preset.Name);
        Crypto.Multiparty.MultipartyParameters back = ContractMapping.FromContract(he, 4, 3, allowInsecureForTests: true);
        Assert.Equal(preset.He.Digest.ToArray(), back.Digest.ToArray());
        Assert.Throws<ParameterMismatchException>(() => ContractMapping.FromContract(he, 5, 3, allowInsecureForTests: true));
    }

    [Fact]
    public void FewerSummandsSpendMoreEpsilonAndRoundsCompose()
    {
        DdgParameters ddg = new DdgSettings(16, 1.0, 1.0).Create(10, 1000);
        double ten = RoundPrivacy.ComposedEpsilon(ddg, [10], 1e-6);
        double five = RoundPrivacy.ComposedEpsilon(ddg, [5], 1e-6);
        double twice = RoundPrivacy.ComposedEpsilon(ddg, [10, 10], 1e-6);
        Assert.True(five > ten, $"{five} should exceed {ten}");
        Assert.True(twice > ten && twice < 2 * ten + 1e-9, $"{twice} vs {ten}");
        var acc = new Quantize.Accounting.PrivacyAccountant();
        acc.ComposeDdg(ddg, 1);
        Assert.Equal(acc.GetEpsilon(1e-6).Epsilon, ten, 9);
    }
}
