using SecAgg.Crypto.Multiparty;

namespace SecAgg.Crypto.Tests.Multiparty;

public sealed class CollectiveDecryptionTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(50)]
    public void CollectiveDecryptionOfSumEqualsExactSum(int parties)
    {
        MultipartyParameters p = MultipartyParameters.CreateInsecureForTests(parties, parties, ringDegree: parties >= 50 ? 64 : 128);
        var f = new MultipartyFixture(p, $"e2e-{parties}");
        (CompactCiphertext sum, ulong[] expected) = f.EncryptAndSum(parties);
        var proto = new DecryptionShareProtocol(p);
        DecryptionShare agg = f.Decrypt(sum, f.Secrets.Select(DecryptionSecret.ForAllParties));
        ulong[] got = proto.Finalize(sum, agg);
        Assert.Equal(expected, got);
        uint[] wrapped = proto.FinalizeWrapped(sum, agg);
        Assert.Equal(expected.Select(e => (uint)(e % (1UL << p.ValueBits))), wrapped);
    }
}
