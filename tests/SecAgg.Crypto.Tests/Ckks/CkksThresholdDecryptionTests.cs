using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Tests.Multiparty;
using static SecAgg.Crypto.Tests.Ckks.CkksTestUtil;

namespace SecAgg.Crypto.Tests.Ckks;

public sealed class CkksThresholdDecryptionTests
{
    private static readonly CkksParameters Agg = CkksParameters.Create(CkksPresets.InsecureN1024AggregationForTests);

    /// <summary>N parties: collective key through the multiparty layer, one CKKS encryptor under it.</summary>
    private sealed class Consortium
    {
        public Consortium(CkksParameters ckks, int parties, int threshold, string label, int decryptionLimbs = 0)
        {
            Ckks = ckks;
            Multiparty = MultipartyParameters.ForCkks(ckks, parties, threshold, decryptionLimbs);
            Fixture = new MultipartyFixture(Multiparty, "ckks/" + label);
            PublicKey = CkksPublicKey.FromCollective(ckks, Fixture.PublicKey);
            Encryptor = new CkksEncryptor(ckks, PublicKey, Fixture.Prng);
            Encoder = new CkksEncoder(ckks);
            Protocol = new CkksDecryptionShareProtocol(Multiparty, ckks);
        }

        public CkksParameters Ckks { get; }

        public MultipartyParameters Multiparty { get; }

        public MultipartyFixture Fixture { get; }

        public CkksPublicKey PublicKey { get; }

        public CkksEncryptor Encryptor { get; }

        public CkksEncoder Encoder { get; }

        public CkksDecryptionShareProtocol Protocol { get; }

        public (CkksCiphertext Sum, double[] Expected) EncryptAndSum(int summands, double magnitude)
        {
            var expected = new double[Ckks.Slots];
            var evaluator = new CkksEvaluator(Ckks);
            CkksCiphertext? sum = null;
            for (int i = 0; i < summands; i++)
            {
                double[] v = RandomReals(Fixture.Prng, Ckks.Slots, magnitude);
                for (int j = 0; j < v.Length; j++)
                {
                    expected[j] += v[j];
                }

                CkksCiphertext ct = Encryptor.Encrypt(Encoder.Encode(v));
                if (sum is null)
                {
                    sum = ct;
                }
                else
                {
                    evaluator.AddInplace(sum, ct);
                }
            }

            return (sum!, expected);
        }

        public DecryptionShare Shares(CkksCiphertext ct, IEnumerable<DecryptionSecret> members)
        {
            DecryptionShare agg = Protocol.AllocateShare();
            foreach (DecryptionSecret m in members)
            {
                DecryptionShare h = Protocol.AllocateShare();
                Protocol.GenerateShare(m, ct, h, Fixture.Prng);
                Protocol.AggregateShares(agg, h, agg);
            }

            return agg;
        }

        public DecryptionSecret[] AllParties() => Fixture.Secrets.Select(DecryptionSecret.ForAllParties).ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    public void NOfNDecryptionOfTheSumIsWithinThePredictedErrorFloodingIncluded(int parties)
    {
        var c = new Consortium(Agg, parties, parties, "nofn" + parties);
        (CkksCiphertext sum, double[] expected) = c.EncryptAndSum(parties, 1000.0);
        CkksPlaintext plain = c.Protocol.Finalize(sum, c.Shares(sum, c.AllParties()));

        double error = MaxError(c.Encoder.Decode(plain), expected);
        double bound = plain.SlotErrorBound;
        Assert.True(error <= bound, $"error {error} > bound {bound}");
        Assert.True(error >= bound * Math.ScaleB(1, -20), $"bound {bound} absurdly loose for error {error}");
        Assert.Equal(c.Protocol.PredictSlotErrorBound(sum, parties), bound);
        // The flooding dominates: T·12·σ_flood with σ_flood = 2^20·B_ct.
        Assert.Equal(Math.Ceiling(sum.NoiseBound * Math.ScaleB(1, 20)), c.Protocol.FloodingSigma(sum));
        Assert.True(plain.NoiseBound >= parties * 12 * c.Protocol.FloodingSigma(sum) * 0.999);
    }

