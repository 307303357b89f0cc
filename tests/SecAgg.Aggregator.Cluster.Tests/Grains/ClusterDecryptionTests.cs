using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;
using Site = SecAgg.Protocol.Tests.V2.InProcessRound.Site;

namespace SecAgg.Aggregator.Cluster.Tests.Grains;

/// <summary>
/// Decryption in the grains (4 sites, t = 3, real set-bound shares from the members): the round closes, fixes D, combines
/// and publishes by itself; a silo killed mid-decryption loses no stored share and counts none twice; the model it
/// publishes is the initial model plus the plaintext mean within the DDG bound; shares that are not a member of D's own
/// answer of this session are refused and change nothing.
/// </summary>
public sealed class ClusterDecryptionTests
{
    private const long Round = ClusterRound.Number;

    public static TheoryData<string> Backends => Support.Backends.All;

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task TheRoundClosesAtItsDeadlineFixesDAndPublishesWithoutAnyCaller(string backend)
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
        await using ClusterRound c = await ClusterRound.OpenAsync(backend, seed: 30, clock);
        (Site Site, EncryptedUpload Upload)[] uploads = [c.Uploads[0], c.Uploads[1], c.Uploads[3]];
        foreach (var u in uploads)
        {
            await c.Driver.UploadAsync(Round, u.Upload);
        }

        // Three of four are in and time is left: it keeps collecting. At the deadline its reminder closes it; nobody calls.
        Assert.Equal(RoundStages.Collecting, (await c.Driver.Round(Round).GetAsync()).Stage);
        clock.Advance(ClusterHarness.CollectDeadline);
        RoundView closed = await c.Driver.WaitForAsync(Round, v => v.Stage != RoundStages.Collecting, "closed by its reminder");
        Assert.Equal(RoundStages.Approving, closed.Stage);
        Assert.Equal(["hospital-1", "hospital-2", "hospital-4"], closed.Contributors);

        // Every member of U approves: the round fixes D itself, members of U first (so hospital-3, who did not upload, is not in it).
        (SignedStatement[] approvals, string[] decryptionSet) = await c.Driver.ApproveAsync(c.Consortium, c.Round, uploads);
        Assert.Equal(["hospital-1", "hospital-2", "hospital-4"], decryptionSet);
        Dictionary<string, byte[][]> shares = ClusterDriver.Answer(c.Consortium, c.Round, uploads, approvals, decryptionSet);
        foreach ((string member, byte[][] answer) in shares)
        {
            ShareOutcome[] outcomes = await c.Driver.SendSharesAsync(Round, member, answer);
            Assert.Equal(Enumerable.Range(1, answer.Length), outcomes.Select(o => o.Held));
            Assert.True(outcomes[^1].Complete && outcomes[..^1].All(o => !o.Complete));
        }

        await c.CheckPublishedAsync(decryptionSet, shares, 0, 1, 3);

