using System.Security.Cryptography;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Tests.V2;

public sealed class EpochSeedBeaconTests
{
    private static EpochSeedBeacon[] Join(TestConsortium tc, ulong epoch) =>
        [.. tc.Ids.Select(id => EpochSeedBeacon.Create(tc.NewRoster(), tc.Signer(id), id, epoch))];

    /// <summary>Every participant of <paramref name="tc"/> committed and verified all N commits.</summary>
    private static EpochSeedBeacon[] Committed(TestConsortium tc, ulong epoch)
    {
        EpochSeedBeacon[] beacons = Join(tc, epoch);
        SignedStatement[] commits = [.. beacons.Select(b => b.CreateCommit())];
        foreach (EpochSeedBeacon b in beacons)
        {
            b.VerifyCommits(commits);
        }

        return beacons;
    }

    private static void AssertNoReveal(EpochSeedBeacon beacon)
    {
        Assert.False(beacon.CommitsVerified);
        Assert.Throws<InvalidOperationException>(() => beacon.CreateReveal());
        Assert.Throws<InvalidOperationException>(() => beacon.CreateEnvelope());
        Assert.Throws<InvalidOperationException>(() => beacon.DeriveSeed([]));
    }

    [Fact]
    public void HonestEpochGivesEveryParticipantTheSameSeedByTheDocumentedFormula()
    {
        using TestConsortium tc = TestConsortium.Create();
        EpochSeedBeacon[] beacons = Join(tc, 5);
        SignedStatement[] commits = [.. beacons.Select(b => b.CreateCommit())];
        foreach (EpochSeedBeacon b in beacons)
        {
            Assert.Equal(tc.Ids, b.VerifyCommits([.. commits.Reverse()]).Select(c => c.ParticipantId));
        }

        SignedStatement[] reveals = [.. beacons.Select(b => b.CreateReveal())];
        byte[][] seeds = [.. beacons.Select(b => b.DeriveSeed(reveals))];

        // Independent reference: SHA-256("secagg/v2/epoch-seed" ‖ digest ‖ epoch LE ‖ r_1 ‖ … ‖ r_N) from the reveals' bytes.
        byte[] rs = [.. reveals.SelectMany(r => r.Statement.ToArray()[^32..])];
        byte[] expected = SHA256.HashData([.. "secagg/v2/epoch-seed"u8.ToArray(), .. tc.Digest, .. BitConverter.GetBytes(5UL), .. rs]);
        Assert.All(seeds, s => Assert.Equal(expected, s));
        foreach (EpochSeedBeacon b in beacons)
        {
            b.Dispose();
        }
    }

