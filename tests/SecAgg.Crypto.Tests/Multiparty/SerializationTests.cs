using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Multiparty;

namespace SecAgg.Crypto.Tests.Multiparty;

public sealed class SerializationTests
{
    private static readonly MultipartyParameters P = MultipartyParameters.CreateInsecureForTests(3, 2, ringDegree: 64);
    private static readonly MultipartyFixture F = new(P, "serialization");

    [Fact]
    public void PublicKeySharesRoundTripAndAggregateToTheSameKey()
    {
        var pkg = new PublicKeyGenProtocol(P);
        PublicKeyShare agg = pkg.AllocateShare();
        foreach (PartySecret s in F.Secrets)
        {
            PublicKeyShare share = pkg.AllocateShare();
            pkg.GenerateShare(s, F.Crp, share, F.Prng);
            byte[] bytes = share.Serialize();
            PublicKeyShare back = PublicKeyShare.Deserialize(P, bytes);
            Assert.Equal(bytes, back.Serialize());
            Assert.Equal([s.PartyId], back.Contributors);
            pkg.AggregateShares(agg, back, agg);
        }

        CollectivePublicKey pk = pkg.Finalize(PublicKeyShare.Deserialize(P, agg.Serialize()), F.Crp);
        CollectivePublicKey pk2 = CollectivePublicKey.Deserialize(P, pk.Serialize());
        Assert.Equal(pk.Serialize(), pk2.Serialize());
    }

    [Fact]
    public void FinalizeRefusesAnIncompleteOrDoubleCountedAggregate()
    {
        var pkg = new PublicKeyGenProtocol(P);
        PublicKeyShare a = pkg.AllocateShare();
        pkg.GenerateShare(F.Secrets[0], F.Crp, a, F.Prng);
        var ex = Assert.Throws<InvalidOperationException>(() => pkg.Finalize(a, F.Crp));
        Assert.Contains("missing parties: 2, 3", ex.Message);
        Assert.Throws<ArgumentException>(() => pkg.AggregateShares(a, a, pkg.AllocateShare()));
    }

    [Fact]
    public void SameSeedGivesSameCommonPolynomialAndOtherSeedsDiffer()
    {
        byte[] seed = new byte[32];
        seed[0] = 7;
        byte[] other = (byte[])seed.Clone();
        other[31] = 1;
        Assert.Equal(CommonReferencePolynomial.Expand(P, seed).A.Data, CommonReferencePolynomial.Expand(P, seed).A.Data);
        Assert.NotEqual(CommonReferencePolynomial.Expand(P, seed).A.Data, CommonReferencePolynomial.Expand(P, other).A.Data);
        Assert.Throws<ArgumentException>(() => CommonReferencePolynomial.Expand(P, new byte[31]));
    }

    [Fact]
    public void CiphertextsRoundTripAtTheirBitPackedSize()
    {
        (CompactCiphertext sum, ulong[] expected) = F.EncryptAndSum(2);
        byte[] bytes = sum.Serialize();
        int packedBits = P.Primes.Take(P.WireLimbCount).Sum(q => 64 - System.Numerics.BitOperations.LeadingZeroCount(q));
        Assert.Equal(CompactCiphertext.HeaderBytes + 2 * ((P.RingDegree * packedBits / P.WireLimbCount + 7) / 8) * P.WireLimbCount, bytes.Length);
        CompactCiphertext back = CompactCiphertext.Deserialize(P, bytes);
        Assert.Equal(2, back.SummandCount);
        Assert.Equal(bytes, back.Serialize());
        DecryptionShare agg = F.Decrypt(back, F.Secrets.Select(DecryptionSecret.ForAllParties));
        Assert.Equal(expected, new DecryptionShareProtocol(P).Finalize(back, agg));
    }