    [Fact]
    public void TwoDecryptionsDifferByFloodingOfTheStatedVariance()
    {
        // Two share sets for one ciphertext: the phases differ by Σ e_flood − Σ e'_flood, of variance 2·T·σ_flood².
        const int parties = 3;
        var c = new Consortium(Agg, parties, parties, "variance");
        (CkksCiphertext sum, _) = c.EncryptAndSum(parties, 1.0);
        CkksPlaintext a = c.Protocol.Finalize(sum, c.Shares(sum, c.AllParties()));
        CkksPlaintext b = c.Protocol.Finalize(sum, c.Shares(sum, c.AllParties()));
        System.Numerics.BigInteger[] x = Coefficients(a), y = Coefficients(b);
        double sigma = c.Protocol.FloodingSigma(sum);
        double variance = x.Zip(y, (u, v) => Math.Pow((double)(u - v) / sigma, 2)).Average();
        Assert.InRange(variance, 2 * parties * 0.85, 2 * parties * 1.15);
    }

    [Fact]
    public void ThresholdDecryptionByAnyTOfNSetsRecoversTheSum()
    {
        var c = new Consortium(Agg, 5, 3, "tofn");
        ThresholdSecretShare[] shares = c.Fixture.DealThreshold();
        (CkksCiphertext sum, double[] expected) = c.EncryptAndSum(5, 10.0);
        foreach (int[] set in new[] { new[] { 1, 3, 5 }, new[] { 2, 3, 4 }, new[] { 1, 2, 3, 4, 5 } })
        {
            var combiner = new Combiner(c.Multiparty, set);
            DecryptionShare agg = c.Shares(sum, set.Select(id => combiner.GetDecryptionSecret(shares[id - 1])));
            CkksPlaintext plain = c.Protocol.Finalize(sum, agg);
            Assert.True(MaxError(c.Encoder.Decode(plain), expected) <= plain.SlotErrorBound);
            Assert.True(plain.SlotErrorBound < 1e-6);
        }
    }

    [Fact]
    public void TooFewMembersCannotDecrypt()
    {
        var c = new Consortium(Agg, 5, 3, "missing");
        ThresholdSecretShare[] shares = c.Fixture.DealThreshold();
        (CkksCiphertext sum, _) = c.EncryptAndSum(2, 1.0);
        var combiner = new Combiner(c.Multiparty, [1, 2, 3]);
        DecryptionShare partial = c.Shares(sum, [combiner.GetDecryptionSecret(shares[0]), combiner.GetDecryptionSecret(shares[1])]);
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => c.Protocol.Finalize(sum, partial));
        Assert.Contains("3", e.Message);
        Assert.Throws<ArgumentException>(() => new Combiner(c.Multiparty, [1, 2]));
    }

    [Fact]
    public void SharesForAnotherCiphertextAreRefused()
    {
        var c = new Consortium(Agg, 2, 2, "other");
        (CkksCiphertext a, _) = c.EncryptAndSum(1, 1.0);
        (CkksCiphertext b, _) = c.EncryptAndSum(1, 1.0);
        DecryptionSecret[] all = c.AllParties();
        Assert.Throws<ArgumentException>(() => c.Protocol.Finalize(b, c.Shares(a, all)));
        DecryptionShare ha = c.Protocol.AllocateShare();
        c.Protocol.GenerateShare(all[0], a, ha);
        DecryptionShare hb = c.Protocol.AllocateShare();
        c.Protocol.GenerateShare(all[1], b, hb);
        Assert.Throws<ArgumentException>(() => c.Protocol.AggregateShares(ha, hb, c.Protocol.AllocateShare()));
    }

    [Fact]
    public void DecryptionAtTheLowestLevelUsesOneLimbAndSerializesShares()
    {
        CkksParameters seal = CkksParameters.Create(CkksPresets.InsecureN1024ForTests); // 60+40+40, Δ = 2^40
        var c = new Consortium(seal, 3, 3, "lowest", decryptionLimbs: 2);
        (CkksCiphertext sum, double[] expected) = c.EncryptAndSum(3, 1.0);
        DecryptionShare agg = c.Protocol.AllocateShare();
        foreach (DecryptionSecret m in c.AllParties())
        {
            DecryptionShare h = c.Protocol.AllocateShare();
            c.Protocol.GenerateShare(m, sum, h);
            DecryptionShare wire = DecryptionShare.Deserialize(c.Multiparty, h.Serialize());
            c.Protocol.AggregateShares(agg, wire, agg);
        }

        CkksPlaintext plain = c.Protocol.Finalize(sum, agg);
        Assert.Equal(2, plain.LimbCount);
        Assert.True(MaxError(c.Encoder.Decode(plain), expected) <= plain.SlotErrorBound);
    }