    [Fact]
    public void StateSurvivesARestartAndGivesTheSameCommit()
    {
        using TestConsortium tc = TestConsortium.Create();
        using EpochSeedBeacon first = EpochSeedBeacon.Create(tc.Roster, tc.Signer("hospital-1"), "hospital-1", 3);
        byte[] state = first.ExportState();
        using EpochSeedBeacon restored = EpochSeedBeacon.Restore(tc.Roster, tc.Signer("hospital-1"), "hospital-1", 3, state);
        Assert.Equal(first.CreateCommit().Statement.ToArray(), restored.CreateCommit().Statement.ToArray());

        Assert.Throws<InvalidDataException>(() => EpochSeedBeacon.Restore(tc.Roster, tc.Signer("hospital-1"), "hospital-1", 4, state));
        Assert.Throws<InvalidDataException>(() => EpochSeedBeacon.Restore(tc.Roster, tc.Signer("hospital-2"), "hospital-2", 3, state));
        byte[] damaged = [.. state];
        damaged[60] ^= 1;
        Assert.Contains("damaged", Assert.Throws<InvalidDataException>(() => EpochSeedBeacon.Restore(tc.Roster, tc.Signer("hospital-1"), "hospital-1", 3, damaged)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoFreshBeaconsDrawDifferentContributionsAndKeys()
    {
        using TestConsortium tc = TestConsortium.Create();
        using EpochSeedBeacon a = EpochSeedBeacon.Create(tc.Roster, tc.Signer("hospital-1"), "hospital-1", 1);
        using EpochSeedBeacon b = EpochSeedBeacon.Create(tc.Roster, tc.Signer("hospital-1"), "hospital-1", 1);
        EpochCommit ca = EpochCommit.Parse(a.CreateCommit().Statement.Span), cb = EpochCommit.Parse(b.CreateCommit().Statement.Span);
        Assert.NotEqual(ca.SeedCommitment.ToArray(), cb.SeedCommitment.ToArray());
        Assert.NotEqual(ca.KeyAgreementPublicKey.ToArray(), cb.KeyAgreementPublicKey.ToArray());
    }

    [Fact]
    public void HostileSubstitutedKeyAgreementKeyInACommitIsRefusedNamingTheParticipant()
    {
        using TestConsortium tc = TestConsortium.Create();
        EpochSeedBeacon[] beacons = Join(tc, 1);
        SignedStatement[] commits = [.. beacons.Select(b => b.CreateCommit())];

        // The aggregator puts its own key-agreement key into hospital-2's commit and relays it.
        using var mine = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        EpochCommit real = EpochCommit.Parse(commits[1].Statement.Span);
        byte[] substituted = new EpochCommit(tc.Digest, 1, "hospital-2", real.SeedCommitment.Span, mine.ExportSubjectPublicKeyInfo()).Encode();
        commits[1] = new SignedStatement(substituted, commits[1].Signature.Span);

        var e = Assert.Throws<KeyEpochException>(() => beacons[0].VerifyCommits(commits));
        Assert.Equal("hospital-2", e.ParticipantId);
        Assert.Contains("epoch commit of 'hospital-2' was refused", e.Message, StringComparison.Ordinal);
        Assert.Contains("signature does not verify", e.Message, StringComparison.Ordinal);
        AssertNoReveal(beacons[0]);
    }

    [Fact]
    public void HostileWithheldCommitProducesNoReveal()
    {
        using TestConsortium tc = TestConsortium.Create();
        EpochSeedBeacon[] beacons = Join(tc, 1);
        SignedStatement[] commits = [.. beacons.Select(b => b.CreateCommit())];
        var e = Assert.Throws<KeyEpochException>(() => beacons[0].VerifyCommits([.. commits.Where((_, i) => i != 2)]));
        Assert.Equal("hospital-3", e.ParticipantId);
        Assert.Contains("No epoch commit from 'hospital-3' (1 of 4 missing)", e.Message, StringComparison.Ordinal);
        AssertNoReveal(beacons[0]);
    }

    [Fact]
    public void HostileDuplicatedCommitIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        EpochSeedBeacon[] beacons = Join(tc, 1);
        SignedStatement[] commits = [.. beacons.Select(b => b.CreateCommit())];
        var e = Assert.Throws<KeyEpochException>(() => beacons[0].VerifyCommits([.. commits, beacons[3].CreateCommit()]));
        Assert.Equal("hospital-4", e.ParticipantId);
        AssertNoReveal(beacons[0]);
    }

    [Fact]
    public void HostileCommitReplayedFromEpochOneIntoEpochTwoIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        EpochSeedBeacon[] epoch1 = Join(tc, 1);
        EpochSeedBeacon[] epoch2 = Join(tc, 2);
        SignedStatement[] commits = [.. epoch2.Select(b => b.CreateCommit())];
        commits[3] = epoch1[3].CreateCommit();

        var e = Assert.Throws<KeyEpochException>(() => epoch2[0].VerifyCommits(commits));
        Assert.Equal("hospital-4", e.ParticipantId);
        Assert.Contains("signed for key epoch 1, not the current epoch 2 (a replay)", e.Message, StringComparison.Ordinal);
        Assert.Equal(StatementRejection.OtherEpoch, Assert.IsType<StatementRejectedException>(e.InnerException).Reason);
        AssertNoReveal(epoch2[0]);
    }

    [Fact]
    public void HostileCommitReplayedFromAnotherConsortiumIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        ConsortiumDescriptor other = ConsortiumDescriptor.Create(TestConsortium.Literal(tc.Descriptor.Roster, 3, 1, 3, name: "lung-study"));
        var otherRoster = new PinnedRoster(other, tc.Pki.Ca);
        for (int i = 0; i < tc.Ids.Length; i++)
        {
            otherRoster.Admit(tc.Ids[i], tc.Certificates[i]);
        }

        EpochSeedBeacon[] beacons = Join(tc, 1);
        SignedStatement[] commits = [.. beacons.Select(b => b.CreateCommit())];
        using EpochSeedBeacon elsewhere = EpochSeedBeacon.Create(otherRoster, tc.Signer("hospital-2"), "hospital-2", 1);
        commits[1] = elsewhere.CreateCommit();

        var e = Assert.Throws<KeyEpochException>(() => beacons[0].VerifyCommits(commits));
        Assert.Equal("hospital-2", e.ParticipantId);
        Assert.Contains("another consortium", e.Message, StringComparison.Ordinal);
        AssertNoReveal(beacons[0]);
    }

