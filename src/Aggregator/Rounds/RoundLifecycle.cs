using System.Collections.Immutable;

namespace SecAgg.Aggregator.Rounds;

/// <summary>What <see cref="RoundLifecycle.DecideCollection"/> says to do with a collecting round.</summary>
public enum CollectionDecision
{
    /// <summary>Keep collecting: not everyone is in and the deadline has not passed.</summary>
    KeepCollecting,

    /// <summary>Close collection and ask U to approve its list: everyone is in, or the deadline passed with at least min-participants summands.</summary>
    Close,

    /// <summary>The deadline passed with fewer than min-participants summands: abort, decrypt nothing.</summary>
    Abort,
}

/// <summary>
/// The round state machine, as pure functions of (state, policy, time): Open → Collecting → Approving → Decrypting →
/// Published, or Aborted. Every refused transition throws <see cref="RoundStateException"/> and leaves the
/// state as it was; every allowed one returns the next snapshot.
/// <list type="bullet">
/// <item>Dropouts before submission: the round decrypts with the uploads it has, if at least min-participants;
/// <see cref="RoundState.Summands"/> is the actual count the privacy ledger charges.</item>
/// <item>A member of U that does not approve U's list by the approval deadline aborts the round (U never shrinks).</item>
/// <item>Dropouts during decryption: the round aborts and nothing is decrypted.</item>
/// </list>
/// </summary>
public sealed class RoundLifecycle(RoundPolicy policy)
{
    /// <summary>How the abort reason of a round whose approvals were missing starts (mapped to ABORT_REASON_APPROVAL_MISSING).</summary>
    public const string ApprovalMissingPrefix = "approval missing";

    /// <summary>How the abort reason of a round the privacy budget stopped starts (ABORT_REASON_PRIVACY_BUDGET).</summary>
    public const string PrivacyBudgetPrefix = "privacy budget";

    /// <summary>How the abort reason of a round whose decryption set did not answer starts (ABORT_REASON_DECRYPTION_MEMBER_DROPPED).</summary>
    public const string MemberDroppedPrefix = "decryption member dropped";

    /// <summary>How the abort reason of a round whose shares did not combine starts (ABORT_REASON_DECRYPTION_FAILED).</summary>
    public const string DecryptionFailedPrefix = "decryption failed";

    /// <summary>The rules this lifecycle applies.</summary>
    public RoundPolicy Policy { get; } = policy ?? throw new ArgumentNullException(nameof(policy));

