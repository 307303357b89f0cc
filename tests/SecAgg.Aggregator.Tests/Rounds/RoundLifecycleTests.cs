using SecAgg.Aggregator.Rounds;

namespace SecAgg.Aggregator.Tests.Rounds;

public sealed class RoundLifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Digest = [1, 2, 3, 4];
    private static readonly byte[] ListDigest = [9, 9];
    private readonly RoundLifecycle _life = new(new RoundPolicy(["a", "b", "c", "d"], minParticipants: 2, threshold: 3,
        collectDeadline: TimeSpan.FromMinutes(30), decryptDeadline: TimeSpan.FromMinutes(10)));

    private RoundState Collecting(params string[] ids)
    {
        var r = _life.Open(null, T0, Digest, chunkCount: 3);
        foreach (string id in ids)
        {
            r = _life.CountUpload(r, id, T0.AddMinutes(1));
        }

        return r;
    }

    /// <summary>Everyone in <paramref name="ids"/> uploaded and approved U's list by T0 + 5 min.</summary>
    private RoundState Approved(params string[] ids)
    {
        var r = _life.BeginApproval(Collecting(ids), ListDigest, ids.Length == 4 ? T0.AddMinutes(2) : T0.AddMinutes(30));
        foreach (string id in ids)
        {
            r = RoundLifecycle.RecordApproval(r, id, r.ApproveDeadline!.Value.AddMinutes(-5));
        }

        return r;
    }

    private static void Refused(RoundError error, Action action) =>
        Assert.Equal(error, Assert.Throws<RoundStateException>(action).Error);

    [Fact]
    public void FirstRoundIsNumberOneAndOpen()
    {
        var r = _life.Open(null, T0, Digest, 3);
        Assert.Equal(1, r.Number);
        Assert.Equal(RoundStage.Open, r.Stage);
        Assert.Equal(T0.AddMinutes(30), r.CollectDeadline);
        Assert.Equal(Digest, r.ParameterDigest.ToArray());
        Assert.Equal(0, r.Summands);
    }

    [Fact]
    public void NextRoundFollowsAFinishedOne()
    {
        var first = RoundLifecycle.Abort(Collecting(), "test", T0);
        Assert.Equal(2, _life.Open(first, T0, Digest, 3).Number);
    }

    [Fact]
    public void NextRoundCannotOpenWhileThePreviousIsRunning() =>
        Refused(RoundError.BadSequence, () => _life.Open(Collecting("a"), T0, Digest, 3));

    [Fact]
    public void FirstUploadMovesOpenToCollectingAndCountsOnce()
    {
        var r = Collecting("b", "a");
        Assert.Equal(RoundStage.Collecting, r.Stage);
        Assert.Equal(["a", "b"], r.Contributors.ToArray());
        Assert.Equal(2, r.Summands);
        Refused(RoundError.Duplicate, () => _life.CountUpload(r, "a", T0.AddMinutes(2)));
    }

    [Fact]
    public void UploadFromAStrangerIsRefused() =>
        Refused(RoundError.NotAMember, () => _life.CountUpload(Collecting(), "mallory", T0));

    [Fact]
    public void UploadAtTheDeadlineIsLate()
    {
        var r = Collecting("a");
        Refused(RoundError.DeadlinePassed, () => _life.CountUpload(r, "b", r.CollectDeadline));
        Assert.False(RoundLifecycle.IsAcceptingUploads(r, r.CollectDeadline));
        Assert.True(RoundLifecycle.IsAcceptingUploads(r, r.CollectDeadline.AddTicks(-1)));
    }

    [Fact]
    public void CollectionWaitsUntilEveryoneIsInOrTheDeadline()
    {
        var r = Collecting("a", "b", "c");
        Assert.Equal(CollectionDecision.KeepCollecting, _life.DecideCollection(r, T0.AddMinutes(5)));
        Assert.Equal(CollectionDecision.Close, _life.DecideCollection(_life.CountUpload(r, "d", T0.AddMinutes(5)), T0.AddMinutes(5)));
    }

    [Fact]
    public void DropoutsBeforeSubmissionGoToApprovalWithFewerSummands()
    {
        var r = Collecting("a", "c");
        Assert.Equal(CollectionDecision.Close, _life.DecideCollection(r, r.CollectDeadline));
        var a = _life.BeginApproval(r, ListDigest, r.CollectDeadline);
        Assert.Equal(RoundStage.Approving, a.Stage);
        Assert.Equal(2, a.Summands);
        Assert.Equal(ListDigest, a.ListDigest.ToArray());
        Assert.Equal(r.CollectDeadline.AddMinutes(10), a.ApproveDeadline);
        Refused(RoundError.WrongStage, () => _life.CountUpload(a, "b", r.CollectDeadline)); // U is fixed
    }

    [Fact]
    public void TooFewUploadsAtTheDeadlineAbortsWithoutDecrypting()
    {
        var r = Collecting("a");
        Assert.Equal(CollectionDecision.Abort, _life.DecideCollection(r, r.CollectDeadline));
        Refused(RoundError.TooFewParticipants, () => _life.BeginApproval(r, ListDigest, r.CollectDeadline));
        var aborted = _life.ApplyDeadlines(r, r.CollectDeadline);
        Assert.Equal(RoundStage.Aborted, aborted.Stage);
        Assert.Contains("only 1 of the 2 uploads needed", aborted.AbortReason, StringComparison.Ordinal);
        Assert.Empty(aborted.DecryptionSet);
    }

    [Fact]
    public void ApprovalCannotBeginBeforeCollectionEnds() =>
        Refused(RoundError.WrongStage, () => _life.BeginApproval(Collecting("a", "b"), ListDigest, T0.AddMinutes(5)));

    [Fact]
    public void OnlyMembersOfUApproveAndDecryptionWaitsForAllOfThem()
    {
        var r = _life.BeginApproval(Collecting("a", "b", "c"), ListDigest, T0.AddMinutes(30));
        Refused(RoundError.NotAMember, () => RoundLifecycle.RecordApproval(r, "d", T0.AddMinutes(31)));
        r = RoundLifecycle.RecordApproval(r, "a", T0.AddMinutes(31));
        Assert.Same(r, RoundLifecycle.RecordApproval(r, "a", T0.AddMinutes(32)));
        r = RoundLifecycle.RecordApproval(r, "b", T0.AddMinutes(32));
        Assert.False(r.AllApproved);
        Refused(RoundError.WrongStage, () => _life.BeginDecryption(r, ["a", "b", "c"], T0.AddMinutes(33)));
        r = RoundLifecycle.RecordApproval(r, "c", T0.AddMinutes(33));
        Assert.True(r.AllApproved);
        Assert.Equal(RoundStage.Decrypting, _life.BeginDecryption(r, ["a", "b", "d"], T0.AddMinutes(34)).Stage);
    }

    [Fact]
    public void AMissingApprovalAtTheDeadlineAbortsAndNamesWhoDidNotApprove()
    {
        var r = _life.BeginApproval(Collecting("a", "b", "c"), ListDigest, T0.AddMinutes(30));
        r = RoundLifecycle.RecordApproval(r, "a", T0.AddMinutes(31));
        Assert.Same(r, _life.ApplyDeadlines(r, T0.AddMinutes(39)));
        Refused(RoundError.DeadlinePassed, () => RoundLifecycle.RecordApproval(r, "b", T0.AddMinutes(40)));
        var a = _life.ApplyDeadlines(r, T0.AddMinutes(40));
        Assert.Equal(RoundStage.Aborted, a.Stage);
        Assert.StartsWith(RoundLifecycle.ApprovalMissingPrefix, a.AbortReason, StringComparison.Ordinal);
        Assert.Contains("from b, c", a.AbortReason, StringComparison.Ordinal);
    }

    [Fact]
    public void DecryptionSetMustHaveExactlyTEnrolledMembers()
    {
        var r = Approved("a", "b", "c", "d");
        Refused(RoundError.TooFewParticipants, () => _life.BeginDecryption(r, ["a", "b"], T0.AddMinutes(5)));
        Refused(RoundError.TooFewParticipants, () => _life.BeginDecryption(r, ["a", "b", "c", "d"], T0.AddMinutes(5)));
        Refused(RoundError.NotAMember, () => _life.BeginDecryption(r, ["a", "b", "mallory"], T0.AddMinutes(5)));
    }

    [Fact]
    public void DecryptionSetIsFixedOnce()
    {
        var d = _life.BeginDecryption(Approved("a", "b", "c", "d"), ["c", "a", "b"], T0.AddMinutes(5));
        Assert.Equal(["a", "b", "c"], d.DecryptionSet.ToArray());
        Assert.Equal(T0.AddMinutes(15), d.DecryptDeadline);
        Refused(RoundError.WrongStage, () => _life.BeginDecryption(d, ["a", "b", "d"], T0.AddMinutes(6)));
    }

    [Fact]
    public void SharesCountOncePerMemberOfTheSet()
    {
        var d = _life.BeginDecryption(Approved("a", "b", "c", "d"), ["a", "b", "c"], T0.AddMinutes(5));
        Refused(RoundError.NotAMember, () => _life.ReceiveShare(d, "d", T0.AddMinutes(6)));
        var r = _life.ReceiveShare(d, "a", T0.AddMinutes(6));
        Refused(RoundError.Duplicate, () => _life.ReceiveShare(r, "a", T0.AddMinutes(7)));
    }

    [Fact]
    public void AllSharesPublishTheRound()
    {
        var now = T0.AddMinutes(6);
        var d = _life.BeginDecryption(Approved("a", "b", "c", "d"), ["a", "b", "c"], T0.AddMinutes(5));
        foreach (string m in new[] { "a", "b" })
        {
            d = _life.ReceiveShare(d, m, now);
        }

        Refused(RoundError.TooFewParticipants, () => RoundLifecycle.Publish(d, 2, now));
        d = _life.ReceiveShare(d, "c", now);
        var p = RoundLifecycle.Publish(d, 2, now);
        Assert.Equal(RoundStage.Published, p.Stage);
        Assert.Equal(2, p.ModelVersion);
        Assert.Equal(now, p.ClosedAt);
        Refused(RoundError.WrongStage, () => RoundLifecycle.Abort(p, "late", now));
    }

    [Fact]
    public void DropoutDuringDecryptionAbortsAndNothingIsDecrypted()
    {
        var d = _life.BeginDecryption(Approved("a", "b", "c", "d"), ["a", "b", "c"], T0.AddMinutes(5));
        var a = _life.DropOutDuringDecryption(d, "b", T0.AddMinutes(6));
        Assert.Equal(RoundStage.Aborted, a.Stage);
        Assert.Contains("'b' dropped out", a.AbortReason, StringComparison.Ordinal);
        Refused(RoundError.WrongStage, () => RoundLifecycle.Publish(a, 2, T0.AddMinutes(6)));
        Refused(RoundError.WrongStage, () => _life.ReceiveShare(a, "a", T0.AddMinutes(6)));
    }

    [Fact]
    public void MissingShareAtTheDecryptDeadlineAborts()
    {
        var d = _life.BeginDecryption(Approved("a", "b", "c", "d"), ["a", "b", "c"], T0.AddMinutes(5));
        d = _life.ReceiveShare(d, "a", T0.AddMinutes(6));
        Assert.Same(d, _life.ApplyDeadlines(d, T0.AddMinutes(14)));
        Refused(RoundError.DeadlinePassed, () => _life.ReceiveShare(d, "b", T0.AddMinutes(15)));
        var a = _life.ApplyDeadlines(d, T0.AddMinutes(15));
        Assert.Equal(RoundStage.Aborted, a.Stage);
        Assert.Contains("missing at the deadline from b, c", a.AbortReason, StringComparison.Ordinal);
    }

    [Fact]
    public void StageNamesRoundTrip()
    {
        foreach (var s in Enum.GetValues<RoundStage>())
        {
            Assert.Equal(s, RoundStages.Parse(RoundStages.Name(s)));
        }

        Assert.Equal("decrypting", RoundStages.Decrypting);
        Assert.Throws<FormatException>(() => RoundStages.Parse("Decrypting"));
    }

    [Fact]
    public void PolicyRejectsInconsistentRules()
    {
        Assert.Equal("minParticipants", Assert.ThrowsAny<ArgumentException>(() => new RoundPolicy(["a", "b"], 3, 1, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1))).ParamName);
        Assert.Equal("threshold", Assert.ThrowsAny<ArgumentException>(() => new RoundPolicy(["a", "b"], 2, 3, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1))).ParamName);
        Assert.Equal("collectDeadline", Assert.ThrowsAny<ArgumentException>(() => new RoundPolicy(["a", "b"], 2, 2, TimeSpan.Zero, TimeSpan.FromMinutes(1))).ParamName);
    }
}