        // Once published, the round's staged chunks and shares are deleted.
        await c.AssertDeletedAsync(decryptionSet);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ASiloKilledMidDecryptionLosesNoStoredShareCountsNoneTwiceAndTheRoundPublishesTheRightModel(string backend)
    {
        await using ClusterRound c = await ClusterRound.OpenAsync(backend, seed: 31);
        (_, string[] decryptionSet, Dictionary<string, byte[][]> shares) = await c.DecryptingAsync();
        (string first, string second, string third) = (decryptionSet[0], decryptionSet[1], decryptionSet[2]);
        int half = c.Round.TotalChunks / 2;
        await c.Driver.SendSharesAsync(Round, first, shares[first]);
        await c.Driver.SendSharesAsync(Round, second, shares[second], to: half);
        Assert.Equal([first], (await c.Driver.Round(Round).GetAsync()).SharesReceived);

        // The silo holding the round grain dies: the round reactivates elsewhere from the store.
        await c.Harness.Cluster.KillSiloAsync(await c.Harness.SiloOfRoundAsync(Round));

        // Shares re-sent after the kill are repeats; the rest are stored; each member is recorded once.
        ShareOutcome[] again = await c.Driver.SendSharesAsync(Round, first, shares[first]);
        Assert.All(again, o => Assert.True(o.Repeated));
        ShareOutcome[] rest = await c.Driver.SendSharesAsync(Round, second, shares[second]);
        Assert.Equal(Enumerable.Range(0, rest.Length).Select(k => k < half), rest.Select(o => o.Repeated));
        await c.Driver.SendSharesAsync(Round, third, shares[third]);

        PublishedModel model = await c.CheckPublishedAsync(decryptionSet, shares, 0, 1, 2, 3);

        // The published model is in the store: readable after the silo that combined it died too.
        await c.Harness.Cluster.KillSiloAsync(await c.Harness.SiloOfRoundAsync(Round));
        PublishedModel kept = await c.Driver.WaitForModelAsync(1);
        Assert.Equal(model.Values, kept.Values);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ACombineCutOffByItsSiloDyingIsFinishedByTheRoundsReminderOnAnotherSilo(string backend)
    {
        await using ClusterRound c = await ClusterRound.OpenAsync(backend, seed: 32);
        (_, string[] decryptionSet, Dictionary<string, byte[][]> shares) = await c.DecryptingAsync();

        // The last share starts the combine; it has read shares and not yet published when its silo is killed.
        c.Harness.Gate.ArmCombine();
        await c.Driver.SendAllSharesAsync(Round, shares);

        string silo = await c.Harness.Gate.Blocked.WaitAsync(TimeSpan.FromSeconds(30));
        await c.Harness.Cluster.KillSiloAsync(c.Harness.Cluster.Silos.Single(s => s.Name == silo));

        // Nobody calls the round: its reminder fires on a surviving silo, which reactivates it and publishes.
        PublishedModel published = await c.Driver.WaitForModelAsync(1);
        Assert.Equal(published.Values, (await c.CheckPublishedAsync(decryptionSet, shares, 0, 1, 2, 3)).Values);
    }

    [Fact]
    public async Task TheRoundAbortsItselfAtTheDecryptDeadlineWhenAMembersSharesDidNotArriveAndDeletesWhatItHeld()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
        await using ClusterRound c = await ClusterRound.OpenAsync("memory", seed: 34, clock);
        (_, string[] decryptionSet, Dictionary<string, byte[][]> shares) = await c.DecryptingAsync();
        await c.Driver.SendSharesAsync(Round, decryptionSet[0], shares[decryptionSet[0]]);
        await c.Driver.SendSharesAsync(Round, decryptionSet[1], shares[decryptionSet[1]], to: 1);

        // Nobody calls the round: at the decrypt deadline its reminder aborts it, naming who did not answer.
        clock.Advance(ClusterHarness.CollectDeadline);
        RoundView aborted = await c.Driver.WaitForAsync(Round, v => v.Stage != RoundStages.Decrypting, "aborted by its reminder");
        Assert.Equal(RoundStages.Aborted, aborted.Stage);
        Assert.StartsWith(RoundLifecycle.MemberDroppedPrefix, aborted.AbortReason, StringComparison.Ordinal);
        Assert.Contains($"{decryptionSet[1]}, {decryptionSet[2]}", aborted.AbortReason, StringComparison.Ordinal);
        Assert.Null(await c.Driver.Model(1).GetAsync());

        // Nothing of it is decrypted afterwards: shares are refused, and its chunks and shares are deleted.
        Assert.Equal(ShareRefusal.WrongStage, (await c.Driver.Shares.SubmitShareAsync(Round, decryptionSet[2], 0, shares[decryptionSet[2]][0])).Refusal);
        await c.AssertDeletedAsync(decryptionSet);
    }

