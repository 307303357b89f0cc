using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Multiparty;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol.Tests;

/// <summary>
/// The CKKS scheme through the protocol's <see cref="CiphertextScheme"/> seam (insecure n = 1024 preset, fixed seeds):
/// chunk sums decrypt to exactly the wrapped integer sums, N-of-N and t-of-N; the one-share-per-ciphertext ledger;
/// malformed or mismatched inputs refused; the precision check fails loudly.
/// </summary>
public sealed class CkksSchemeTests
{
    private const int Bits = 16;

    private static (CiphertextScheme Scheme, CollectivePublicKey Key, PartySecret[] Secrets) Setup(int parties, int threshold, CkksParametersLiteral? literal = null)
    {
        MultipartyParameters mp = MultipartyParameters.ForCkks(CkksParameters.Create(literal ?? CkksPresets.InsecureN1024AggregationForTests), parties, threshold);
        (CollectivePublicKey pk, PartySecret[] secrets) = InProcessRoundTests.KeyGen(mp, parties);
        return (CiphertextScheme.Ckks(mp, Bits), pk, secrets);
    }

    private static uint[][] RandomValues(int parties, int count, int seed)
    {
        var rng = new System.Random(seed); // test data only, not secret
        return [.. Enumerable.Range(0, parties).Select(_ => Enumerable.Range(0, count).Select(_ => (uint)rng.Next(1 << Bits)).ToArray())];
    }

    private static uint[] WrappedSum(uint[][] values) =>
        [.. Enumerable.Range(0, values[0].Length).Select(j => (uint)(values.Sum(v => (long)v[j]) & ((1 << Bits) - 1)))];

    private static byte[] SumOf(CiphertextScheme scheme, IReadOnlyList<byte[]> chunks)
    {
        byte[] sum = chunks[0].ToArray();
        for (int i = 1; i < chunks.Count; i++)
        {
            scheme.Add(0, sum, chunks[i]);
        }

        return sum;
    }

    private static byte[][] Encrypt(CiphertextScheme scheme, CollectivePublicKey pk, uint[][] values)
    {
        using IChunkEncryptor enc = scheme.CreateChunkEncryptor(pk);
        return [.. values.Select(v => enc.Encrypt(v))];
    }

    [Fact]
    public void SumOfThreeDecryptsToTheExactWrappedIntegerSumWithAllParties()
    {
        (CiphertextScheme scheme, CollectivePublicKey pk, PartySecret[] secrets) = Setup(3, 3);
        Assert.Equal(HeScheme.Ckks, scheme.Kind);
        Assert.Equal(1024, scheme.ValuesPerCiphertext);
        uint[][] values = RandomValues(3, scheme.ValuesPerCiphertext, 11);
        byte[][] uploads = Encrypt(scheme, pk, values);
        Assert.All(uploads, u => Assert.Equal(scheme.CiphertextBytes, u.Length));
        Assert.All(uploads, u => Assert.True(scheme.TryValidateUpload(0, u, out _)));

        AggregateChunk aggregate = scheme.OpenAggregate(SumOf(scheme, uploads));
        Assert.Equal(3, aggregate.Summands);
        byte[] request = aggregate.EncodeRequest();
        Assert.Equal(aggregate.Digest, scheme.RequestDigest(request));
        int[] set = [1, 2, 3];
        var shares = new List<ReadOnlyMemory<byte>>();
        foreach (PartySecret s in secrets)
        {
            using DecryptionSecret ds = DecryptionSecret.ForAllParties(s);
            byte[] share = scheme.AnswerDecryption(new InMemoryShareLedger(), ds, request, 3);
            Assert.True(aggregate.TryCheckShare(share, s.PartyId, set, out string? problem), problem);
            Assert.False(aggregate.TryCheckShare(share, s.PartyId % 3 + 1, set, out _));
            shares.Add(share);
        }

        Assert.Equal(WrappedSum(values), aggregate.Combine(shares));
        Assert.True(aggregate.FloodingSigma > 1);
    }

