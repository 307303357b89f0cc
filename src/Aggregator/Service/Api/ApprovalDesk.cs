using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Statements;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// Rounds.GetApprovalRequest and SubmitApproval (docs/threat-model.md, "Round r", approval): serves U's signed upload
/// commitments to the members of U only, and records a member's signed RoundApproval once it verifies (the caller's
/// pinned key, this epoch, this round, and the digest of exactly the list it was sent). When every member of U
/// approved, the driver fixes the decryption set.
/// </summary>
internal sealed class ApprovalDesk(
    RoundCatalog rounds, OpeningReasons reasons, UploadDocuments uploads, ConsortiumRoster roster, RoundCoordinator coordinator, DriverSignal driver, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("SecAgg.Aggregator.Service");

    /// <summary>U's commitments for a member of U once the round is APPROVING (waits up to wait_millis before that).</summary>
    public Task<ApprovalRequest> RequestAsync(GetApprovalRequestRequest request, ServerCallContext context)
    {
        string caller = context.Caller();
        CancellationToken ct = context.CallToken();
        return LongPoll.UntilAsync<ApprovalRequest>(request.WaitMillis, async waited =>
        {
            RoundState r = await rounds.RequireAsync(request.Round, reasons.Why, ct).ConfigureAwait(false);
            var answer = new ApprovalRequest { Round = (ulong)r.Number, Stage = RoundCatalog.ToWire(r.Stage) };
            if (r.Stage == CoreStage.Approving)
            {
                RequireInU(r, caller);
                answer.ApprovalDeadline = Timestamp.FromDateTimeOffset(r.ApproveDeadline!.Value);
                answer.Commitments.AddRange((await uploads.CommitmentsOfAsync(r, roster, ct).ConfigureAwait(false)).Select(SignedStatements.ToWire));
                return answer;
            }

            if (r.Stage is CoreStage.Decrypting or CoreStage.Published)
            {
                RequireInU(r, caller);
            }

            return r.Stage is CoreStage.Open or CoreStage.Collecting && !waited ? null : answer;
        }, () => rounds.NextMove, ct);
    }

    /// <summary>Verifies and records the caller's approval of U's list.</summary>
    public async Task<SubmitApprovalResponse> SubmitAsync(SubmitApprovalRequest request, ServerCallContext context)
    {
        string caller = context.Caller();
        CancellationToken ct = context.CallToken();
        RoundState r = await rounds.RequireAsync(request.Round, reasons.Why, ct).ConfigureAwait(false);
        if (request.Round == 0 || (ulong)r.Number != request.Round)
        {
            throw RefusalException.Invalid("round must name the round approved (>= 1)", request.Round);
        }

        if (r.Stage != CoreStage.Approving && !(r.Stage is CoreStage.Decrypting or CoreStage.Published && RoundState.Has(r.Approvals, caller)))
        {
            throw new RefusalException(StatusCode.FailedPrecondition, r.Stage == CoreStage.Aborted ? ErrorReason.RoundAborted : ErrorReason.WrongStage,
                $"round {r.Number} is {RoundStages.Name(r.Stage)}; approvals are accepted while it is approving{(r.AbortReason is { } why ? $" ({why})" : "")}", request.Round);
        }

        RequireInU(r, caller);
        SignedStatement signed = SignedStatements.FromWire(request.Approval, "approval", request.Round);
        RoundApproval approval = SignedStatements.VerifyOwn<RoundApproval>(roster.Verifier, caller, signed, request.Round);
        if (approval.Round != request.Round)
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.StatementRejected, $"the approval is for round {approval.Round}, not round {request.Round}", request.Round);
        }

        if (!approval.ListDigest.Span.SequenceEqual(r.ListDigest.AsSpan()))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.StatementRejected,
                $"the approval's list digest is not that of round {r.Number}'s upload list U as sent in the approval request; approve the list you were sent", request.Round);
        }

        // Insert-once: a re-sent approval of the same list (even with another ECDSA signature) keeps the first one.
        await uploads.Docs.InsertIfAbsentAsync(DocumentKeys.Approval(r.Number, caller), signed.Serialize(), ct).ConfigureAwait(false);

        if (r.Stage == CoreStage.Approving && !RoundState.Has(r.Approvals, caller))
        {
            try
            {
                r = await coordinator.RecordApprovalAsync(r.Number, caller, ct).ConfigureAwait(false);
            }
            catch (RoundStateException e)
            {
                throw new RefusalException(e.Error == RoundError.DeadlinePassed ? StatusCode.DeadlineExceeded : StatusCode.FailedPrecondition, ErrorReason.WrongStage, e.Message, request.Round);
            }

            rounds.Current = r;
            ServiceLog.ApprovalAccepted(_logger, r.Number, caller, r.Approvals.Length, r.Contributors.Length);
            driver.Wake();
        }

        return new SubmitApprovalResponse { Approvals = (uint)r.Approvals.Length, Needed = (uint)r.Contributors.Length };
    }

    /// <summary>U's stored approvals in roster order.</summary>
    public async Task<List<SignedStatement>> ApprovalsOfAsync(RoundState r, CancellationToken ct)
    {
        var result = new List<SignedStatement>(r.Approvals.Length);
        foreach (string id in roster.InPointOrder(r.Approvals))
        {
            result.Add(SignedStatement.Deserialize(await uploads.Docs.GetAsync(DocumentKeys.Approval(r.Number, id), ct).ConfigureAwait(false)
                ?? throw new InvalidDataException($"the approval of '{id}' in round {r.Number} is recorded but not stored")));
        }

        return result;
    }

    private static void RequireInU(RoundState r, string caller)
    {
        if (!RoundState.Has(r.Contributors, caller))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.NotInSet,
                $"you have no counted upload in round {r.Number}'s list U, so there is nothing for you to approve", (ulong)r.Number);
        }
    }
}