    /// <summary>Opens round <c>previous.Number + 1</c> (or round 1 when <paramref name="previous"/> is null).</summary>
    /// <exception cref="RoundStateException">The previous round has not finished (BadSequence).</exception>
    public RoundState Open(RoundState? previous, DateTimeOffset now, ReadOnlySpan<byte> parameterDigest, int chunkCount)
    {
        if (parameterDigest.IsEmpty)
        {
            throw new ArgumentException("the round's parameter digest must not be empty", nameof(parameterDigest));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(chunkCount, 1);
        if (previous is not null && !previous.Stage.IsTerminal())
        {
            throw new RoundStateException(RoundError.BadSequence,
                $"round {previous.Number} is still {RoundStages.Name(previous.Stage)}; it must be published or aborted before round {previous.Number + 1} opens");
        }

        return new RoundState
        {
            Number = (previous?.Number ?? 0) + 1,
            Stage = RoundStage.Open,
            OpenedAt = now,
            CollectDeadline = now + Policy.CollectDeadline,
            ParameterDigest = [.. parameterDigest],
            ChunkCount = chunkCount,
        };
    }

    /// <summary>True while the round counts uploads: Open or Collecting, before the collect deadline.</summary>
    public static bool IsAcceptingUploads(RoundState round, DateTimeOffset now) =>
        round.Stage is RoundStage.Open or RoundStage.Collecting && now < round.CollectDeadline;

    /// <summary>Counts <paramref name="participant"/>'s complete upload: Open/Collecting → Collecting, one more summand.</summary>
    /// <exception cref="RoundStateException">Not enrolled, already counted, wrong stage or past the collect deadline.</exception>
    public RoundState CountUpload(RoundState round, string participant, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentException.ThrowIfNullOrEmpty(participant);
        if (!Policy.IsEnrolled(participant))
        {
            throw new RoundStateException(RoundError.NotAMember, $"participant '{participant}' is not enrolled in the consortium");
        }

        if (RoundState.Has(round.Contributors, participant))
        {
            throw new RoundStateException(RoundError.Duplicate, $"participant '{participant}''s upload is already counted in round {round.Number}");
        }

        if (round.Stage is not (RoundStage.Open or RoundStage.Collecting))
        {
            throw new RoundStateException(RoundError.WrongStage, $"round {round.Number} is {RoundStages.Name(round.Stage)} and no longer counts uploads");
        }

        if (now >= round.CollectDeadline)
        {
            throw new RoundStateException(RoundError.DeadlinePassed, $"round {round.Number} stopped collecting at {round.CollectDeadline:O}");
        }

        return round with { Stage = RoundStage.Collecting, Contributors = RoundState.With(round.Contributors, participant) };
    }

    /// <summary>
    /// Takes back the count of <paramref name="participant"/>'s upload whose bytes the aggregator lost before adding
    /// them into the round's durable sum (a power cut): one summand less (Open again when none is left); the
    /// participant may upload again. Nothing was decrypted, so no privacy is spent either way.
    /// </summary>
    /// <exception cref="RoundStateException">The round no longer collects (its sum is fixed), or the upload is not counted.</exception>
    public static RoundState Uncount(RoundState round, string participant)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentException.ThrowIfNullOrEmpty(participant);
        if (round.Stage is not (RoundStage.Open or RoundStage.Collecting))
        {
            throw new RoundStateException(RoundError.WrongStage, $"round {round.Number} is {RoundStages.Name(round.Stage)}; an upload can only be taken back while the round collects");
        }

        if (!RoundState.Has(round.Contributors, participant))
        {
            throw new RoundStateException(RoundError.InvalidArgument, $"participant '{participant}''s upload is not counted in round {round.Number}");
        }

        var contributors = RoundState.Without(round.Contributors, participant);
        return round with { Stage = contributors.IsEmpty ? RoundStage.Open : RoundStage.Collecting, Contributors = contributors };
    }

    /// <summary>Whether a collecting round should keep collecting, decrypt, or abort, at <paramref name="now"/>.</summary>
    public CollectionDecision DecideCollection(RoundState round, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (round.Stage is not (RoundStage.Open or RoundStage.Collecting))
        {
            throw new RoundStateException(RoundError.WrongStage, $"round {round.Number} is {RoundStages.Name(round.Stage)}, not collecting");
        }

        if (round.Summands == Policy.Enrolled.Length)
        {
            return CollectionDecision.Close;
        }

        if (now < round.CollectDeadline)
        {
            return CollectionDecision.KeepCollecting;
        }

        return round.Summands >= Policy.MinParticipants ? CollectionDecision.Close : CollectionDecision.Abort;
    }

    /// <summary>
    /// Closes collection and fixes U with the digest of its signed commitments (<paramref name="listDigest"/>):
    /// Open/Collecting → Approving, with the approval deadline. U is <see cref="RoundState.Contributors"/> from now on.
    /// </summary>
    /// <exception cref="RoundStateException">Collection is not finished, or too few uploads.</exception>
    public RoundState BeginApproval(RoundState round, ReadOnlySpan<byte> listDigest, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (listDigest.IsEmpty)
        {
            throw new ArgumentException("the upload list's digest must not be empty", nameof(listDigest));
        }

        var decision = DecideCollection(round, now);
        if (decision == CollectionDecision.KeepCollecting)
        {
            throw new RoundStateException(RoundError.WrongStage,
                $"round {round.Number} is still collecting ({round.Summands} of {Policy.Enrolled.Length} uploads) until {round.CollectDeadline:O}");
        }

        if (decision == CollectionDecision.Abort)
        {
            throw new RoundStateException(RoundError.TooFewParticipants,
                $"round {round.Number} has {round.Summands} uploads, fewer than min-participants {Policy.MinParticipants}; abort it");
        }

        return round with { Stage = RoundStage.Approving, ListDigest = [.. listDigest], ApproveDeadline = now + Policy.ApproveDeadline };
    }

