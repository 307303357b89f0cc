using SecAgg.Crypto.Multiparty;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

public sealed class AggregationSerializationTests
{
    private static readonly AggregationParameters P = AggregationParameters.CreateInsecureForTests(4, 3, maxColluders: 2);
    private static readonly AggregationParameters Other = AggregationParameters.CreateInsecureForTests(4, 3, maxColluders: 1);
    private static readonly AggregationFixture F = new(P, "v2-serialization");

    /// <summary>Every structural tampering a reader must refuse: truncation, extension, magic, version, kind, parameter digest.</summary>
    private static void AssertRefusesTampering(byte[] good, Action<byte[]> read)
    {
        read(good);
        Assert.Throws<InvalidDataException>(() => read(good[..^1]));
        Assert.Throws<InvalidDataException>(() => read(good[..5]));
        Assert.Throws<InvalidDataException>(() => read([.. good, 0]));
        foreach ((int index, byte value, string message) in new[] { (0, (byte)'X', "magic"), (4, (byte)9, "version"), (5, (byte)3, "kind"), (6, (byte)(good[6] ^ 1), "different aggregation parameters") })
        {
            byte[] bad = (byte[])good.Clone();
            bad[index] = value;
            Assert.Contains(message, Assert.Throws<InvalidDataException>(() => read(bad)).Message);
        }
    }

    [Fact]
    public void UploadsRoundTripAtTheirBitPackedSizeAndRefuseTampering()
    {
        RoundPolynomial a = F.A(1);
        MaskedUpload upload = F.Encrypt(1, F.RandomValues(), a);
        byte[] bytes = upload.Serialize();
        int bits = P.Primes.Sum(q => 64 - System.Numerics.BitOperations.LeadingZeroCount(q));
        Assert.Equal(MaskedUpload.HeaderBytes + (P.RingDegree * bits / 8), bytes.Length);
        Assert.Equal(P.UploadBytes, bytes.Length);
        Assert.Equal(bytes, MaskedUpload.Deserialize(P, bytes).Serialize());
        AssertRefusesTampering(bytes, b => MaskedUpload.Deserialize(P, b));
        Assert.Throws<InvalidDataException>(() => MaskedUpload.Deserialize(Other, bytes));

        foreach (int count in new[] { 0, -1, P.MaxSummands + 1 })
        {
            byte[] bad = (byte[])bytes.Clone();
            BitConverter.TryWriteBytes(bad.AsSpan(14), count);
            Assert.Contains("summands", Assert.Throws<InvalidDataException>(() => MaskedUpload.Deserialize(P, bad)).Message);
        }

        byte[] large = (byte[])bytes.Clone();
        large.AsSpan(MaskedUpload.HeaderBytes, 7).Fill(0xFF); // the first residue of limb 0 becomes 2^50 − 1 ≥ q_0
        Assert.Contains("not below its prime", Assert.Throws<InvalidDataException>(() => MaskedUpload.Deserialize(P, large)).Message);
    }

    [Fact]
    public void FoldingUploadBytesInPlaceEqualsAddingDeserializedUploads()
    {
        RoundPolynomial a = F.A(2);
        (MaskedUpload[] uploads, _) = F.UploadAll(a);
        MaskedUpload fromBytes = MaskedUpload.CreateEmptySum(P);
        MaskedUpload fromObjects = MaskedUpload.CreateEmptySum(P);
        foreach (MaskedUpload u in uploads[..3])
        {
            fromBytes.AddInplace(u.Serialize());
            fromObjects.AddInplace(MaskedUpload.Deserialize(P, u.Serialize()));
        }

        Assert.Equal(3, fromBytes.SummandCount);
        Assert.Equal(fromObjects.Serialize(), fromBytes.Serialize());
        fromBytes.AddInplace(uploads[3].Serialize());
        Assert.Equal(4, fromBytes.SummandCount);
        Assert.Throws<InvalidOperationException>(() => fromBytes.AddInplace(uploads[0].Serialize())); // K = 4
        Assert.Equal(4, fromBytes.SummandCount);
        byte[] bad = uploads[0].Serialize();
        bad[5] = 3;
        Assert.Throws<InvalidDataException>(() => MaskedUpload.CreateEmptySum(P).AddInplace(bad));
    }