    [Fact]
    public void CorruptedCiphertextsAreRejectedClearly()
    {
        byte[] good = F.Encryptor.Encrypt(F.RandomValues(10), F.Prng).Serialize();
        Assert.Throws<InvalidDataException>(() => CompactCiphertext.Deserialize(P, good.AsSpan(0, good.Length - 1)));
        Assert.Throws<InvalidDataException>(() => CompactCiphertext.Deserialize(P, good.AsSpan(0, 5)));
        Assert.Throws<InvalidDataException>(() => CompactCiphertext.Deserialize(P, [.. good, 0]));
        byte[] bad = (byte[])good.Clone();
        bad[0] = (byte)'X';
        Assert.Throws<InvalidDataException>(() => CompactCiphertext.Deserialize(P, bad));
        bad = (byte[])good.Clone();
        bad[4] = 9; // version
        Assert.Throws<InvalidDataException>(() => CompactCiphertext.Deserialize(P, bad));
        bad = (byte[])good.Clone();
        bad[5] = 1; // kind: public key share
        Assert.Throws<InvalidDataException>(() => CompactCiphertext.Deserialize(P, bad));
        bad = (byte[])good.Clone();
        bad[8] ^= 1; // parameter digest
        Assert.Throws<InvalidDataException>(() => CompactCiphertext.Deserialize(P, bad));
        bad = (byte[])good.Clone();
        bad[14] = 0; bad[15] = 0; bad[16] = 0; bad[17] = 0; // zero summands
        Assert.Throws<InvalidDataException>(() => CompactCiphertext.Deserialize(P, bad));
        bad = (byte[])good.Clone();
        bad[14] = 99; // more summands than MaxSummands
        Assert.Throws<InvalidDataException>(() => CompactCiphertext.Deserialize(P, bad));
        bad = (byte[])good.Clone();
        for (int i = 0; i < 8; i++)
        {
            bad[CompactCiphertext.HeaderBytes + i] = 0xFF; // first coefficient = 2^width − 1 ≥ prime
        }

        var ex = Assert.Throws<InvalidDataException>(() => CompactCiphertext.Deserialize(P, bad));
        Assert.Contains("≥ its prime", ex.Message);
        MultipartyParameters other = MultipartyParameters.CreateInsecureForTests(4, 2, ringDegree: 64);
        Assert.Throws<InvalidDataException>(() => CompactCiphertext.Deserialize(other, good));
    }

    [Fact]
    public void DecryptionSharesRoundTripAndRejectTampering()
    {
        (CompactCiphertext sum, ulong[] expected) = F.EncryptAndSum(3);
        var proto = new DecryptionShareProtocol(P);
        DecryptionShare agg = proto.AllocateShare();
        foreach (PartySecret s in F.Secrets)
        {
            DecryptionShare h = proto.AllocateShare();
            proto.GenerateShare(DecryptionSecret.ForAllParties(s), sum, h, F.Prng);
            byte[] bytes = h.Serialize();
            DecryptionShare back = DecryptionShare.Deserialize(P, bytes);
            Assert.Equal(bytes, back.Serialize());
            proto.AggregateShares(agg, back, agg);
        }

        Assert.Equal(expected, proto.Finalize(sum, agg));
        byte[] good = agg.Serialize();
        Assert.Throws<InvalidDataException>(() => DecryptionShare.Deserialize(P, good.AsSpan(1)));
        byte[] bad = (byte[])good.Clone();
        bad[14 + 16] = 0x01; // set = {1} only, below the threshold 2
        Assert.Throws<InvalidDataException>(() => DecryptionShare.Deserialize(P, bad));
        bad = (byte[])good.Clone();
        bad[14 + 16] = 0x80; // party 8 of 3
        Assert.Throws<InvalidDataException>(() => DecryptionShare.Deserialize(P, bad));

        (CompactCiphertext other, _) = F.EncryptAndSum(1);
        Assert.Throws<ArgumentException>(() => proto.Finalize(other, agg));
    }

