using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using System.Numerics;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Tests.Multiparty;

public sealed class ThresholdDecryptionTests
{
    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 3)]
    [InlineData(3, 5)]
    [InlineData(4, 10)]
    [InlineData(7, 10)]
    [InlineData(26, 50)]
    public void AnyThresholdMembersDecryptTheSum(int threshold, int parties)
    {
        MultipartyParameters p = MultipartyParameters.CreateInsecureForTests(parties, threshold, ringDegree: 64);
        var f = new MultipartyFixture(p, $"thr-{threshold}-{parties}");
        ThresholdSecretShare[] shares = f.DealThreshold();
        var proto = new DecryptionShareProtocol(p);
        for (int trial = 0; trial < 3; trial++)
        {
            (CompactCiphertext sum, ulong[] expected) = f.EncryptAndSum(parties);
            int[] set = Enumerable.Range(1, parties).OrderBy(_ => f.Prng.NextUInt64()).Take(threshold).ToArray();
            var combiner = new Combiner(p, set);
            DecryptionShare agg = f.Decrypt(sum, set.Select(id => combiner.GetDecryptionSecret(shares[id - 1])));
            Assert.Equal(expected, proto.Finalize(sum, agg));
        }
    }

    [Fact]
    public void MoreThanThresholdMembersAlsoDecrypt()
    {
        MultipartyParameters p = MultipartyParameters.CreateInsecureForTests(5, 3, ringDegree: 64);
        var f = new MultipartyFixture(p, "thr-more");
        ThresholdSecretShare[] shares = f.DealThreshold();
        (CompactCiphertext sum, ulong[] expected) = f.EncryptAndSum(5);
        var combiner = new Combiner(p, [1, 2, 4, 5]);
        DecryptionShare agg = f.Decrypt(sum, combiner.ActiveSet.Select(id => combiner.GetDecryptionSecret(shares[id - 1])));
        Assert.Equal(expected, new DecryptionShareProtocol(p).Finalize(sum, agg));
    }

    [Fact]
    public void DecryptWithOneMemberMissingFailsNamingIt()
    {
        MultipartyParameters p = MultipartyParameters.CreateInsecureForTests(5, 3, ringDegree: 64);
        var f = new MultipartyFixture(p, "thr-missing");
        ThresholdSecretShare[] shares = f.DealThreshold();
        (CompactCiphertext sum, _) = f.EncryptAndSum(2);
        var combiner = new Combiner(p, [1, 3, 5]);
        DecryptionShare agg = f.Decrypt(sum, new[] { 1, 5 }.Select(id => combiner.GetDecryptionSecret(shares[id - 1])));
        var ex = Assert.Throws<InvalidOperationException>(() => new DecryptionShareProtocol(p).Finalize(sum, agg));
        Assert.Contains("member(s) 3", ex.Message);
    }

    [Fact]
    public void DecryptWithOnePartyMissingFailsInNofN()
    {
        MultipartyParameters p = MultipartyParameters.CreateInsecureForTests(3, 3, ringDegree: 64);
        var f = new MultipartyFixture(p, "nofn-missing");
        (CompactCiphertext sum, _) = f.EncryptAndSum(3);
        DecryptionShare agg = f.Decrypt(sum, f.Secrets.Take(2).Select(DecryptionSecret.ForAllParties));
        Assert.Throws<InvalidOperationException>(() => new DecryptionShareProtocol(p).Finalize(sum, agg));
    }

    [Fact]
    public void CombinerRefusesTooFewMembersOrOutsiders()
    {
        MultipartyParameters p = MultipartyParameters.CreateInsecureForTests(5, 3, ringDegree: 64);
        Assert.Throws<ArgumentException>(() => new Combiner(p, [1, 2]));
        Assert.Throws<ArgumentException>(() => new Combiner(p, [1, 2, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Combiner(p, [1, 2, 6]));
        var f = new MultipartyFixture(p, "outsider");
        ThresholdSecretShare[] shares = f.DealThreshold();
        Assert.Throws<ArgumentException>(() => new Combiner(p, [1, 2, 3]).GetDecryptionSecret(shares[4]));
    }

    [Fact]
    public void SharesForDifferentSetsDoNotCombine()
    {
        MultipartyParameters p = MultipartyParameters.CreateInsecureForTests(4, 2, ringDegree: 64);
        var f = new MultipartyFixture(p, "sets");
        ThresholdSecretShare[] shares = f.DealThreshold();
        (CompactCiphertext sum, _) = f.EncryptAndSum(2);
        DecryptionShare a = f.Decrypt(sum, [new Combiner(p, [1, 2]).GetDecryptionSecret(shares[0])]);
        DecryptionShare b = f.Decrypt(sum, [new Combiner(p, [2, 3]).GetDecryptionSecret(shares[1])]);
        var proto = new DecryptionShareProtocol(p);
        Assert.Throws<ArgumentException>(() => proto.AggregateShares(a, b, proto.AllocateShare()));
    }

    [Fact]
    public void ThresholdMinusOneSharesGiveUniformOutput()
    {
        // Encrypt zeros, so that c0 + Σ_all h_j is small (far from uniform: the χ² test can fail),
        // then check that c0 + Σ of t−1 Lagrange-weighted shares is uniform mod each prime.
        MultipartyParameters p = MultipartyParameters.CreateInsecureForTests(5, 3, ringDegree: 256);
        var f = new MultipartyFixture(p, "chi-dec");
        ThresholdSecretShare[] shares = f.DealThreshold();
        CompactCiphertext ct = f.Encryptor.Encrypt(new uint[p.ValuesPerCiphertext], f.Prng);
        var combiner = new Combiner(p, [1, 3, 4]);
        DecryptionShare partial = f.Decrypt(ct, new[] { 1, 4 }.Select(id => combiner.GetDecryptionSecret(shares[id - 1])));
        DecryptionShare full = f.Decrypt(ct, combiner.ActiveSet.Select(id => combiner.GetDecryptionSecret(shares[id - 1])));
        RingQ ring = p.WireRing;
        double ChiOf(DecryptionShare s)
        {
            Poly x = ring.NewPoly();
            ring.AddLimbs(ct.C0, s.Value, x);
            var bins = new long[16];
            for (int l = 0; l < x.LimbCount; l++)
            {
                for (int j = 0; j < p.RingDegree; j++)
                {
                    bins[(int)((UInt128)x.Data[l * p.RingDegree + j] * 16 / ring.Moduli[l].Value)]++;
                }
            }

            return ShamirSharingTests.ChiSquare(bins, x.Data.Length);
        }

        Assert.True(ChiOf(partial) < 37.7, $"χ² = {ChiOf(partial)}");
        Assert.True(ChiOf(full) > 200, $"χ² = {ChiOf(full)}");
    }

    [Fact]
    public void ResidualNoiseAfterCombinationHasTheFloodingVariance()
    {
        // Σ_j h_j − c1·s = Σ_j e_flood,j: its empirical variance must be T·σ_flood², σ_flood = 2^(λ/2)·B_ct.
        MultipartyParameters p = MultipartyParameters.CreateInsecureForTests(3, 3, ringDegree: 1024);
        var f = new MultipartyFixture(p, "flood-var");
        (CompactCiphertext sum, ulong[] expected) = f.EncryptAndSum(3);
        var proto = new DecryptionShareProtocol(p);
        DecryptionShare agg = f.Decrypt(sum, f.Secrets.Select(DecryptionSecret.ForAllParties));
        Assert.Equal(expected, proto.Finalize(sum, agg));

        RingQ ring = p.WireRing;
        Poly s = ring.NewPoly();
        foreach (PartySecret sec in f.Secrets)
        {
            ring.AddLimbs(s, sec.NttKeyLevel.CloneLimbs(p.WireLimbCount), s);
        }

        Poly c1s = sum.C1.Clone();
        ring.Ntt(c1s);
        ring.MulCoeffs(c1s, s, c1s);
        ring.InverseNtt(c1s);
        Poly residual = ring.NewPoly();
        ring.Sub(agg.Value, c1s, residual);
        ulong q0 = ring.Moduli[0].Value;
        double sigma = proto.FloodingSigma(sum);
        Assert.Equal(Math.Ceiling(Math.Pow(2, p.FloodingLambda / 2.0) * sum.NoiseBound), sigma);
        double sumSq = 0;
        for (int j = 0; j < p.RingDegree; j++)
        {
            ulong v = residual.Data[j];
            double centered = v > q0 / 2 ? -(double)(q0 - v) : v;
            Assert.True(Math.Abs(centered) <= 3 * 12 * sigma);
            sumSq += centered * centered;
        }

        double ratio = sumSq / p.RingDegree / (3 * sigma * sigma);
        Assert.InRange(ratio, 0.85, 1.15);
    }

    [Fact]
    public void UploadNoiseNeverExceedsItsTrackedBound()
    {
        MultipartyParameters p = MultipartyParameters.CreateInsecureForTests(4, 4, ringDegree: 128);
        var f = new MultipartyFixture(p, "noise-bound");
        RingQ ring = p.WireRing;
        Poly s = ring.NewPoly();
        foreach (PartySecret sec in f.Secrets)
        {
            ring.AddLimbs(s, sec.NttKeyLevel.CloneLimbs(p.WireLimbCount), s);
        }

        BigInteger q = p.WireModulus, t = BigInteger.One << p.PlaintextModulusBits;
        for (int rep = 0; rep < 3; rep++)
        {
            uint[] v = f.RandomValues(p.ValuesPerCiphertext);
            CompactCiphertext ct = f.Encryptor.Encrypt(v, f.Prng);
            Poly x = ct.C1.Clone();
            ring.Ntt(x);
            ring.MulCoeffs(x, s, x);
            ring.InverseNtt(x);
            ring.AddLimbs(x, ct.C0, x);
            double worst = 0;
            for (int c = 0; c < p.RingDegree; c++)
            {
                BigInteger xc = RingArithmeticTests.Crt(p.Primes.Take(p.WireLimbCount).ToArray(), Enumerable.Range(0, x.LimbCount).Select(l => x.Data[l * p.RingDegree + c]).ToArray());
                BigInteger m = 0;
                for (int j = p.ValuesPerCoefficient - 1; j >= 0; j--)
                {
                    m = (m << p.SlotBits) | v[c * p.ValuesPerCoefficient + j];
                }

                // noise = x − q'·m/t (mod q'), centered; measured as (t·x − q'·m) / t
                BigInteger num = ((t * xc - q * m) % (t * q) + t * q) % (t * q);
                if (num > t * q / 2)
                {
                    num -= t * q;
                }

                worst = Math.Max(worst, Math.Abs((double)num / (double)t));
            }

            Assert.True(worst <= p.UploadNoiseBound, $"noise {worst} > bound {p.UploadNoiseBound}");
            Assert.True(worst > 0);
        }
    }
}
