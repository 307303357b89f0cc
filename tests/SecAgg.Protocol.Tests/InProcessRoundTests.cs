using SecAgg.Crypto.Multiparty;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol.Tests;

public sealed class InProcessRoundTests
{
    [Theory]
    [InlineData(3, 1000)]
    [InlineData(5, 300)]
    public void DecodedAverageEqualsPlaintextAverageWithinDdgErrorBound(int parties, int dimension)
    {
        ProtocolPreset preset = ProtocolPresets.InsecureForTests(parties, parties);
        var layout = new TensorLayout([new TensorSpec("w", [dimension - 10]), new TensorSpec("b", [10])]);
        var seed = new byte[32];
        seed[0] = 7;
        RoundParameters round = RoundParameters.Create(
            1, 0, 1, layout, preset.He, preset.Name, preset.Ddg.Create(parties, dimension), preset.Ddg.ParameterSetId(true), seed);

        // Participant side sees only the contract message.
        RoundParameters seen = RoundParameters.FromContract(round.ToContract(2, (uint)parties, DateTimeOffset.UnixEpoch, Proto.V1.RoundStage.Open), parties, parties, allowInsecureForTests: true);

        (CollectivePublicKey pk, PartySecret[] secrets) = KeyGen(preset.He, parties);
        var rng = new System.Random(1234); // test data only, not secret
        var updates = new float[parties][];
        var chunkSums = new CompactCiphertext[round.TotalChunks];
        for (int i = 0; i < parties; i++)
        {
            updates[i] = Enumerable.Range(0, dimension).Select(_ => (float)((rng.NextDouble() - 0.5) * 0.04)).ToArray();
            byte[][] chunks = new UpdateEncryptor(seen, pk).Encrypt(updates[i]);
            Assert.Equal(round.TotalChunks, chunks.Length);
            for (int c = 0; c < chunks.Length; c++)
            {
                Assert.Equal(preset.He.CiphertextBytes, chunks[c].Length);
                CompactCiphertext ct = CompactCiphertext.Deserialize(preset.He, chunks[c]);
                if (chunkSums[c] is null)
                {
                    chunkSums[c] = ct;
                }
                else
                {
                    chunkSums[c].AddInplace(ct);
                }
            }
        }

        var decrypted = new List<uint[]>();
        var protocol = new DecryptionShareProtocol(preset.He);
        foreach (CompactCiphertext sum in chunkSums)
        {
            byte[] request = DecryptionCodec.EncodeRequest(sum);
            var shares = new List<ReadOnlyMemory<byte>>();
            foreach (PartySecret s in secrets)
            {
                CompactCiphertext c1 = DecryptionCodec.DecodeRequest(preset.He, request);
                Assert.Equal(DecryptionCodec.CiphertextDigest(sum), DecryptionCodec.CiphertextDigest(c1));
                using DecryptionSecret ds = DecryptionSecret.ForAllParties(s);
                DecryptionShare share = protocol.AllocateShare();
                protocol.GenerateShare(ds, c1, share);
                shares.Add(share.Serialize());
            }

            decrypted.Add(DecryptionCodec.Combine(sum, shares));
        }

        float[] mean = new AggregateDecoder(round).DecodeMean(decrypted, parties);
        DdgParameters ddg = round.Ddg;
        // Per-coordinate error of the mean: gamma * (noise sum + rounding errors) / n, an orthogonal
        // transform of independent terms of variance n*sigma_int^2 + n/4; 6 standard deviations.
        double bound = 6 * ddg.Gamma * Math.Sqrt(parties * (ddg.NoiseVariance + 0.25)) / parties;
        double maxErr = 0;
        for (int j = 0; j < dimension; j++)
        {
            double expected = updates.Average(u => (double)u[j]);
            maxErr = Math.Max(maxErr, Math.Abs(mean[j] - expected));
        }

        Assert.True(maxErr <= bound, $"max error {maxErr} exceeds the DDG bound {bound}");
        Assert.True(bound < 0.005, $"the test's bound {bound} is too loose to mean anything");
        foreach (PartySecret s in secrets)
        {
            s.Dispose();
        }
    }

    [Fact]
    public void WeightedMeanDividesByTotalWeight()
    {
        const int parties = 2, dimension = 64;
        ProtocolPreset preset = ProtocolPresets.InsecureForTests(parties, parties);
        var layout = new TensorLayout([new TensorSpec("w", [dimension])]);
        RoundParameters round = RoundParameters.Create(
            1, 0, 1, layout, preset.He, preset.Name, preset.Ddg.Create(parties, dimension), preset.Ddg.ParameterSetId(true), new byte[32], maxWeight: 4);
        (CollectivePublicKey pk, PartySecret[] secrets) = KeyGen(preset.He, parties);
        var enc = new UpdateEncryptor(round, pk);
        float[] a = Enumerable.Repeat(0.05f, dimension).ToArray();
        float[] b = Enumerable.Repeat(-0.02f, dimension).ToArray();
        byte[][] ca = enc.Encrypt(a, weight: 3);
        byte[][] cb = enc.Encrypt(b, weight: 1);
        var protocol = new DecryptionShareProtocol(preset.He);
        var decrypted = new List<uint[]>();
        for (int c = 0; c < round.TotalChunks; c++)
        {
            CompactCiphertext sum = CompactCiphertext.Add(CompactCiphertext.Deserialize(preset.He, ca[c]), CompactCiphertext.Deserialize(preset.He, cb[c]));
            var shares = secrets.Select(s =>
            {
                using DecryptionSecret ds = DecryptionSecret.ForAllParties(s);
                DecryptionShare share = protocol.AllocateShare();
                protocol.GenerateShare(ds, sum, share);
                return (ReadOnlyMemory<byte>)share.Serialize();
            }).ToList();
            decrypted.Add(DecryptionCodec.Combine(sum, shares));
        }

        float[] mean = new AggregateDecoder(round).DecodeWeightedMean(decrypted, 4);
        double expected = ((3 * 0.05) + (1 * -0.02)) / 4;
        // divisor = total weight / max weight = 1: the error is that of the plain sum (6 standard deviations)
        double bound = 6 * round.Ddg.Gamma * Math.Sqrt(parties * (round.Ddg.NoiseVariance + 0.25));
        Assert.True(bound < 0.01, $"bound {bound} too loose");
        Assert.All(mean, v => Assert.InRange(v, expected - bound, expected + bound));
    }

    internal static (CollectivePublicKey Key, PartySecret[] Secrets) KeyGen(MultipartyParameters p, int parties)
    {
        byte[] seed = CommonReferencePolynomial.NewSeed();
        CommonReferencePolynomial crp = CommonReferencePolynomial.Expand(p, seed);
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