    [Fact]
    public void SecretsAndShamirSharesRoundTrip()
    {
        PartySecret s = F.Secrets[1];
        using PartySecret back = PartySecret.Deserialize(P, s.Serialize());
        Assert.Equal(s.PartyId, back.PartyId);
        Assert.Equal(s.Coefficients.ToArray(), back.Coefficients.ToArray());
        byte[] bad = s.Serialize();
        bad[^1] = 0xFF;
        Assert.Throws<InvalidDataException>(() => PartySecret.Deserialize(P, bad));

        var th = new Thresholdizer(P);
        ShamirShare[] dealt = th.GenerateShares(s, F.Prng);
        ShamirShare sh = ShamirShare.Deserialize(P, dealt[2].Serialize());
        Assert.Equal((2, 3), (sh.DealerId, sh.RecipientId));
        Assert.Equal(dealt[2].Value.Data, sh.Value.Data);

        // The t−1 parties after the dealer get a seed (54 bytes) that expands to the same share; the others a full polynomial.
        foreach (ShamirShare d in dealt)
        {
            byte[] wire = d.Serialize();
            ShamirShare parsed = ShamirShare.Deserialize(P, wire);
            Assert.Equal(d.Value.Data, parsed.Value.Data);
            Assert.Equal(d.IsSeeded, parsed.IsSeeded);
            Assert.Equal(d.IsSeeded, wire.Length == 54);
        }

        Assert.Equal(P.Threshold - 1, dealt.Count(d => d.IsSeeded));
        Assert.True(dealt[s.PartyId % P.Parties].IsSeeded || P.Threshold == 1);
        byte[] seeded = dealt.First(d => d.IsSeeded).Serialize();
        Assert.Throws<InvalidDataException>(() => ShamirShare.Deserialize(P, seeded.AsSpan(0, 53)));
        ThresholdSecretShare[] ts = F.DealThreshold();
        Assert.Equal(ts[0].Value.Data, ThresholdSecretShare.Deserialize(P, ts[0].Serialize()).Value.Data);
        Assert.Throws<InvalidDataException>(() => ThresholdSecretShare.Deserialize(P, dealt[2].Serialize()));
    }

    [Fact]
    public void DisposedSecretIsZeroedAndUnusable()
    {
        using var prng = Prng.FromSeed([1], "dispose");
        PartySecret s = PartySecret.Generate(P, 1, prng);
        _ = s.NttKeyLevel;
        s.Dispose();
        Assert.Throws<ObjectDisposedException>(() => s.Serialize());
    }

    [Fact]
    public void ThresholdizerAggregateNeedsOneShareFromEveryDealer()
    {
        var th = new Thresholdizer(P);
        ShamirShare[][] dealt = F.Secrets.Select(s => th.GenerateShares(s, F.Prng)).ToArray();
        var ex = Assert.Throws<ArgumentException>(() => th.AggregateShares(1, [dealt[0][0], dealt[2][0]]));
        Assert.Contains("dealer(s) 2", ex.Message);
        Assert.Throws<ArgumentException>(() => th.AggregateShares(1, [dealt[0][0], dealt[0][0], dealt[2][0]]));
        Assert.Throws<ArgumentException>(() => th.AggregateShares(1, [dealt[0][0], dealt[1][1], dealt[2][0]]));
    }

    [Fact]
    public void SummingBeyondMaxSummandsIsRefused()
    {
        (CompactCiphertext sum, _) = F.EncryptAndSum(3);
        Assert.Throws<InvalidOperationException>(() => sum.AddInplace(F.Encryptor.Encrypt([1], F.Prng)));
        Assert.Throws<ArgumentOutOfRangeException>(() => F.Encryptor.Encrypt([1u << 16], F.Prng));
        Assert.Throws<ArgumentException>(() => F.Encryptor.Encrypt(new uint[P.ValuesPerCiphertext + 1], F.Prng));
    }
}
