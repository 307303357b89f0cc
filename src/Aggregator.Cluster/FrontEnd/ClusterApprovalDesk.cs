using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Statements;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>
/// Rounds.GetApprovalRequest and SubmitApproval over the round grain, with the single-process ApprovalDesk's rules: U's
/// signed commitments (consortium-file order) go to the members of U only, once the round is approving (a long poll
/// before); an approval must be the caller's own, verify under its pinned key, be for this round and carry the digest of
/// exactly U's list; an identical re-send is answered with the counts.
/// </summary>
internal sealed partial class ClusterApprovalDesk(ClusterRoundBook book, ClusterConsortium consortium, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("SecAgg.Aggregator.Cluster.FrontEnd");

    /// <summary>U's commitments for a member of U once the round is APPROVING (waits up to wait_millis before that).</summary>
    public Task<ApprovalRequest> RequestAsync(GetApprovalRequestRequest request, ServerCallContext context)
    {
        string caller = ParticipantCalls.Caller(context);
        return ParticipantCalls.LongPollAsync<ApprovalRequest>(request.WaitMillis, async waited =>
        {
            RoundView r = await book.RequireAsync(request.Round).ConfigureAwait(false);
            var answer = new ApprovalRequest { Round = (ulong)r.Number, Stage = ClusterRoundBook.ToWire(r.Stage) };
            if (r.Stage == RoundStages.Approving)
            {
                RequireInU(r, caller);
                answer.ApprovalDeadline = Timestamp.FromDateTimeOffset(r.ApproveDeadline!.Value);
                answer.Commitments.AddRange(await CommitmentsAsync(r.Number).ConfigureAwait(false));
                return answer;
            }

            if (r.Stage is RoundStages.Decrypting or RoundStages.Published)
            {
                RequireInU(r, caller);
            }

            return r.Stage is RoundStages.Open or RoundStages.Collecting && !waited ? null : answer;
        }, ParticipantCalls.CallToken(context));
    }

    /// <summary>Verifies the caller's approval of U's list and records it in the round grain.</summary>
    public async Task<SubmitApprovalResponse> SubmitAsync(SubmitApprovalRequest request, ServerCallContext context)
    {
        string caller = ParticipantCalls.Caller(context);
        RoundView r = await book.RequireAsync(request.Round).ConfigureAwait(false);
        if (request.Round == 0 || (ulong)r.Number != request.Round)
        {
            throw RefusalException.Invalid("round must name the round approved (>= 1)", request.Round);
        }

        bool already = r.Approvals.Contains(caller, StringComparer.Ordinal);
        if (r.Stage != RoundStages.Approving && !(r.Stage is RoundStages.Decrypting or RoundStages.Published && already))
        {
            throw new RefusalException(StatusCode.FailedPrecondition, r.Stage == RoundStages.Aborted ? ErrorReason.RoundAborted : ErrorReason.WrongStage,
                $"round {r.Number} is {r.Stage}; approvals are accepted while it is approving{(r.AbortReason is { } why ? $" ({why})" : "")}", request.Round);
        }

        RequireInU(r, caller);
        (RoundApproval approval, byte[] signed) = ClusterStatements.VerifyOwn<RoundApproval>(consortium.Verifier, caller, request.Approval, "approval", request.Round);
        if (approval.Round != request.Round)
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.StatementRejected, $"the approval is for round {approval.Round}, not round {request.Round}", request.Round);
        }

        if (!approval.ListDigest.Span.SequenceEqual(r.ListDigest))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.StatementRejected,
                $"the approval's list digest is not that of round {r.Number}'s upload list U as sent in the approval request; approve the list you were sent", request.Round);
        }

        if (!already)
        {
            try
            {
                r = await book.Round(r.Number).SubmitApprovalAsync(signed).ConfigureAwait(false);
            }
            catch (RoundRefusedException e)
            {
                throw ClusterRefusals.From(e, request.Round);
            }

            ApprovalAccepted(_logger, r.Number, caller, r.Approvals.Length, r.Contributors.Length);
        }

        return new SubmitApprovalResponse { Approvals = (uint)r.Approvals.Length, Needed = (uint)r.Contributors.Length };
    }

    /// <summary>U's signed commitments in consortium-file (Shamir point) order.</summary>
    public async Task<IEnumerable<V1.SignedStatement>> CommitmentsAsync(long round) =>
        InPointOrder(await book.Round(round).GetCommitmentsAsync().ConfigureAwait(false));

    /// <summary>U's signed approvals in consortium-file (Shamir point) order.</summary>
    public async Task<IEnumerable<V1.SignedStatement>> ApprovalsAsync(long round) =>
        InPointOrder(await book.Round(round).GetApprovalsAsync().ConfigureAwait(false));

    private IEnumerable<V1.SignedStatement> InPointOrder(byte[][] statements) =>
        statements.OrderBy(s => consortium.PointOf(ClusterStatements.ParticipantOf(s))).Select(ClusterStatements.ToWire);

    private static void RequireInU(RoundView r, string caller)
    {
        if (!r.Contributors.Contains(caller, StringComparer.Ordinal))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.NotInSet,
                $"you have no counted upload in round {r.Number}'s list U, so there is nothing for you to approve", (ulong)r.Number);
        }
    }

    [LoggerMessage(EventId = 1931, Level = LogLevel.Information, Message = "Round {Round}: {Participant} approved U's list ({Approvals} of {Members})")]
    private static partial void ApprovalAccepted(ILogger logger, long round, string participant, int approvals, int members);
}
