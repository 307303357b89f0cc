using Grpc.Core;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>
/// The one mapping from what the grains answer (a refused <see cref="UploadOutcome"/> or <see cref="ShareOutcome"/>, a
/// <see cref="RoundRefusedException"/>, a cluster that did not answer) to the gRPC status and <see cref="ErrorReason"/> a
/// participant receives: the same pairs the single-process service sends for the same refusal (UploadIntake, ApprovalDesk,
/// DecryptionDesk), with the grain's message, which says what was refused and what to do.
/// </summary>
internal static class ClusterRefusals
{
    /// <summary>
    /// A refused chunk (<paramref name="chunk"/> set) or upload completion (<paramref name="chunk"/> null). A completion
    /// refused as malformed means the staged chunks are not the committed ones: DIGEST_MISMATCH, as the single-process service says.
    /// </summary>
    public static RefusalException From(UploadOutcome outcome, ulong round, uint? chunk = null)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        UploadRefusal refusal = outcome.Refusal ?? throw new ArgumentException("the outcome was accepted, not refused", nameof(outcome));
        string message = outcome.Message ?? refusal.ToString();
        if (refusal == UploadRefusal.Malformed && chunk is null)
        {
            return new RefusalException(StatusCode.InvalidArgument, ErrorReason.DigestMismatch,
                $"{message}: the upload commitment does not match the chunks received (SHA-256 over their digests differs); it is not counted. Re-encrypt and upload again with a new upload id", round);
        }

        return RefusalException.ForUpload(refusal, message, round, chunk);
    }

    /// <summary>A refused decryption share.</summary>
    public static RefusalException From(ShareOutcome outcome, ulong round, uint chunk)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ShareRefusal refusal = outcome.Refusal ?? throw new ArgumentException("the outcome was accepted, not refused", nameof(outcome));
        (StatusCode code, ErrorReason reason) = refusal switch
        {
            ShareRefusal.WrongStage => (StatusCode.FailedPrecondition, ErrorReason.WrongStage),
            ShareRefusal.NotInSet => (StatusCode.PermissionDenied, ErrorReason.NotInSet),
            ShareRefusal.ChunkOutOfRange => (StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange),
            ShareRefusal.Conflicting => (StatusCode.AlreadyExists, ErrorReason.Duplicate),
            _ => (StatusCode.InvalidArgument, ErrorReason.Malformed),
        };
        return new RefusalException(code, reason, outcome.Message ?? refusal.ToString(), round, chunk);
    }

    /// <summary>A round or consortium grain refused a call.</summary>
    public static RefusalException From(RoundRefusedException e, ulong round)
    {
        ArgumentNullException.ThrowIfNull(e);
        (StatusCode code, ErrorReason reason) = e.Error switch
        {
            RoundError.WrongStage or RoundError.TooFewParticipants => (StatusCode.FailedPrecondition, ErrorReason.WrongStage),
            RoundError.DeadlinePassed => (StatusCode.DeadlineExceeded, ErrorReason.WrongStage),
            RoundError.NotAMember => (StatusCode.PermissionDenied, ErrorReason.NotInSet),
            RoundError.Duplicate => (StatusCode.AlreadyExists, ErrorReason.Duplicate),
            RoundError.ListReused => (StatusCode.PermissionDenied, ErrorReason.StatementRejected),
            RoundError.BadSequence => (StatusCode.FailedPrecondition, ErrorReason.WrongRound),
            RoundError.PrivacyBudgetExceeded => (StatusCode.FailedPrecondition, ErrorReason.PrivacyBudgetExhausted),
            _ => (StatusCode.InvalidArgument, ErrorReason.Malformed),
        };
        return new RefusalException(code, reason, e.Message, round);
    }

    /// <summary>
    /// The cluster did not answer (a silo died mid-call, a call timed out while the cluster noticed it): UNAVAILABLE, which a
    /// participant retries; whatever was accepted before stays accepted.
    /// </summary>
    public static RefusalException Unavailable(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new RefusalException(StatusCode.Unavailable, ErrorReason.Unspecified,
            $"the aggregator cluster did not answer in time; nothing accepted before is lost: retry the call");
    }
}