    [Fact]
    public void DiscreteGridValuesSurviveThresholdDecryptionExactly()
    {
        var c = new Consortium(Agg, 3, 3, "grid");
        var expected = new long[Agg.Slots];
        var evaluator = new CkksEvaluator(Agg);
        CkksCiphertext? sum = null;
        for (int i = 0; i < 3; i++)
        {
            long[] ints = Enumerable.Range(0, Agg.Slots).Select(_ => (long)c.Fixture.Prng.NextBelow(1 << 24) - (1 << 23)).ToArray();
            for (int j = 0; j < ints.Length; j++)
            {
                expected[j] += ints[j];
            }

            CkksCiphertext ct = c.Encryptor.Encrypt(c.Encoder.Encode(ints.Select(x => (double)x).ToArray()));
            sum = sum is null ? ct : evaluator.Add(sum, ct);
        }

        CkksPlaintext plain = c.Protocol.Finalize(sum!, c.Shares(sum!, c.AllParties()));
        Assert.True(plain.RoundsExactlyToGrid(1.0));
        Assert.Equal(expected, c.Encoder.Decode(plain).Select(x => (long)Math.Round(x)));
    }

    [Fact]
    public void FloodingThatWouldOverflowTheDecryptionModulusIsRefused()
    {
        // Δ = 2^40 at one 60-bit limb: values of 2^17 fill 2^57 of q/2 ≈ 2^59; the flooding for 3 parties
        // (≈ 3·12·2^20·2^15.6) still fits, a sum of eight such ciphertexts does not.
        CkksParameters seal = CkksParameters.Create(CkksPresets.InsecureN1024ForTests);
        var c = new Consortium(seal, 3, 3, "overflow", decryptionLimbs: 1);
        double[] big = Enumerable.Repeat(Math.ScaleB(1, 17), seal.Slots).ToArray();
        var evaluator = new CkksEvaluator(seal);
        CkksCiphertext ct = c.Encryptor.Encrypt(c.Encoder.Encode(big));
        CkksCiphertext sum = evaluator.AddMany(Enumerable.Repeat(ct, 8).ToArray());
        Assert.Throws<CkksOverflowException>(() => c.Protocol.Finalize(sum, c.Shares(sum, c.AllParties())));
    }

    [Fact]
    public void TheShareGuardServesCkksOnceAndRefusesAnotherSet()
    {
        var c = new Consortium(Agg, 3, 2, "guard");
        ThresholdSecretShare[] shares = c.Fixture.DealThreshold();
        (CkksCiphertext sum, double[] expected) = c.EncryptAndSum(3, 1.0);
        var guard = new DecryptionShareGuard(c.Multiparty, new InMemoryShareLedger());
        var combiner = new Combiner(c.Multiparty, [1, 2]);
        DecryptionSecret s1 = combiner.GetDecryptionSecret(shares[0]), s2 = combiner.GetDecryptionSecret(shares[1]);
        byte[] first = guard.GetOrCreateShare(s1, sum, expectedSummands: 3);
        Assert.Equal(first, guard.GetOrCreateShare(s1, sum, expectedSummands: 3));
        Assert.Throws<ShareAlreadyIssuedException>(() => guard.GetOrCreateShare(new Combiner(c.Multiparty, [1, 3]).GetDecryptionSecret(shares[0]), sum));
        var guard2 = new DecryptionShareGuard(c.Multiparty, new InMemoryShareLedger()); // each party keeps its own ledger
        Assert.Throws<ArgumentException>(() => guard2.GetOrCreateShare(s2, sum, expectedSummands: 4));

        DecryptionShare agg = c.Protocol.AllocateShare();
        c.Protocol.AggregateShares(agg, DecryptionShare.Deserialize(c.Multiparty, first), agg);
        c.Protocol.AggregateShares(agg, DecryptionShare.Deserialize(c.Multiparty, guard2.GetOrCreateShare(s2, sum, 3)), agg);
        CkksPlaintext plain = c.Protocol.Finalize(sum, agg);
        Assert.True(MaxError(c.Encoder.Decode(plain), expected) <= plain.SlotErrorBound);
    }

    [Fact]
    public void AnUnderstatedNoiseBoundDoesNotShrinkTheFlooding()
    {
        var c = new Consortium(Agg, 3, 3, "understated");
        (CkksCiphertext sum, _) = c.EncryptAndSum(3, 1.0);
        double honest = c.Protocol.FloodingSigma(sum);
        sum.NoiseBound = 1;
        Assert.Equal(honest, c.Protocol.FloodingSigma(sum));
    }
}
