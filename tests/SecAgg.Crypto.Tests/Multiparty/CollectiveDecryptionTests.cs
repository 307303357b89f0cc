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

public sealed class PlannedParameterEndToEndTests
{
    [Theory]
    [InlineData(10, 16, 8192)]
    [InlineData(3, 16, 16384)]
    public void PlannedParametersDecryptTheSumCorrectly(int parties, int bits, int maxRingDegree)
    {
        ParameterPlan plan = ParameterPlanner.Plan(new PlannerRequest { Parties = parties, ValueBits = bits, MaxRingDegree = maxRingDegree });
        MultipartyParameters p = plan.Parameters;
        var f = new MultipartyFixture(p, $"planned-{parties}-{bits}-{maxRingDegree}");
        (CompactCiphertext sum, ulong[] expected) = f.EncryptAndSum(parties);
        Assert.Equal(plan.CiphertextBytes, sum.Serialize().Length);
        DecryptionShare agg = f.Decrypt(sum, f.Secrets.Select(DecryptionSecret.ForAllParties));
        Assert.Equal(expected, new DecryptionShareProtocol(p).Finalize(sum, agg));
    }
}