    [Fact]
    public async Task SharesThatAreNotAMemberOfDsOwnAnswerAreRefusedAndChangeNothing()
    {
        await using ClusterRound c = await ClusterRound.OpenAsync("memory", seed: 33);
        IShareIngestGrain ingest = c.Driver.Shares;
        (_, string[] decryptionSet, Dictionary<string, byte[][]> shares) = await c.DecryptingAsync();
        Assert.Equal(["hospital-1", "hospital-2", "hospital-3"], decryptionSet);
        byte[][] mine = shares["hospital-1"];
        Assert.True(c.Round.TotalChunks >= 2, $"the test needs two chunks; the round has {c.Round.TotalChunks}");

        // Outside D, out of range, garbage, another chunk's share, another member's share, another session's share.
        Assert.Equal(ShareRefusal.NotInSet, (await ingest.SubmitShareAsync(Round, "hospital-4", 0, mine[0])).Refusal);
        Assert.Equal(ShareRefusal.NotInSet, (await ingest.SubmitShareAsync(Round, "mallory", 0, mine[0])).Refusal);
        Assert.Equal(ShareRefusal.ChunkOutOfRange, (await ingest.SubmitShareAsync(Round, "hospital-1", c.Round.TotalChunks, mine[0])).Refusal);
        Assert.Equal(ShareRefusal.Invalid, (await ingest.SubmitShareAsync(Round, "hospital-1", 0, mine[0][..^1])).Refusal);
        Assert.Equal(ShareRefusal.Invalid, (await ingest.SubmitShareAsync(Round, "hospital-1", 1, mine[0])).Refusal);
        Assert.Equal(ShareRefusal.Invalid, (await ingest.SubmitShareAsync(Round, "hospital-1", 0, shares["hospital-2"][0])).Refusal);
        byte[] otherSession = OfAnotherSession(c, mine[0], decryptionSet, ["hospital-1", "hospital-2", "hospital-4"]);
        ShareOutcome refused = await ingest.SubmitShareAsync(Round, "hospital-1", 0, otherSession);
        Assert.Equal(ShareRefusal.Invalid, refused.Refusal);
        Assert.Contains("another decryption session", refused.Message, StringComparison.Ordinal);
        Assert.All(await Task.WhenAll(c.Consortium.Consortium.Ids.Select(m => c.Harness.Backend.Shares.CountAsync(Round, m))), n => Assert.Equal(0, n));

        // The member's own share is held once; a well-formed share with other bytes at that chunk is refused.
        Assert.True((await ingest.SubmitShareAsync(Round, "hospital-1", 0, mine[0])) is { Accepted: true, Repeated: false, Held: 1 });
        byte[] altered = [.. mine[0]];
        altered.AsSpan(altered.Length - 8).Clear();
        Assert.Equal(ShareRefusal.Conflicting, (await ingest.SubmitShareAsync(Round, "hospital-1", 0, altered)).Refusal);
        Assert.True((await ingest.SubmitShareAsync(Round, "hospital-1", 0, mine[0])) is { Accepted: true, Repeated: true, Held: 1 });
        Assert.Equal(1, await c.Harness.Backend.Shares.CountAsync(Round, "hospital-1"));

        // Recording a member whose shares are not all held is refused; nothing was recorded by any refusal.
        Assert.Equal(RoundError.InvalidArgument, (await Assert.ThrowsAsync<RoundRefusedException>(() => c.Driver.Round(Round).RecordSharesAsync("hospital-1"))).Error);
        Assert.Empty((await c.Driver.Round(Round).GetAsync()).SharesReceived);

        // D answers in full and the round publishes the right model; a share after that is refused.
        await c.Driver.SendAllSharesAsync(Round, shares);

        await c.CheckPublishedAsync(decryptionSet, shares, 0, 1, 2, 3);
        Assert.Equal(ShareRefusal.WrongStage, (await ingest.SubmitShareAsync(Round, "hospital-1", 0, mine[0])).Refusal);
    }

    /// <summary>The share with its session digest replaced by the digest of the session with decryption set <paramref name="otherSet"/>.</summary>
    private static byte[] OfAnotherSession(ClusterRound c, byte[] share, string[] decryptionSet, string[] otherSet)
    {
        string[] u = [.. c.Uploads.Select(x => x.Site.Id)];
        byte[] digest = c.Round.CreateSession(u, decryptionSet).Digest.ToArray();
        byte[] other = c.Round.CreateSession(u, otherSet).Digest.ToArray();
        int at = share.AsSpan().IndexOf(digest);
        Assert.True(at >= 0, "the share does not carry its session's digest");
        byte[] forged = [.. share];
        other.CopyTo(forged, at);
        return forged;
    }
}