    [Fact]
    public void DecryptionSharesRoundTripAndRefuseTampering()
    {
        RoundPolynomial a = F.A(1);
        SetDecryptionSession session = F.Session(1, [1, 2], [1, 2, 4]);
        SetDecryptionShare share = F.Answer(session, a, [2, 4]);
        byte[] bytes = share.Serialize();
        Assert.Equal(P.ShareBytes, bytes.Length);
        SetDecryptionShare back = SetDecryptionShare.Deserialize(P, bytes);
        Assert.Equal([2, 4], back.Contributors);
        Assert.Equal(session.Digest.ToArray(), back.SessionDigest.ToArray());
        Assert.Equal(bytes, back.Serialize());
        AssertRefusesTampering(bytes, b => SetDecryptionShare.Deserialize(P, b));

        int bitmap = 14 + 32 + 4;
        byte[] noContributor = (byte[])bytes.Clone();
        noContributor[bitmap] = 0;
        Assert.Throws<InvalidDataException>(() => SetDecryptionShare.Deserialize(P, noContributor));
        byte[] outsider = (byte[])bytes.Clone();
        outsider[bitmap] |= 1 << 5; // party 6 of 4
        Assert.Contains("only 4", Assert.Throws<InvalidDataException>(() => SetDecryptionShare.Deserialize(P, outsider)).Message);
        Assert.Throws<InvalidOperationException>(() => F.Protocol.AllocateShare().Serialize());
    }

    [Fact]
    public void ValidatingUploadsAndSharesWithoutParsingRefusesWhatDeserializeRefuses()
    {
        RoundPolynomial a = F.A(3);
        byte[] upload = F.Encrypt(1, F.RandomValues(), a).Serialize();
        Assert.Equal(1, MaskedUpload.Validate(P, upload));
        AssertRefusesTampering(upload, b => MaskedUpload.Validate(P, b));
        byte[] large = (byte[])upload.Clone();
        large.AsSpan(large.Length - 16).Fill(0xFF); // 128 one bits hold a whole residue of the last limb: ≥ its prime
        Assert.Throws<InvalidDataException>(() => MaskedUpload.Deserialize(P, large));
        Assert.Contains("not below its prime", Assert.Throws<InvalidDataException>(() => MaskedUpload.Validate(P, large)).Message);

        SetDecryptionSession session = F.Session(3, [1, 2], [1, 2, 4]);
        byte[] share = F.Answer(session, a, [4]).Serialize();
        SetDecryptionShareHeader header = SetDecryptionShare.Validate(P, share);
        Assert.Equal([4], header.Contributors);
        Assert.Equal(session.Digest.ToArray(), header.SessionDigest.ToArray());
        AssertRefusesTampering(share, b => SetDecryptionShare.Validate(P, b));
        byte[] badShare = (byte[])share.Clone();
        badShare.AsSpan(badShare.Length - 16).Fill(0xFF);
        Assert.Throws<InvalidDataException>(() => SetDecryptionShare.Deserialize(P, badShare));
        Assert.Throws<InvalidDataException>(() => SetDecryptionShare.Validate(P, badShare));
        Assert.Equal([4], SetDecryptionShare.ReadHeader(P, badShare).Contributors); // the framing alone is fine
    }

    [Fact]
    public void FoldingMalformedUploadBytesLeavesTheSumUnchanged()
    {
        RoundPolynomial a = F.A(4);
        (MaskedUpload[] uploads, _) = F.UploadAll(a);
        MaskedUpload sum = MaskedUpload.Deserialize(P, uploads[0].Serialize());
        byte[] before = sum.Serialize();
        byte[] bad = uploads[1].Serialize();
        bad.AsSpan(bad.Length - 16).Fill(0xFF); // late in the last limb: most residues were already added
        Assert.Throws<InvalidDataException>(() => sum.AddInplace(bad));
        Assert.Equal(1, sum.SummandCount);
        Assert.Equal(before, sum.Serialize());
    }

    [Fact]
    public void AggregatingShareBytesEqualsAggregatingDeserializedShares()
    {
        RoundPolynomial a = F.A(5);
        SetDecryptionSession session = F.Session(5, [1, 2, 3], [1, 2, 4]);
        byte[][] shares = [.. new[] { 1, 2, 4 }.Select(j => F.Answer(session, a, [j]).Serialize())];
        SetDecryptionShare fromBytes = F.Protocol.AllocateShare();
        SetDecryptionShare fromObjects = F.Protocol.AllocateShare();
        foreach (byte[] s in shares)
        {
            F.Protocol.AggregateShare(fromBytes, s);
            F.Protocol.AggregateShares(fromObjects, SetDecryptionShare.Deserialize(P, s), fromObjects);
        }

        Assert.Equal([1, 2, 4], fromBytes.Contributors);
        Assert.Equal(fromObjects.Serialize(), fromBytes.Serialize());
        Assert.Contains("counted twice", Assert.Throws<ArgumentException>(() => F.Protocol.AggregateShare(fromBytes, shares[0])).Message);
        byte[] otherSession = F.Answer(F.Session(6, [1, 2, 3], [1, 2, 4]), F.A(6), [4]).Serialize();
        Assert.Contains("different decryption sessions", Assert.Throws<ArgumentException>(() => F.Protocol.AggregateShare(fromBytes, otherSession)).Message);

        SetDecryptionShare partial = F.Protocol.AllocateShare();
        F.Protocol.AggregateShare(partial, shares[0]);
        byte[] before = partial.Serialize();
        byte[] bad = (byte[])shares[1].Clone();
        bad.AsSpan(bad.Length - 16).Fill(0xFF);
        Assert.Throws<InvalidDataException>(() => F.Protocol.AggregateShare(partial, bad));
        Assert.Equal(before, partial.Serialize());
        Assert.Equal([1], partial.Contributors);
    }