    [Fact]
    public void HostileOwnCommitSwappedForAnEarlierOneIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        EpochSeedBeacon[] beacons = Join(tc, 1);
        SignedStatement[] commits = [.. beacons.Select(b => b.CreateCommit())];

        // hospital-1 lost its state and started again; the aggregator keeps showing it its first (validly signed) commit.
        using EpochSeedBeacon restarted = EpochSeedBeacon.Create(tc.NewRoster(), tc.Signer("hospital-1"), "hospital-1", 1);
        var e = Assert.Throws<KeyEpochException>(() => restarted.VerifyCommits(commits));
        Assert.Equal("hospital-1", e.ParticipantId);
        Assert.Contains("not the one it made", e.Message, StringComparison.Ordinal);
        AssertNoReveal(restarted);
    }

    [Fact]
    public void HostileCommitsChangedAfterVerificationAreRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        EpochSeedBeacon[] beacons = Join(tc, 1);
        SignedStatement[] commits = [.. beacons.Select(b => b.CreateCommit())];
        beacons[0].VerifyCommits(commits);

        // A colluding hospital-3 makes a second commit; the aggregator shows the new set on a retry.
        using EpochSeedBeacon second = EpochSeedBeacon.Create(tc.NewRoster(), tc.Signer("hospital-3"), "hospital-3", 1);
        commits[2] = second.CreateCommit();
        var e = Assert.Throws<KeyEpochException>(() => beacons[0].VerifyCommits(commits));
        Assert.Equal("hospital-3", e.ParticipantId);
        Assert.Contains("differs from the one verified before", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostileRevealThatDoesNotMatchItsCommitIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        EpochSeedBeacon[] beacons = Committed(tc, 1);
        SignedStatement[] reveals = [.. beacons.Select(b => b.CreateReveal())];

        // The last revealer (hospital-4, colluding) saw the others' r and reveals another value to steer the seed.
        reveals[3] = tc.Signer("hospital-4").Sign(new EpochReveal(tc.Digest, 1, "hospital-4", RandomNumberGenerator.GetBytes(32)));
        byte[]? seed = null;
        var e = Assert.Throws<KeyEpochException>(() => seed = beacons[0].DeriveSeed(reveals));
        Assert.Equal("hospital-4", e.ParticipantId);
        Assert.Contains("does not match its commit", e.Message, StringComparison.Ordinal);
        Assert.Null(seed);
    }

    [Fact]
    public void HostileMissingOrForgedRevealIsRefused()
    {
        using TestConsortium tc = TestConsortium.Create();
        EpochSeedBeacon[] beacons = Committed(tc, 1);
        SignedStatement[] reveals = [.. beacons.Select(b => b.CreateReveal())];
        Assert.Equal("hospital-2", Assert.Throws<KeyEpochException>(() => beacons[0].DeriveSeed([.. reveals.Where((_, i) => i != 1)])).ParticipantId);
        byte[] altered = reveals[2].Statement.ToArray();
        altered[^1] ^= 1;
        reveals[2] = new SignedStatement(altered, reveals[2].Signature.Span);
        Assert.Equal("hospital-3", Assert.Throws<KeyEpochException>(() => beacons[0].DeriveSeed(reveals)).ParticipantId);
    }
}
