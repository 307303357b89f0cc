using Google.Protobuf;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using Grpc.Core;
using SecAgg.Participant.Client;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// he.scheme: ckks through the real service over loopback mutual TLS (NOT SECURE n = 1024 CKKS test preset): a whole
/// round publishes the mean; an upload made for the BFV scheme is refused by the parameter digest.
/// </summary>
public sealed class CkksServiceTests
{
    public static TheoryData<string> Engines => StoreFactory.Engines;

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task WholeCkksRoundPublishesTheAverage(string engine)
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync(engine, scheme: "ckks");
        await h.StartAsync();
        TestParticipant[] ps = [.. h.Ids.Select(h.Participant)];
        foreach (TestParticipant p in ps)
        {
            await p.UploadKeyShareAsync();
        }

        await h.WaitForStageAsync(1, WireStage.Open);
        EpochInfo info = await ps[0].Client.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest { EpochId = 1 });
        Assert.Equal(Proto.V1.HeScheme.Ckks, info.HeParameters.Scheme);
        Assert.Equal(ProtocolPresets.InsecureForTestsCkksName, info.HeParameters.ParameterSetId);

        float[][] updates = [.. ps.Select((_, i) => TestParticipant.RandomUpdate(700 + i))];
        for (int i = 0; i < ps.Length; i++)
        {
            List<CiphertextUploadMessage> upload = await ps[i].EncryptAsync(1, updates[i]);
            Assert.Equal(2, upload.Count); // header + one CKKS chunk (610 values padded to 1024, 1024 per ciphertext)
            Assert.True((await ps[i].SendAsync(upload)).Complete);
        }

        await h.WaitForStageAsync(1, WireStage.Decrypting);
        foreach (TestParticipant p in ps)
        {
            Assert.True((await p.DecryptAsync(1)).Complete);
        }

        RoundStatus published = await h.WaitForStageAsync(1, WireStage.Published);
        Assert.Equal(3u, published.ParticipantsSubmitted);
        (GlobalModelHeader header, float[] model) = await ps[2].DownloadModelAsync();
        Assert.Equal(1ul, header.ModelVersion);
        for (int j = 0; j < model.Length; j++)
        {
            double expected = updates.Average(u => (double)u[j]);
            Assert.True(Math.Abs(model[j] - expected) <= 0.003, $"coordinate {j}: {model[j]} vs {expected}");
        }
    }

    [Fact]
    public async Task UploadMadeForTheOtherSchemeIsRefusedByTheParameterDigest()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", scheme: "ckks");
        await h.StartAsync();
        TestParticipant[] ps = [.. h.Ids.Select(h.Participant)];
        foreach (TestParticipant p in ps)
        {
            await p.UploadKeyShareAsync();
        }

        await h.WaitForStageAsync(1, WireStage.Open);
        RoundParameters ckks = await ps[0].RoundAsync(1);
        List<CiphertextUploadMessage> good = await ps[0].EncryptAsync(1, TestParticipant.RandomUpdate(800));

        // A participant that believes the consortium runs BFV: same layout, DDG and seed, BFV HE parameters.
        ProtocolPreset bfv = ProtocolPresets.InsecureForTests(3, 3);
        RoundParameters wrong = RoundParameters.Create(
            1, ckks.ModelVersion, ckks.KeyEpochId, ckks.Layout, bfv.He, bfv.Name, ckks.Ddg, bfv.Ddg.ParameterSetId(true), ckks.RotationSeed.Span);
        Assert.NotEqual(ckks.ParameterDigest, wrong.ParameterDigest);
        (Crypto.Multiparty.CollectivePublicKey bfvKey, PartySecret[] _) = KeyGen(bfv.He, 3);
        byte[][] bfvChunks = new UpdateEncryptor(wrong, bfvKey).Encrypt(TestParticipant.RandomUpdate(800));
        var bfvUpload = new List<CiphertextUploadMessage> { new() { Header = new UploadHeader(good[0].Header) { TotalChunks = (uint)bfvChunks.Length, ParameterDigest = ByteString.CopyFrom(wrong.ParameterDigest) } } };
        bfvUpload.AddRange(bfvChunks.Select((b, i) => new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = 1, ChunkIndex = (uint)i, Ciphertext = ByteString.CopyFrom(b) } }));
        RpcException e = await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => ps[0].SendAsync(bfvUpload));
        Assert.Contains("parameter_digest", e.Status.Detail, StringComparison.Ordinal);

        // A BFV ciphertext smuggled under the right digest is not a CKKS ciphertext.
        var smuggled = good.Select(m => m.Clone()).ToList();
        smuggled[1] = new CiphertextUploadMessage { Chunk = new CiphertextChunk(good[1].Chunk) { Ciphertext = ByteString.CopyFrom(bfvChunks[0]) } };
        await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => ps[0].SendAsync(smuggled));

        // Nothing was counted: the real CKKS upload still goes through.
        RoundStatus status = await ps[0].Client.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 1 });
        Assert.Equal(0u, status.ParticipantsSubmitted);
        Assert.True((await ps[0].SendAsync(good)).Complete);
    }

    [Fact]
    public async Task CkksConsortiumWhoseSumsCannotRoundBackIsRefusedAtStart()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", scheme: "ckks");
        File.WriteAllText(h.ConfigPath, File.ReadAllText(h.ConfigPath).Replace("bits: 16", "bits: 32", StringComparison.Ordinal));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);
        Assert.Contains("cannot carry this consortium's sums exactly", e.Message, StringComparison.Ordinal);
        Assert.Contains("lower dp.bits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PresetOfTheOtherSchemeIsRefusedAtStart()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", scheme: "ckks");
        File.WriteAllText(h.ConfigPath, File.ReadAllText(h.ConfigPath).Replace("scheme: ckks", "scheme: bfv", StringComparison.Ordinal));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);
        Assert.Contains("is a ckks preset but he.scheme is bfv", e.Message, StringComparison.Ordinal);
    }

    private static (Crypto.Multiparty.CollectivePublicKey, PartySecret[]) KeyGen(MultipartyParameters p, int parties)
    {
        CommonReferencePolynomial crp = CommonReferencePolynomial.Expand(p, CommonReferencePolynomial.NewSeed());
        var protocol = new PublicKeyGenProtocol(p);
        PublicKeyShare sum = protocol.AllocateShare();
        var secrets = new PartySecret[parties];
        for (int i = 0; i < parties; i++)
        {
            secrets[i] = PartySecret.Generate(p, i + 1);
            PublicKeyShare share = protocol.AllocateShare();
            protocol.GenerateShare(secrets[i], crp, share);
            protocol.AggregateShares(sum, share, sum);
        }

        return (protocol.Finalize(sum, crp), secrets);
    }
}