    [Fact]
    public void SecretsAndKeySharesRoundTripAndRefuseTampering()
    {
        byte[] secret = F.Secrets[2].Serialize();
        using KeyShareSecret back = KeyShareSecret.Deserialize(P, secret);
        Assert.Equal(3, back.PartyId);
        Assert.Equal(F.Secrets[2].Coefficients.ToArray(), back.Coefficients.ToArray());
        AssertRefusesTampering(secret, b => KeyShareSecret.Deserialize(P, b));
        byte[] badCode = (byte[])secret.Clone();
        badCode[^1] |= 0xC0; // ternary code 3
        Assert.Contains("invalid ternary code", Assert.Throws<InvalidDataException>(() => KeyShareSecret.Deserialize(P, badCode)).Message);

        foreach (DealtKeyShare dealt in F.Dealt[0])
        {
            byte[] bytes = dealt.Serialize();
            Assert.Equal(dealt.IsSeeded ? 14 + 8 + 32 : 14 + 8 + P.PolyBytes, bytes.Length);
            DealtKeyShare again = DealtKeyShare.Deserialize(P, bytes);
            Assert.Equal(dealt.Value.Coefficients.ToArray(), again.Value.Coefficients.ToArray());
            Assert.Equal(bytes, again.Serialize());
            AssertRefusesTampering(bytes, b => DealtKeyShare.Deserialize(P, b));
        }

        Assert.Equal(2, F.Dealt[0].Count(d => d.IsSeeded)); // t − 1 seeded

        byte[] kept = F.KeyShares[1].Serialize();
        using ThresholdKeyShares restored = ThresholdKeyShares.Deserialize(P, kept);
        Assert.Equal(kept, restored.Serialize());
        for (int dealer = 1; dealer <= P.Parties; dealer++)
        {
            Assert.Equal(F.KeyShares[1].ShareFrom(dealer).Coefficients.ToArray(), restored.ShareFrom(dealer).Coefficients.ToArray());
        }

        AssertRefusesTampering(kept, b => ThresholdKeyShares.Deserialize(P, b));
        byte[] badTag = (byte[])kept.Clone();
        badTag[14 + 4] = 7;
        Assert.Contains("tag 7", Assert.Throws<InvalidDataException>(() => ThresholdKeyShares.Deserialize(P, badTag)).Message);
    }

    [Fact]
    public void DisposedSecretsAreWipedAndUnusable()
    {
        var f = new AggregationFixture(P, "dispose");
        KeyShareSecret s = f.Secrets[0];
        ThresholdKeyShares kept = f.KeyShares[0];
        Assert.Contains(kept.StoredBytes.ToArray(), b => b != 0);
        s.Dispose();
        kept.Dispose();
        Assert.All(kept.StoredBytes.ToArray(), b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => kept.ShareFrom(2));
        Assert.Throws<ObjectDisposedException>(() => s.Serialize());
        Assert.Throws<ObjectDisposedException>(() => kept.Serialize());
    }

    [Fact]
    public void DealingRefusesMissingDuplicateOrMisaddressedShares()
    {
        var dealer = new KeyShareDealer(P);
        DealtKeyShare[] toTwo = [.. F.Dealt.Select(d => d[1])];
        Assert.Contains("dealer(s) 3", Assert.Throws<ArgumentException>(() => dealer.AggregateShares(2, [toTwo[0], toTwo[1], toTwo[3]])).Message);
        Assert.Contains("sent two", Assert.Throws<ArgumentException>(() => dealer.AggregateShares(2, [.. toTwo, toTwo[0]])).Message);
        Assert.Contains("addressed to party 2", Assert.Throws<ArgumentException>(() => dealer.AggregateShares(3, toTwo)).Message);
    }
}
