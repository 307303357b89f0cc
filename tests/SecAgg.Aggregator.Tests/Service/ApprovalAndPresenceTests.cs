using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>The approval deadline, and the decryption set's preference for participants that report presence.</summary>
public sealed class ApprovalAndPresenceTests
{
    [Fact]
    public async Task AMemberOfUThatDoesNotApproveByTheDeadlineAbortsTheRoundWithApprovalMissing()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 2, approve: "2s");
        await h.StartWithEpochAsync();
        TestParticipant[] all = [.. h.Ids.Select(h.Participant)];
        await ServiceHarness.UploadAllAsync(1, all);

        await h.WaitForStageAsync(1, Proto.V1.RoundStage.Approving);
        Assert.Equal(1u, (await all[0].ApproveAsync(1)).Approvals);
        RoundStatus approving = await all[0].Client.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 1 });
        Assert.Equal(1u, approving.ApprovalsReceived);
        Assert.Equal(h.Ids.Skip(1), approving.WaitingFor);

        RoundStatus aborted = await h.WaitForStageAsync(1, Proto.V1.RoundStage.Aborted);
        Assert.Equal(AbortReason.ApprovalMissing, aborted.AbortReason);
        Assert.Contains($"from {h.Ids[1]}, {h.Ids[2]}", aborted.AbortMessage, StringComparison.Ordinal);
        Assert.Equal(0ul, aborted.PublishedModelVersion);
    }

    [Fact]
    public async Task TheDecryptionSetPrefersPresentParticipantsAndLeavesOutOneThatIsLeaving()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 2);
        await h.StartWithEpochAsync();
        TestParticipant[] all = [.. h.Ids.Select(h.Participant)];
        await ServiceHarness.UploadAllAsync(1, all);

        // The first participant (first in Shamir order) says it is leaving; the last says it is here.
        await all[0].Client.Rounds.ReportPresenceAsync(new ReportPresenceRequest { Round = 1, Leaving = true });
        await all[2].Client.Rounds.ReportPresenceAsync(new ReportPresenceRequest { Round = 1 });
        await h.ApproveAllAsync(1, all);
        RoundStatus decrypting = await h.WaitForStageAsync(1, Proto.V1.RoundStage.Decrypting, observer: h.Ids[1]);
        Assert.Equal([h.Ids[1], h.Ids[2]], decrypting.WaitingFor);
        Assert.Null(await all[0].DecryptAsync(1));
        Assert.True((await all[1].DecryptAsync(1))!.Complete);
        Assert.True((await all[2].DecryptAsync(1))!.Complete);
        await h.WaitForStageAsync(1, Proto.V1.RoundStage.Published, observer: h.Ids[1]);
    }
}