    /// <summary>Records <paramref name="member"/>'s verified approval of U's list (a repeat is a no-op).</summary>
    /// <exception cref="RoundStateException">Not approving, not a member of U, or past the approval deadline.</exception>
    public static RoundState RecordApproval(RoundState round, string member, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentException.ThrowIfNullOrEmpty(member);
        if (round.Stage != RoundStage.Approving)
        {
            throw new RoundStateException(RoundError.WrongStage, $"round {round.Number} is {RoundStages.Name(round.Stage)}, not approving");
        }

        if (!RoundState.Has(round.Contributors, member))
        {
            throw new RoundStateException(RoundError.NotAMember, $"'{member}' has no upload in round {round.Number}'s list U, so it does not approve it");
        }

        if (now >= round.ApproveDeadline)
        {
            throw new RoundStateException(RoundError.DeadlinePassed, $"round {round.Number}'s approval deadline {round.ApproveDeadline:O} has passed");
        }

        return RoundState.Has(round.Approvals, member) ? round : round with { Approvals = RoundState.With(round.Approvals, member) };
    }

    /// <summary>
    /// Every member of U approved: fixes the decryption set D once (exactly t enrolled participants),
    /// Approving → Decrypting, with the decryption deadline.
    /// </summary>
    /// <exception cref="RoundStateException">Not approving, approvals missing, or a bad decryption set.</exception>
    public RoundState BeginDecryption(RoundState round, IEnumerable<string> decryptionSet, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(decryptionSet);
        if (round.Stage != RoundStage.Approving)
        {
            throw new RoundStateException(RoundError.WrongStage, $"round {round.Number} is {RoundStages.Name(round.Stage)}, not approving");
        }

        if (!round.AllApproved)
        {
            throw new RoundStateException(RoundError.WrongStage,
                $"round {round.Number} has {round.Approvals.Length} of {round.Contributors.Length} approvals; every member of U must approve before decryption");
        }

        var set = decryptionSet.ToImmutableSortedSet(StringComparer.Ordinal);
        if (set.FirstOrDefault(id => !Policy.IsEnrolled(id)) is { } stranger)
        {
            throw new RoundStateException(RoundError.NotAMember, $"'{stranger}' cannot join the decryption set: it is not enrolled");
        }

        if (set.Count != Policy.Threshold)
        {
            throw new RoundStateException(RoundError.TooFewParticipants,
                $"the decryption set has {set.Count} members; it must have exactly the threshold t = {Policy.Threshold}");
        }

        return round with
        {
            Stage = RoundStage.Decrypting,
            DecryptionSet = [.. set],
            DecryptDeadline = now + Policy.DecryptDeadline,
        };
    }

    /// <summary>Records that <paramref name="member"/>'s decryption shares are complete (once).</summary>
    /// <exception cref="RoundStateException">Not decrypting, not a member, a duplicate, or past the deadline.</exception>
    public RoundState ReceiveShare(RoundState round, string member, DateTimeOffset now)
    {
        RequireDecrypting(round, member, now);
        if (RoundState.Has(round.SharesReceived, member))
        {
            throw new RoundStateException(RoundError.Duplicate, $"'{member}''s decryption shares for round {round.Number} are already complete");
        }

        return round with { SharesReceived = RoundState.With(round.SharesReceived, member) };
    }

    /// <summary>True when every member of the decryption set has answered.</summary>
    public static bool AllSharesIn(RoundState round) =>
        round.Stage == RoundStage.Decrypting && round.SharesReceived.Length == round.DecryptionSet.Length;

