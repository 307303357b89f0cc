using Grpc.Core;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Cluster.FrontEnd;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Cluster.Tests.FrontEnd;

/// <summary>
/// The one mapping from the grains' refusals to what a participant receives: every kind of refusal gets the status and
/// reason the single-process service sends for it (UploadIntake, ApprovalDesk, DecryptionDesk), with the grain's message.
/// </summary>
public sealed class ClusterRefusalsTests
{
    [Fact]
    public void EveryRefusedChunkMapsToTheSingleProcessStatusAndReason()
    {
        var expected = new Dictionary<UploadRefusal, (StatusCode, ErrorReason)>
        {
            [UploadRefusal.Duplicate] = (StatusCode.AlreadyExists, ErrorReason.Duplicate),
            [UploadRefusal.ConflictingChunk] = (StatusCode.AlreadyExists, ErrorReason.Duplicate),
            [UploadRefusal.Replayed] = (StatusCode.FailedPrecondition, ErrorReason.WrongRound),
            [UploadRefusal.NoSuchRound] = (StatusCode.FailedPrecondition, ErrorReason.NotFound),
            [UploadRefusal.OutOfOrder] = (StatusCode.FailedPrecondition, ErrorReason.BadStreamOrder),
            [UploadRefusal.Late] = (StatusCode.DeadlineExceeded, ErrorReason.RoundDeadlinePassed),
            [UploadRefusal.WrongParameters] = (StatusCode.InvalidArgument, ErrorReason.ParameterMismatch),
            [UploadRefusal.Malformed] = (StatusCode.InvalidArgument, ErrorReason.Malformed),
            [UploadRefusal.NotEnrolled] = (StatusCode.PermissionDenied, ErrorReason.IdentityMismatch),
        };
        Assert.Equal(Enum.GetValues<UploadRefusal>().Order(), expected.Keys.Order());
        foreach ((UploadRefusal refusal, (StatusCode code, ErrorReason reason)) in expected)
        {
            RefusalException e = ClusterRefusals.From(UploadOutcome.Refuse(refusal, $"refused as {refusal}; do this"), 3, 7);
            Assert.Equal((code, reason, 3ul, (uint?)7), (e.Code, e.Reason, e.Round, e.Chunk));
            Assert.Equal($"refused as {refusal}; do this", e.Message);
        }
    }

    [Fact]
    public void ACompletionRefusedAsMalformedIsACommitmentThatDoesNotMatchItsChunks()
    {
        RefusalException e = ClusterRefusals.From(UploadOutcome.Refuse(UploadRefusal.Malformed, "the staged chunks of upload x are not the ones 'a' committed to"), 2);
        Assert.Equal((StatusCode.InvalidArgument, ErrorReason.DigestMismatch, (uint?)null), (e.Code, e.Reason, e.Chunk));
        Assert.StartsWith("the staged chunks of upload x are not the ones 'a' committed to: ", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("Re-encrypt and upload again with a new upload id", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ClusterRefusals.From(UploadOutcome.Accept(), 2));
    }

    [Fact]
    public void EveryRefusedShareMapsToTheSingleProcessStatusAndReason()
    {
        var expected = new Dictionary<ShareRefusal, (StatusCode, ErrorReason)>
        {
            [ShareRefusal.WrongStage] = (StatusCode.FailedPrecondition, ErrorReason.WrongStage),
            [ShareRefusal.NotInSet] = (StatusCode.PermissionDenied, ErrorReason.NotInSet),
            [ShareRefusal.ChunkOutOfRange] = (StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange),
            [ShareRefusal.Invalid] = (StatusCode.InvalidArgument, ErrorReason.Malformed),
            [ShareRefusal.Conflicting] = (StatusCode.AlreadyExists, ErrorReason.Duplicate),
        };
        Assert.Equal(Enum.GetValues<ShareRefusal>().Order(), expected.Keys.Order());
        foreach ((ShareRefusal refusal, (StatusCode code, ErrorReason reason)) in expected)
        {
            RefusalException e = ClusterRefusals.From(ShareOutcome.Refuse(refusal, $"share refused as {refusal}"), 4, 1);
            Assert.Equal((code, reason, 4ul, (uint?)1, $"share refused as {refusal}"), (e.Code, e.Reason, e.Round, e.Chunk, e.Message));
        }
    }

    [Fact]
    public void EveryRoundGrainRefusalMapsToAStatusAndReason()
    {
        var expected = new Dictionary<RoundError, (StatusCode, ErrorReason)>
        {
            [RoundError.WrongStage] = (StatusCode.FailedPrecondition, ErrorReason.WrongStage),
            [RoundError.DeadlinePassed] = (StatusCode.DeadlineExceeded, ErrorReason.WrongStage),
            [RoundError.NotAMember] = (StatusCode.PermissionDenied, ErrorReason.NotInSet),
            [RoundError.Duplicate] = (StatusCode.AlreadyExists, ErrorReason.Duplicate),
            [RoundError.ListReused] = (StatusCode.PermissionDenied, ErrorReason.StatementRejected),
            [RoundError.TooFewParticipants] = (StatusCode.FailedPrecondition, ErrorReason.WrongStage),
            [RoundError.BadSequence] = (StatusCode.FailedPrecondition, ErrorReason.WrongRound),
            [RoundError.PrivacyBudgetExceeded] = (StatusCode.FailedPrecondition, ErrorReason.PrivacyBudgetExhausted),
            [RoundError.InvalidArgument] = (StatusCode.InvalidArgument, ErrorReason.Malformed),
        };
        Assert.Equal(Enum.GetValues<RoundError>().Order(), expected.Keys.Order());
        foreach ((RoundError error, (StatusCode code, ErrorReason reason)) in expected)
        {
            RefusalException e = ClusterRefusals.From(new RoundRefusedException(error, $"round 5 refused: {error}"), 5);
            Assert.Equal((code, reason, 5ul, $"round 5 refused: {error}"), (e.Code, e.Reason, e.Round, e.Message));
        }
    }

    [Fact]
    public void AClusterThatDoesNotAnswerIsUnavailableSoTheParticipantRetries()
    {
        RefusalException e = ClusterRefusals.Unavailable(new TimeoutException("Response did not arrive on time in 00:00:05 for message: Request [S127.0.0.1:11111:0 ...]"));
        Assert.Equal(StatusCode.Unavailable, e.Code);
        Assert.Contains("retry the call", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("S127.0.0.1", e.Message, StringComparison.Ordinal); // no Orleans internals in what a person reads
    }
}
