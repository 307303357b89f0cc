using SecAgg.Aggregator.Rounds;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service;

/// <summary>The wire <see cref="AbortReason"/> of a round's abort message (its prefix, <see cref="RoundLifecycle"/>), for RoundStatus.</summary>
public static class AbortReasons
{
    /// <summary>Classifies <paramref name="message"/>; an abort without a known prefix is too few participants (the collect deadline's).</summary>
    public static AbortReason Of(string? message)
    {
        string reason = message ?? "";
        return reason.StartsWith(RoundLifecycle.ApprovalMissingPrefix, StringComparison.Ordinal) ? AbortReason.ApprovalMissing
            : reason.StartsWith(RoundLifecycle.DecryptionFailedPrefix, StringComparison.Ordinal) ? AbortReason.DecryptionFailed
            : reason.StartsWith(RoundLifecycle.MemberDroppedPrefix, StringComparison.Ordinal) ? AbortReason.DecryptionMemberDropped
            : reason.StartsWith(RoundLifecycle.PrivacyBudgetPrefix, StringComparison.Ordinal) ? AbortReason.PrivacyBudget
            : AbortReason.TooFewParticipants;
    }
}
