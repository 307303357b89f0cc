using SecAgg.Aggregator.Service.State;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// The shares added up on arrival (<see cref="ShareFold"/>) are used at publish only when a chunk's fold holds exactly
/// D's shares; anything else (a member missing, a share that could not be added) leaves that chunk to the vault.
/// Real shares of a 3-member round (t = 3) made by the test participants against the aggregator's session.
/// </summary>
public sealed class ShareFoldTests
{
    [Fact]
    public async Task AFoldHoldingEveryMemberOfTheDecryptionSetIsTakenOnceAndARepeatedShareCountsOnce()
    {
        (RoundParameters p, SetDecryptionSession session, List<V1.DecryptionShare>[] shares, int[] points) = await SharesOfOneRoundAsync();
        var fold = new ShareFold();
        Add(fold, p, session, shares[0][0], points[0]);
        Add(fold, p, session, shares[0][0], points[0]); // a resend
        Add(fold, p, session, shares[1][0], points[1]);
        Add(fold, p, session, shares[2][0], points[2]);

        ShareCombiner? taken = fold.Take(1, 0, points);
        Assert.NotNull(taken);
        Assert.Equal(3, taken.Count);
        Assert.All(points, point => Assert.True(taken.Contains(point)));
        Assert.Null(fold.Take(1, 0, points)); // taken once: publishing again reads the vault
    }

    [Fact]
    public async Task AFoldMissingAMemberOrHoldingAShareThatCouldNotBeAddedIsLeftToTheVault()
    {
        (RoundParameters p, SetDecryptionSession session, List<V1.DecryptionShare>[] shares, int[] points) = await SharesOfOneRoundAsync();
        var missing = new ShareFold();
        Add(missing, p, session, shares[0][0], points[0]);
        Add(missing, p, session, shares[1][0], points[1]);
        Assert.Null(missing.Take(1, 0, points));

        var broken = new ShareFold();
        byte[] truncated = shares[1][0].Share.ToByteArray()[..^1];
        broken.Add(1, p.TotalChunks, p.Scheme, session, 0, points[1], truncated);
        Add(broken, p, session, shares[0][0], points[0]);
        Add(broken, p, session, shares[1][0], points[1]); // the whole share now: the chunk stays with the vault all the same
        Add(broken, p, session, shares[2][0], points[2]);
        Assert.Null(broken.Take(1, 0, points));

        var other = new ShareFold(); // every member in, but D was fixed as two of them
        foreach (int m in new[] { 0, 1, 2 })
        {
            Add(other, p, session, shares[m][0], points[m]);
        }

        Assert.Null(other.Take(1, 0, points[..2]));
    }

    private static void Add(ShareFold fold, RoundParameters p, SetDecryptionSession session, V1.DecryptionShare share, int point) =>
        fold.Add((long)share.Round, p.TotalChunks, p.Scheme, session, (int)share.ChunkIndex, point, share.Share.Span);

    /// <summary>Round 1 of a 3-party consortium with t = 3, up to its decryption session; each member's shares (not sent).</summary>
    private static async Task<(RoundParameters Round, SetDecryptionSession Session, List<V1.DecryptionShare>[] Shares, int[] Points)> SharesOfOneRoundAsync()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 3);
        await h.StartWithEpochAsync();
        TestParticipant[] all = [.. h.Ids.Select(h.Participant)];
        RoundParameters p = await all[0].RoundAsync(1);
        for (int i = 0; i < all.Length; i++)
        {
            await all[i].UploadAsync(1, TestParticipant.RandomUpdate(51 + i));
        }

        await h.ApproveAllAsync(1, all);
        await h.WaitForStageAsync(1, V1.RoundStage.Decrypting);
        var shares = new List<V1.DecryptionShare>[all.Length];
        for (int i = 0; i < all.Length; i++)
        {
            shares[i] = (await all[i].PrepareSharesAsync(1))!;
        }

        int[] points = [.. all.Select(t => p.Descriptor.IndexOf(t.Id) + 1)];
        return (p, p.CreateSession(h.Ids, h.Ids), shares, points);
    }
}