    [Theory]
    [InlineData(new[] { 1, 3 })]
    [InlineData(new[] { 2, 3 })]
    public void TwoOfThreeDecryptToTheExactWrappedIntegerSum(int[] activeSet)
    {
        (CiphertextScheme scheme, CollectivePublicKey pk, PartySecret[] secrets) = Setup(3, 2);
        MultipartyParameters mp = scheme.KeyParameters;
        var thresholdizer = new Thresholdizer(mp);
        ShamirShare[][] dealt = [.. secrets.Select(thresholdizer.GenerateShares)];
        ThresholdSecretShare[] combined = [.. Enumerable.Range(1, 3).Select(j => thresholdizer.AggregateShares(j, [.. dealt.Select(d => d[j - 1])]))];

        uint[][] values = RandomValues(3, 700, 12); // fewer values than slots: the rest decrypts to 0
        AggregateChunk aggregate = scheme.OpenAggregate(SumOf(scheme, Encrypt(scheme, pk, values)));
        byte[] request = aggregate.EncodeRequest();
        var shares = new List<ReadOnlyMemory<byte>>();
        foreach (int party in activeSet)
        {
            using DecryptionSecret ds = new Combiner(mp, activeSet).GetDecryptionSecret(combined[party - 1]);
            byte[] share = scheme.AnswerDecryption(new InMemoryShareLedger(), ds, request, 3);
            Assert.True(aggregate.TryCheckShare(share, party, activeSet, out string? problem), problem);
            shares.Add(share);
        }

        uint[] result = aggregate.Combine(shares);
        Assert.Equal(WrappedSum(values), result[..700]);
        Assert.All(result[700..], v => Assert.Equal(0u, v));
        Assert.ThrowsAny<InvalidOperationException>(() => aggregate.Combine(shares.Take(1)));
    }

    [Fact]
    public void LedgerReturnsTheSameShareAndRefusesAnotherSet()
    {
        (CiphertextScheme scheme, CollectivePublicKey pk, PartySecret[] secrets) = Setup(3, 2);
        var thresholdizer = new Thresholdizer(scheme.KeyParameters);
        ShamirShare[][] dealt = [.. secrets.Select(thresholdizer.GenerateShares)];
        using ThresholdSecretShare mine = thresholdizer.AggregateShares(1, [.. dealt.Select(d => d[0])]);
        byte[] request = scheme.OpenAggregate(SumOf(scheme, Encrypt(scheme, pk, RandomValues(2, 10, 13)))).EncodeRequest();
        var ledger = new InMemoryShareLedger();
        using DecryptionSecret first = new Combiner(scheme.KeyParameters, [1, 2]).GetDecryptionSecret(mine);
        byte[] a = scheme.AnswerDecryption(ledger, first, request, 2);
        byte[] b = scheme.AnswerDecryption(ledger, first, request, 2);
        Assert.Equal(a, b);
        using DecryptionSecret other = new Combiner(scheme.KeyParameters, [1, 3]).GetDecryptionSecret(mine);
        Assert.Throws<ShareAlreadyIssuedException>(() => scheme.AnswerDecryption(ledger, other, request, 2));
    }

