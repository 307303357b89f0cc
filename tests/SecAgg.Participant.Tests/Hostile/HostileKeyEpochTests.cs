using System.Security.Cryptography;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Statements;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;

namespace SecAgg.Participant.Tests.Hostile;

/// <summary>
/// The key epoch through a hostile aggregator (docs/threat-model.md, "Key epoch"): every deviation in the commits,
/// reveals or sealed blobs it relays to the victim makes the REAL participant library refuse the epoch naming the
/// participant concerned, and the victim reveals nothing and deals no share to a substituted key.
/// </summary>
public sealed class HostileKeyEpochTests
{
    private const string Dealer = "hospital-1";

    [Fact]
    public async Task HostileSubstitutedKeyAgreementKeyInACommitIsRefusedNamingTheParticipantAndNothingIsDealt()
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync();
        using ECDiffieHellman aggregatorKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        AlterCommitOf(c, Dealer, (commit, signed) => HostileConsortium.WithStatement(signed, Substituted(commit, aggregatorKey.ExportSubjectPublicKeyInfo()).Encode()));

        KeyEpochException e = await RefusedAsync(c);
        Assert.Equal(Dealer, e.ParticipantId);
        Assert.Contains(Dealer, e.Message, StringComparison.Ordinal);
        c.AssertVictimRevealedAndDealtNothing();
    }

    [Fact]
    public async Task HostileCommitReSignedByAnotherSiteIsRefusedNamingTheParticipant()
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync();
        using ECDiffieHellman aggregatorKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using StatementSigner colluder = c.SignerOf("hospital-2");
        AlterCommitOf(c, Dealer, (commit, _) => HostileConsortium.ToWire(colluder.Sign(Substituted(commit, aggregatorKey.ExportSubjectPublicKeyInfo()))));

        KeyEpochException e = await RefusedAsync(c);
        Assert.Equal(Dealer, e.ParticipantId);
        c.AssertVictimRevealedAndDealtNothing();
    }

    [Theory]
    [InlineData("epoch")]
    [InlineData("consortium")]
    public async Task HostileCommitReplayedFromAnotherEpochOrConsortiumIsRefusedNamingTheParticipant(string replayedFrom)
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync();
        using StatementSigner dealer = c.SignerOf(Dealer);
        AlterCommitOf(c, Dealer, (commit, _) =>
        {
            // A statement the dealer really signed, recorded in another key epoch or for another consortium file.
            byte[] digest = commit.ConsortiumDigest.ToArray();
            ulong epoch = commit.Epoch;
            if (replayedFrom == "epoch")
            {
                epoch += 6;
            }
            else
            {
                digest[0] ^= 0x5a;
            }

            return HostileConsortium.ToWire(dealer.Sign(new EpochCommit(digest, epoch, Dealer, commit.SeedCommitment.Span, commit.KeyAgreementPublicKey.Span)));
        });

        KeyEpochException e = await RefusedAsync(c);
        Assert.Equal(Dealer, e.ParticipantId);
        c.AssertVictimRevealedAndDealtNothing();
    }

    [Fact]
    public async Task HostileServingFewerThanNCommitsIsRefusedNamingTheMissingParticipant()
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync();
        c.Hostile.Alter = (caller, answer) =>
        {
            if (caller == HostileConsortium.Victim && answer is StatementList { Complete: true } list && list.Statements.Count == 3)
            {
                StatementList fewer = list.Clone();
                fewer.Statements.RemoveAt(1);
                return fewer;
            }

            return answer;
        };

        KeyEpochException e = await RefusedAsync(c);
        Assert.Equal("hospital-2", e.ParticipantId);
        c.AssertVictimRevealedAndDealtNothing();
    }

    [Fact]
    public async Task HostileRevealThatDoesNotMatchItsCommitIsRefusedNamingTheParticipantAndNoKeysAreKept()
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync();
        using StatementSigner dealer = c.SignerOf(Dealer);
        c.Hostile.Alter = (caller, answer) =>
        {
            // The last revealer grinding the seed: another r, properly signed by the dealer, that does not match its commit.
            if (caller == HostileConsortium.Victim && answer is StatementList { Complete: true } list && list.Statements.Count == 3
                && Statement.Parse(list.Statements[0].Statement.Span) is EpochReveal reveal)
            {
                StatementList altered = list.Clone();
                altered.Statements[0] = HostileConsortium.ToWire(dealer.Sign(new EpochReveal(reveal.ConsortiumDigest.Span, reveal.Epoch, Dealer, RandomNumberGenerator.GetBytes(32))));
                return altered;
            }

            return answer;
        };

        KeyEpochException e = await RefusedAsync(c);
        Assert.Equal(Dealer, e.ParticipantId);
        Assert.Empty(Directory.EnumerateFiles(c.VictimState, "epoch-*.keys"));
    }

    [Fact]
    public async Task HostileBlobAddressedToAnotherRecipientIsRefusedNamingTheDealerAndNoKeysAreKept()
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync();
        c.Hostile.Alter = (caller, answer) =>
        {
            // The dealer's blob for hospital-2, relabelled as the victim's.
            if (caller == HostileConsortium.Victim && answer is ThresholdShareBlob { SenderId: Dealer } blob)
            {
                ThresholdShareBlob other = c.Hostile.Sent<ThresholdShareBlob>(Dealer, "UploadThresholdShares").First(b => b.RecipientId == "hospital-2");
                return new ThresholdShareBlob { EpochId = blob.EpochId, SenderId = Dealer, RecipientId = HostileConsortium.Victim, Ciphertext = other.Ciphertext };
            }

            return answer;
        };

        KeyEpochException e = await RefusedAsync(c);
        Assert.Equal(Dealer, e.ParticipantId);
        Assert.Empty(Directory.EnumerateFiles(c.VictimState, "epoch-*.keys"));
    }

    private static async Task<KeyEpochException> RefusedAsync(HostileConsortium c)
    {
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(90));
        Exception? refused = await c.VictimJoinAsync(timeout.Token);
        return refused as KeyEpochException ?? throw new Xunit.Sdk.XunitException($"expected a KeyEpochException, got {refused}");
    }

    /// <summary>Alters the commit of <paramref name="participant"/> in the complete commit list the victim gets.</summary>
    private static void AlterCommitOf(HostileConsortium c, string participant, Func<EpochCommit, Proto.V1.SignedStatement, Proto.V1.SignedStatement> alter) =>
        c.Hostile.Alter = (caller, answer) =>
        {
            if (caller != HostileConsortium.Victim || answer is not StatementList { Complete: true } list)
            {
                return answer;
            }

            StatementList altered = list.Clone();
            for (int i = 0; i < altered.Statements.Count; i++)
            {
                if (Statement.Parse(altered.Statements[i].Statement.Span) is EpochCommit commit && commit.ParticipantId == participant)
                {
                    altered.Statements[i] = alter(commit, altered.Statements[i]);
                }
            }

            return altered;
        };

    private static EpochCommit Substituted(EpochCommit commit, byte[] keyAgreementKey) =>
        new(commit.ConsortiumDigest.Span, commit.Epoch, commit.ParticipantId, commit.SeedCommitment.Span, keyAgreementKey);
}
