using SecAgg.Participant.Client;
using SecAgg.Participant.Tests.Client;
using SecAgg.Proto.V1;

namespace SecAgg.Participant.Tests.Hostile;

/// <summary>
/// Decryption sessions from a hostile aggregator (docs/threat-model.md, "Session check"): a session the member must not
/// answer gets no share, and its decryption ledger (the 0600 state directory) is unchanged.
/// </summary>
public sealed class HostileDecryptionTests
{
    private const string Victim = HostileConsortium.Victim;

    [Theory]
    [InlineData("none")]
    [InlineData("one")]
    public async Task HostileSessionWithUnapprovedOrPartiallyApprovedUGetsNoShare(string approvals) =>
        await RefusedAsync(s =>
        {
            if (approvals == "none")
            {
                s.Approvals.Clear();
            }
            else
            {
                s.Approvals.RemoveAt(0);
            }
        }, "ApprovalMissing");

    [Fact]
    public async Task HostileSessionWithADecryptionSetOfTheWrongSizeGetsNoShare() =>
        await RefusedAsync(s => s.DecryptionSet.RemoveAt(0), "DecryptionSetWrongSize");

    [Fact]
    public async Task HostileSessionWithoutTheMemberInDGetsNoShare() =>
        await RefusedAsync(s => s.DecryptionSet.Remove(Victim), "not in round 1's decryption set");

    [Fact]
    public async Task HostileSecondSessionForTheSameRoundWithAnotherDecryptionSetGetsNoShare()
    {
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(90));
        await using HostileConsortium c = await DecryptingWithVictimInDAsync(timeout.Token);
        RoundAnswer first = await c.VictimClient.AnswerDecryptionAsync(1, timeout.Token);
        Assert.True(first.Done, first.Detail);
        Assert.Single(c.Hostile.Sent<DecryptionShare>(Victim, "UploadDecryptionShares"));
        Dictionary<string, string> before = HostileConsortium.Snapshot(c.VictimState);

        c.Hostile.Alter = (caller, answer) =>
        {
            if (caller != Victim || answer is not DecryptionSession session)
            {
                return answer;
            }

            DecryptionSession other = session.Clone();
            other.DecryptionSet.Clear();
            other.DecryptionSet.AddRange(["hospital-2", Victim]);
            return other;
        };

