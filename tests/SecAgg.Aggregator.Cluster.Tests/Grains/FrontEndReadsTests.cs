using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;

namespace SecAgg.Aggregator.Cluster.Tests.Grains;

/// <summary>
/// What the grains tell a silo's gRPC front end (ClusterRoundsService): the latest round, whether a model version is held,
/// the deadlines, which chunks a participant staged, a participant's admitted upload, the recorded approvals; and the
/// presence reports the decryption set prefers.
/// </summary>
public sealed class FrontEndReadsTests
{
    private const long Round = ClusterRound.Number;

    [Fact]
    public async Task TheGrainsAnswerTheFrontEndsReadsAndDPrefersPresentParticipants()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
        await using ClusterRound c = await ClusterRound.OpenAsync("memory", seed: 1920, clock);
        IRoundGrain round = c.Driver.Round(Round);
        Assert.Equal(Round, await c.Driver.Consortium.GetLatestRoundAsync());
        Assert.True(await c.Driver.Model(0).IsHeldAsync());
        Assert.False(await c.Driver.Model(1).IsHeldAsync());
        RoundView open = await round.GetAsync();
        Assert.Equal((clock.GetUtcNow() + ClusterHarness.CollectDeadline, (DateTimeOffset?)null, (DateTimeOffset?)null), (open.CollectDeadline, open.ApproveDeadline, open.DecryptDeadline));

        // Staged chunks are read per participant: another participant sees none of them under the same upload id.
        EncryptedUpload first = c.Upload(0);
        for (int k = 0; k < c.Round.TotalChunks - 1; k++)
        {
            Assert.True((await c.Driver.Ingest.StageChunkAsync(Round, "hospital-1", first.UploadId, k, first.Chunks[k])).Accepted);
        }

        Assert.Equal(Enumerable.Range(0, c.Round.TotalChunks - 1), await c.Driver.Ingest.GetStagedAsync(Round, "hospital-1", first.UploadId));
        Assert.Empty(await c.Driver.Ingest.GetStagedAsync(Round, "hospital-2", first.UploadId));
        Assert.Null(await round.GetUploadAsync("hospital-1"));

        // hospital-1 says it is leaving (then that it is here, then leaving again: the latest report counts); hospital-4 is here.
        await round.ReportPresenceAsync("hospital-1", leaving: true);
        await round.ReportPresenceAsync("hospital-1", leaving: false);
        await round.ReportPresenceAsync("hospital-1", leaving: true);
        await round.ReportPresenceAsync("hospital-4", leaving: false);
        await round.ReportPresenceAsync("not-enrolled", leaving: false); // ignored

        foreach (var u in c.Uploads)
        {
            await c.Driver.UploadAsync(Round, u.Upload);
        }

        Assert.Equal(new UploadView(first.UploadId, Counted: true), await round.GetUploadAsync("hospital-1"));
        Assert.Null(await round.GetUploadAsync("not-enrolled"));

        // D: present first (hospital-4), then those that said nothing (members of U, point order), the leaving one last.
        (SignedStatement[] approvals, string[] decryptionSet) = await c.Driver.ApproveAsync(c.Consortium, c.Round, c.Uploads);
        Assert.Equal(["hospital-2", "hospital-3", "hospital-4"], decryptionSet);
        RoundView decrypting = await round.GetAsync();
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(30), decrypting.DecryptDeadline);
        Assert.NotNull(decrypting.ApproveDeadline);

        // The recorded approvals are the members' own signed statements, in U's order; a report after D is fixed changes nothing.
        byte[][] recorded = await round.GetApprovalsAsync();
        Assert.Equal(approvals.OrderBy(a => Statement.Parse(a.Statement.Span).ParticipantId, StringComparer.Ordinal).Select(a => a.Serialize()), recorded);
        await round.ReportPresenceAsync("hospital-2", leaving: true);
        Dictionary<string, byte[][]> shares = ClusterDriver.Answer(c.Consortium, c.Round, c.Uploads, approvals, decryptionSet);
        await c.Driver.SendAllSharesAsync(Round, shares);
        PublishedModel model = await c.CheckPublishedAsync(decryptionSet, shares, 0, 1, 2, 3);
        Assert.True(await c.Driver.Model(model.Version).IsHeldAsync());
    }
}
