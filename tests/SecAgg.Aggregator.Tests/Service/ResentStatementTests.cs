using Grpc.Core;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// ECDSA signatures are randomized: a participant that re-signs the same EpochCommit / EpochReveal after a restart sends
/// other bytes. The aggregator keeps the first statement and accepts a re-sent one whose signed payload is identical; one
/// whose payload differs is refused (ALREADY_EXISTS). An aggregator restarted between commits and reveals completes the epoch.
/// </summary>
public sealed class ResentStatementTests
{
    [Fact]
    public async Task AReSignedIdenticalCommitOrRevealIsAcceptedKeepingTheFirstAndADifferentOneIsRefused()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 2);
        await h.StartAsync();
        TestParticipant[] all = [.. h.Ids.Select(h.Participant)];
        foreach (TestParticipant p in all)
        {
            await p.CommitAsync();
        }

        // The same commit, signed again (another signature over the same payload): accepted, the count unchanged.
        SubmitStatementResponse again = await all[0].CommitAsync();
        Assert.Equal(3u, again.Received);
        StatementList commits = await all[0].Client.KeyEpoch.GetCommitsAsync(new GetStatementsRequest { EpochId = 1 });
        Assert.Equal(3, commits.Statements.Count);

        // A different commit (fresh contribution and key-agreement key) for the same participant: refused.
        using (var roster = new PinnedRoster(h.Config.Descriptor, h.Ca.Certificate))
        using (ParticipantKeyEpoch other = ParticipantKeyEpoch.Start(all[0].Preset, roster, all[0].Signer, all[0].Id, 1))
        {
            RpcException e = await ServiceHarness.AssertStatusAsync(StatusCode.AlreadyExists, () => all[0].Client.KeyEpoch.SubmitCommitAsync(
                new SubmitStatementRequest { EpochId = 1, Statement = TestParticipant.ToWire(other.CreateCommit()) }).ResponseAsync);
            Assert.Contains("a different EpochCommit of yours is already recorded", e.Status.Detail, StringComparison.Ordinal);
        }

        foreach (TestParticipant p in all)
        {
            await p.RevealAndDealAsync();
        }

        SignedStatement first = all[1].SentReveal!;
        SignedStatement resigned = all[1].Signer.Sign(Statement.Parse(first.Statement.Span));
        Assert.NotEqual(first.Signature.ToArray(), resigned.Signature.ToArray());
        SubmitStatementResponse revealAgain = await all[1].Client.KeyEpoch.SubmitRevealAsync(new SubmitStatementRequest { EpochId = 1, Statement = TestParticipant.ToWire(resigned) });
        Assert.Equal(3u, revealAgain.Received);
        StatementList reveals = await all[1].Client.KeyEpoch.GetRevealsAsync(new GetStatementsRequest { EpochId = 1 });
        Assert.Equal(first.Signature.ToArray(), reveals.Statements[1].Signature.ToByteArray()); // the first is kept

        foreach (TestParticipant p in all)
        {
            await p.CompleteAsync();
        }

        Assert.Equal(KeyEpochStage.Ready, (await all[0].Client.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest())).Stage);
    }

    [Fact]
    public async Task AnAggregatorRestartedBetweenCommitsAndRevealsCompletesTheEpoch()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 2);
        await h.StartAsync();
        TestParticipant[] all = [.. h.Ids.Select(h.Participant)];
        foreach (TestParticipant p in all)
        {
            await p.CommitAsync();
        }

        await all[0].RevealAndDealAsync();
        await h.StopAsync();
        await h.StartAsync();

        EpochInfo info = await all[1].Client.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest());
        Assert.Equal(KeyEpochStage.Revealing, info.Stage);
        Assert.True(info.Participants[0].RevealReceived);
        Assert.False(info.Participants[1].RevealReceived);

        // A participant that restarted too re-signs its commit: the restarted aggregator still accepts it.
        Assert.Equal(3u, (await all[2].CommitAsync()).Received);
        await all[1].RevealAndDealAsync();
        await all[2].RevealAndDealAsync();
        foreach (TestParticipant p in all)
        {
            await p.CompleteAsync();
        }

        Assert.Equal(KeyEpochStage.Ready, (await all[0].Client.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest())).Stage);
        await h.WaitForStageAsync(1, RoundStage.Open);
    }
}