        RoundAnswer second = await c.VictimClient.AnswerDecryptionAsync(1, timeout.Token);
        Assert.False(second.Done, second.Detail);
        Assert.Contains("ShareAlreadyIssued", second.Detail, StringComparison.Ordinal);
        Assert.Single(c.Hostile.Sent<DecryptionShare>(Victim, "UploadDecryptionShares"));
        Assert.Equal(before, HostileConsortium.Snapshot(c.VictimState));
    }

    [Fact]
    public async Task HostileReplayOfTheSameSessionGetsTheSameShareNeverFreshNoise()
    {
        // Two shares of one ciphertext with independent flooding noise would let the aggregator average the noise away;
        // a replay must get the same bytes (the share is derived from the keys, session and chunk; the ledger allows
        // only this session for the round), with the member's share buffers reused (PolyPool).
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(90));
        await using HostileConsortium c = await DecryptingWithVictimInDAsync(timeout.Token);
        RoundAnswer first = await c.VictimClient.AnswerDecryptionAsync(1, timeout.Token);
        Assert.True(first.Done, first.Detail);
        byte[][] sent = [.. c.Hostile.Sent<DecryptionShare>(Victim, "UploadDecryptionShares").Select(m => m.Share.ToByteArray())];
        Assert.NotEmpty(sent);

        RoundAnswer replay = await c.VictimClient.AnswerDecryptionAsync(1, timeout.Token);
        Assert.True(replay.Done, replay.Detail);
        byte[][] all = [.. c.Hostile.Sent<DecryptionShare>(Victim, "UploadDecryptionShares").Select(m => m.Share.ToByteArray())];
        Assert.Equal(2 * sent.Length, all.Length);
        Assert.Equal(sent, all[sent.Length..]);
    }

    [Fact]
    public async Task HostileReplayToARestartedMemberGetsTheSameShareThoughItsLedgerKeepsNoShare()
    {
        // The member restarts between the two requests: a new client over the same state directory (keys read again
        // from the key file). Its ledger holds only which session answered each chunk, so the same bytes can only come
        // from deriving the same share again.
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(90));
        await using HostileConsortium c = await DecryptingWithVictimInDAsync(timeout.Token);
        Assert.True((await c.VictimClient.AnswerDecryptionAsync(1, timeout.Token)).Done);
        byte[][] sent = [.. c.Hostile.Sent<DecryptionShare>(Victim, "UploadDecryptionShares").Select(m => m.Share.ToByteArray())];
        Assert.NotEmpty(sent);
        string[] entries = Directory.GetFiles(Path.Combine(c.VictimState, DecryptionResponder.LedgerFolder), "*.share", SearchOption.AllDirectories);
        Assert.Equal(sent.Length, entries.Length);
        Assert.All(entries, e => Assert.Equal(89, new FileInfo(e).Length));

        using (ParticipantClient restarted = TestConsortium.Client(c.Files, c.Root, Victim, c.Hostile.Address, maxTransientAttempts: 2))
        {
            RoundAnswer replay = await restarted.AnswerDecryptionAsync(1, timeout.Token);
            Assert.True(replay.Done, replay.Detail);
        }

        byte[][] all = [.. c.Hostile.Sent<DecryptionShare>(Victim, "UploadDecryptionShares").Select(m => m.Share.ToByteArray())];
        Assert.Equal(2 * sent.Length, all.Length);
        Assert.Equal(sent, all[sent.Length..]);
    }

    /// <summary>t = 2, round 1 uploaded and approved by all; hospital-2 reported leaving, so D = {hospital-1, hospital-3}.</summary>
    private static async Task<HostileConsortium> DecryptingWithVictimInDAsync(CancellationToken ct)
    {
        HostileConsortium c = await HostileConsortium.StartAsync(threshold: 2);
        try
        {
            await c.JoinAndSubmitAllAsync(1, ct);
            await c.Clients[1].ReportLeavingAsync(1, ct);
            await ApproveAllAsync(c, 1, ct);
            return c;
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }

    internal static async Task ApproveAllAsync(HostileConsortium c, ulong round, CancellationToken ct)
    {
        RoundAnswer[] approvals = await Task.WhenAll(c.Clients.Select(x => x.ApproveAsync(round, ct)));
        Assert.All(approvals, a => Assert.True(a.Done, a.Detail));
    }

    /// <summary>t = N = 3, round 1 uploaded and approved by all; the victim is shown the session altered by <paramref name="alter"/>.</summary>
    private static async Task RefusedAsync(Action<DecryptionSession> alter, string refusal)
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync(threshold: 3);
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(90));
        await c.JoinAndSubmitAllAsync(1, timeout.Token);
        await ApproveAllAsync(c, 1, timeout.Token);
        Dictionary<string, string> before = HostileConsortium.Snapshot(c.VictimState);
        c.Hostile.Alter = (caller, answer) =>
        {
            if (caller != Victim || answer is not DecryptionSession { Stage: RoundStage.Decrypting } session)
            {
                return answer;
            }

            DecryptionSession altered = session.Clone();
            alter(altered);
            return altered;
        };

        RoundAnswer answer = await c.VictimClient.AnswerDecryptionAsync(1, timeout.Token);
        Assert.False(answer.Done, answer.Detail);
        Assert.Contains(refusal, answer.Detail, StringComparison.Ordinal);
        Assert.Empty(c.Hostile.Sent<DecryptionShare>(Victim, "UploadDecryptionShares"));
        Assert.Equal(before, HostileConsortium.Snapshot(c.VictimState));
    }
}
