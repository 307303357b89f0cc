using Grpc.Core;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Approval;
using SecAgg.Protocol.Statements;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;

namespace SecAgg.Participant.Client;

/// <summary>
/// The approval step of a round (docs/threat-model.md, "Approval"): waits for the aggregator's APPROVING request, checks
/// U's list with <see cref="ParticipantRoundApproval"/> (every commitment signed under its pinned key, the own commitment
/// there unchanged, |U| ≥ m and |U| − c ≥ 1 from the own file, one list per round, the own privacy ledger with c) and
/// either submits the signed RoundApproval or reports and logs the refusal.
/// </summary>
internal sealed class ApprovalResponder(AggregatorSession session, UploadSession uploads)
{
    private ParticipantRoundApproval? _approval;

    /// <summary>Approves (or refuses) U's list of a round this participant uploaded to.</summary>
    /// <exception cref="InvalidOperationException">This participant has no upload for the round.</exception>
    public async Task<RoundAnswer> ApproveAsync(ulong round, CancellationToken ct)
    {
        UploadCommitment own = uploads.SavedCommitment(round);
        ApprovalRequest request;
        try
        {
            request = await session.Retry.WaitAsync(
                "approval request",
                t => session.Rounds.GetApprovalRequestAsync(new GetApprovalRequestRequest { Round = round, WaitMillis = AggregatorSession.LongPollMillis }, AggregatorSession.Call(t)).ResponseAsync,
                o => o.Result is { Stage: RoundStage.Open or RoundStage.Collecting or RoundStage.Unspecified } r ? $"round {round} is {r.Stage}, not approving yet" : null,
                int.MaxValue,
                ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            return new RoundAnswer(round, false, 0, $"the aggregator did not count the upload of '{session.Id}' in round {round}'s list U: {e.Status.Detail}");
        }

        if (request.Stage != RoundStage.Approving)
        {
            return new RoundAnswer(round, false, 0, $"round {round} is {request.Stage}; there is nothing to approve");
        }

        await session.AdmitAsync(own.Epoch, ct).ConfigureAwait(false);
        _approval ??= new ParticipantRoundApproval(session.Preset, session.Roster, session.Signer, session.Id, session.State.Directory);
        SignedStatement[] list = StatementContract.FromContract(request.Commitments);
        RoundDecision<SignedStatement> decision = _approval.Decide(own.Epoch, round, own, list);
        if (decision.Value is not SignedStatement approval)
        {
            ParticipantLog.ApprovalRefused(session.Logger, round, decision.Refusal?.ToString() ?? "", decision.Reason);
            return new RoundAnswer(round, false, list.Length, $"refused ({decision.Refusal}): {decision.Reason}");
        }

        var submit = new SubmitApprovalRequest { Round = round, Approval = StatementContract.ToContract(approval) };
        SubmitApprovalResponse response = await session.Retry.CallAsync("SubmitApproval", t => session.Rounds.SubmitApprovalAsync(submit, AggregatorSession.Call(t)).ResponseAsync, ct).ConfigureAwait(false);
        ParticipantLog.Approved(session.Logger, round, list.Length, response.Approvals, response.Needed);
        return new RoundAnswer(round, true, list.Length, $"approved the list of {list.Length} uploads ({response.Approvals} of {response.Needed} approvals in)");
    }
}