    /// <summary>Decrypting → Published with global model version <paramref name="modelVersion"/>.</summary>
    /// <exception cref="RoundStateException">Not decrypting, or shares missing.</exception>
    public static RoundState Publish(RoundState round, long modelVersion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentOutOfRangeException.ThrowIfLessThan(modelVersion, 1);
        if (round.Stage != RoundStage.Decrypting)
        {
            throw new RoundStateException(RoundError.WrongStage, $"round {round.Number} is {RoundStages.Name(round.Stage)}; only a decrypting round can be published");
        }

        if (!AllSharesIn(round))
        {
            throw new RoundStateException(RoundError.TooFewParticipants,
                $"round {round.Number} has {round.SharesReceived.Length} of {round.DecryptionSet.Length} decryption shares; it cannot be published");
        }

        return round with { Stage = RoundStage.Published, ModelVersion = modelVersion, ClosedAt = now };
    }

    /// <summary>Any non-terminal stage → Aborted; nothing of the round is decrypted afterwards.</summary>
    public static RoundState Abort(RoundState round, string reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (round.Stage.IsTerminal())
        {
            throw new RoundStateException(RoundError.WrongStage, $"round {round.Number} is already {RoundStages.Name(round.Stage)}");
        }

        return round with { Stage = RoundStage.Aborted, AbortReason = reason, ClosedAt = now };
    }

    /// <summary>
    /// A member of the decryption set dropped out: the round aborts (a share set missing a member cannot decrypt,
    /// and asking a replacement would need fresh ciphertexts).
    /// </summary>
    public RoundState DropOutDuringDecryption(RoundState round, string member, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (round.Stage != RoundStage.Decrypting || !RoundState.Has(round.DecryptionSet, member))
        {
            throw new RoundStateException(RoundError.NotAMember, $"'{member}' is not in round {round.Number}'s decryption set");
        }

        return Abort(round, $"{MemberDroppedPrefix}: decryption-set member '{member}' dropped out; nothing was decrypted", now);
    }

    /// <summary>
    /// Applies the deadlines at <paramref name="now"/>: a collecting round past its deadline with too few uploads,
    /// or a decrypting round past its deadline with shares missing, is aborted. Otherwise returns <paramref name="round"/>.
    /// </summary>
    public RoundState ApplyDeadlines(RoundState round, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(round);
        switch (round.Stage)
        {
            case RoundStage.Open or RoundStage.Collecting when DecideCollection(round, now) == CollectionDecision.Abort:
                return Abort(round, $"only {round.Summands} of the {Policy.MinParticipants} uploads needed arrived by the collect deadline; nothing was decrypted", now);
            case RoundStage.Approving when now >= round.ApproveDeadline && !round.AllApproved:
                var silent = round.Contributors.Where(m => !RoundState.Has(round.Approvals, m));
                return Abort(round, $"{ApprovalMissingPrefix}: no approval of U's list by the deadline from {string.Join(", ", silent)}; nothing was decrypted", now);
            case RoundStage.Decrypting when now >= round.DecryptDeadline && !AllSharesIn(round):
                var missing = round.DecryptionSet.Where(m => !RoundState.Has(round.SharesReceived, m));
                return Abort(round, $"{MemberDroppedPrefix}: decryption shares missing at the deadline from {string.Join(", ", missing)}; nothing was decrypted", now);
            default:
                return round;
        }
    }

    private void RequireDecrypting(RoundState round, string member, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentException.ThrowIfNullOrEmpty(member);
        if (round.Stage != RoundStage.Decrypting)
        {
            throw new RoundStateException(RoundError.WrongStage, $"round {round.Number} is {RoundStages.Name(round.Stage)}, not decrypting");
        }

        if (!RoundState.Has(round.DecryptionSet, member))
        {
            throw new RoundStateException(RoundError.NotAMember, $"'{member}' is not in round {round.Number}'s decryption set");
        }

        if (now >= round.DecryptDeadline)
        {
            throw new RoundStateException(RoundError.DeadlinePassed, $"round {round.Number}'s decryption deadline {round.DecryptDeadline:O} has passed");
        }
    }
}