    [Fact]
    public void UnderstatedSummandsAndNonZeroC0AreRefused()
    {
        (CiphertextScheme scheme, CollectivePublicKey pk, PartySecret[] secrets) = Setup(3, 3);
        byte[][] uploads = Encrypt(scheme, pk, RandomValues(3, 10, 14));
        byte[] sum = SumOf(scheme, uploads);
        using DecryptionSecret ds = DecryptionSecret.ForAllParties(secrets[0]);
        Assert.Throws<ArgumentException>(() => scheme.AnswerDecryption(new InMemoryShareLedger(), ds, scheme.OpenAggregate(sum).EncodeRequest(), 2));

        // The full ciphertext is not a request: its c0 is not zero.
        Assert.Throws<InvalidDataException>(() => scheme.RequestDigest(sum));

        // A fresh upload claims one summand: the aggregator refuses a chunk that claims more.
        Assert.False(scheme.TryValidateUpload(3, sum, out string? problem));
        Assert.Contains("claims 3 summands", problem, StringComparison.Ordinal);
        Assert.False(scheme.TryValidateUpload(0, uploads[0].AsSpan(1), out problem));
        Assert.Contains("bytes", problem, StringComparison.Ordinal);
        byte[] garbled = uploads[0].ToArray();
        garbled[0] ^= 0xFF;
        Assert.False(scheme.TryValidateUpload(0, garbled, out problem));
        Assert.Contains("not a valid CKKS ciphertext", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void BfvChunksAndKeysDoNotFitTheCkksScheme()
    {
        (CiphertextScheme ckks, _, _) = Setup(3, 3);
        ProtocolPreset bfv = ProtocolPresets.InsecureForTests(3, 3);
        (CollectivePublicKey bfvKey, _) = InProcessRoundTests.KeyGen(bfv.He, 3);
        Assert.Throws<ParameterMismatchException>(() => ckks.CreateChunkEncryptor(bfvKey));
        using IChunkEncryptor enc = bfv.Scheme.CreateChunkEncryptor(bfvKey);
        byte[] bfvChunk = enc.Encrypt(new uint[10]);
        Assert.False(ckks.TryValidateUpload(0, bfvChunk, out _));
    }

    [Fact]
    public void CombineFailsLoudlyWhenTheErrorBoundReachesHalfTheGrid()
    {
        // Scale 2^40 cannot absorb the flooding (σ = 2^20·B_ct): the error bound is far above 1/2.
        (CiphertextScheme scheme, CollectivePublicKey pk, PartySecret[] secrets) = Setup(3, 3, CkksPresets.InsecureN1024ForTests);
        AggregateChunk aggregate = scheme.OpenAggregate(SumOf(scheme, Encrypt(scheme, pk, RandomValues(3, 10, 15))));
        byte[] request = aggregate.EncodeRequest();
        var shares = secrets.Select(s =>
        {
            using DecryptionSecret ds = DecryptionSecret.ForAllParties(s);
            return (ReadOnlyMemory<byte>)scheme.AnswerDecryption(new InMemoryShareLedger(), ds, request, 3);
        }).ToList();
        var e = Assert.Throws<InvalidOperationException>(() => aggregate.Combine(shares));
        Assert.Contains("not below 1/2 of the integer grid", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CkksRoundMeanMatchesThePlaintextMeanWithinTheDdgBound()
    {
        const int parties = 3, dimension = 1500;
        ProtocolPreset preset = ProtocolPresets.InsecureForTestsCkks(parties, parties);
        var layout = new TensorLayout([new TensorSpec("w", [dimension])]);
        var seed = new byte[32];
        seed[0] = 9;
        RoundParameters round = RoundParameters.Create(
            1, 0, 1, layout, preset.Scheme, preset.Name, preset.Ddg.Create(parties, dimension), preset.Ddg.ParameterSetId(true), seed);
        RoundParameters seen = RoundParameters.FromContract(round.ToContract(2, parties, DateTimeOffset.UnixEpoch, Proto.V1.RoundStage.Open), parties, parties, allowInsecureForTests: true);
        Assert.Equal(HeScheme.Ckks, seen.Scheme.Kind);
        Assert.Equal(round.ParameterDigest, seen.ParameterDigest);
        Assert.Equal(2, round.TotalChunks); // 2048 padded values, 1024 per CKKS ciphertext

        (CollectivePublicKey pk, PartySecret[] secrets) = InProcessRoundTests.KeyGen(preset.He, parties);
        var rng = new System.Random(4321); // test data only, not secret
        var updates = new float[parties][];
        var uploads = new byte[parties][][];
        for (int i = 0; i < parties; i++)
        {
            updates[i] = [.. Enumerable.Range(0, dimension).Select(_ => (float)((rng.NextDouble() - 0.5) * 0.04))];
            uploads[i] = new UpdateEncryptor(seen, pk).Encrypt(updates[i]);
        }

        var decrypted = new List<uint[]>();
        for (int c = 0; c < round.TotalChunks; c++)
        {
            AggregateChunk aggregate = round.Scheme.OpenAggregate(SumOf(round.Scheme, [.. uploads.Select(u => u[c])]));
            var shares = secrets.Select(s =>
            {
                using DecryptionSecret ds = DecryptionSecret.ForAllParties(s);
                return (ReadOnlyMemory<byte>)seen.Scheme.AnswerDecryption(new InMemoryShareLedger(), ds, aggregate.EncodeRequest(), parties);
            }).ToList();
            decrypted.Add(aggregate.Combine(shares));
        }

        float[] mean = new AggregateDecoder(round).DecodeMean(decrypted, parties);
        DdgParameters ddg = round.Ddg;
        double bound = 6 * ddg.Gamma * Math.Sqrt(parties * (ddg.NoiseVariance + 0.25)) / parties;
        double maxErr = Enumerable.Range(0, dimension).Max(j => Math.Abs(mean[j] - updates.Average(u => (double)u[j])));
        Assert.True(maxErr <= bound, $"max error {maxErr} exceeds the DDG bound {bound}");
        Assert.True(bound < 0.005, $"the test's bound {bound} is too loose to mean anything");
    }

    [Fact]
    public void SchemeIsCoveredByTheRoundDigestAndAFlippedSchemeIsRefused()
    {
        const int parties = 3, dimension = 100;
        var layout = new TensorLayout([new TensorSpec("w", [dimension])]);
        ProtocolPreset ckks = ProtocolPresets.InsecureForTestsCkks(parties, parties);
        RoundParameters round = RoundParameters.Create(
            1, 0, 1, layout, ckks.Scheme, ckks.Name, ckks.Ddg.Create(parties, dimension), ckks.Ddg.ParameterSetId(true), new byte[32]);
        Proto.V1.RoundConfig config = round.ToContract(2, parties, DateTimeOffset.UnixEpoch, Proto.V1.RoundStage.Open);
        Assert.Equal(Proto.V1.HeScheme.Ckks, config.HeParameters.Scheme);

        // Same message with the scheme flipped: the round digest changes, and the BFV reading refuses the CKKS fields.
        Proto.V1.RoundConfig flipped = config.Clone();
        flipped.HeParameters.Scheme = Proto.V1.HeScheme.Bfv;
        Assert.NotEqual(
            ContractMapping.RoundParameterDigest(config.Layout, config.Quantization, config.HeParameters, 1),
            ContractMapping.RoundParameterDigest(flipped.Layout, flipped.Quantization, flipped.HeParameters, 1));
        Assert.ThrowsAny<Exception>(() => RoundParameters.FromContract(flipped, parties, parties, allowInsecureForTests: true));

        // A CKKS epoch's HE message read back at the epoch level (no b) gives the same digest.
        CiphertextScheme epoch = ContractMapping.SchemeFromContract(config.HeParameters, parties, parties, allowInsecureForTests: true);
        Assert.Equal(HeScheme.Ckks, epoch.Kind);
        Assert.Equal(ckks.Scheme.Digest.ToArray(), epoch.Digest.ToArray());
        Assert.Throws<ParameterMismatchException>(() => ContractMapping.SchemeFromContract(config.HeParameters, parties, parties, allowInsecureForTests: false));
        Assert.Throws<ParameterMismatchException>(() => ContractMapping.SchemeFromContract(config.HeParameters, parties + 1, parties, allowInsecureForTests: true));
    }
}

public sealed class CkksCapacityTests
{
    [Fact]
    public void SixteenBitSumsOfThreeFitAndThirtyTwoBitSumsDoNot()
    {
        ProtocolPreset preset = ProtocolPresets.InsecureForTestsCkks(3, 3);
        Assert.Null(preset.Scheme.CheckCapacity(3, 3));
        string? problem = preset.WithDdg(new DdgSettings(32, 1.0, 0.001)).Scheme.CheckCapacity(3, 3);
        Assert.NotNull(problem);
        Assert.Contains("modulus leaves", problem, StringComparison.Ordinal);
        Assert.Null(ProtocolPresets.InsecureForTests(3, 3).Scheme.CheckCapacity(3, 3));
    }

    [Fact]
    public void TheRealCkksPresetCarriesSixteenBitSumsOfAHundredParties()
    {
        Assert.Null(ProtocolPresets.PlannedCkks(100, 67).Scheme.CheckCapacity(100, 100));
    }
}
