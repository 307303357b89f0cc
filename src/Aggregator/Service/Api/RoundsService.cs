using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;
using RoundsApi = SecAgg.Proto.V1.Rounds;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// secagg.v1.Rounds: round configuration (<see cref="RoundParameters.ToContract"/>) and status (with whom the stage
/// waits for and why no round is open), presence, and the global model download here; uploads
/// (<see cref="UploadIntake"/>), approvals (<see cref="ApprovalDesk"/>) and decryption (<see cref="DecryptionDesk"/>)
/// delegated. Every call is authenticated by <see cref="AuthenticationInterceptor"/> before it gets here.
/// </summary>
internal sealed class RoundsService(
    RoundCatalog rounds, OpeningReasons reasons, ConsortiumRoster roster, ModelStore models, TensorLayout layout, LivenessTracker liveness,
    UploadIntake uploads, ApprovalDesk approvals, DecryptionDesk decryption)
    : RoundsApi.RoundsBase
{
    public override async Task<RoundConfig> GetRoundConfig(GetRoundConfigRequest request, ServerCallContext context)
    {
        CancellationToken ct = context.CallToken();
        RoundState? r = await rounds.FindAsync(request.Round, ct).ConfigureAwait(false);
        if (r is null)
        {
            string why = reasons.Why(request.Round, await rounds.Store.GetLatestRoundAsync(ct).ConfigureAwait(false)) ?? "it has not opened yet";
            throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound,
                request.Round == 0 ? $"no round is open: {why}" : $"round {request.Round} is not open: {why}", request.Round);
        }

        RoundParameters p = await rounds.ParametersAsync(r.Number, ct).ConfigureAwait(false);
        return p.ToContract(r.CollectDeadline, RoundCatalog.ToWire(r.Stage));
    }

    public override Task<RoundStatus> GetRoundStatus(GetRoundStatusRequest request, ServerCallContext context)
    {
        CancellationToken ct = context.CallToken();
        return LongPoll.UntilAsync<RoundStatus>(request.WaitMillis, async waited =>
        {
            RoundStatus status = await StatusAsync(request.Round, ct).ConfigureAwait(false);
            return waited || request.KnownStage == V1.RoundStage.Unspecified || status.Stage != request.KnownStage ? status : null;
        }, () => rounds.NextMove, ct);
    }

    private async Task<RoundStatus> StatusAsync(ulong round, CancellationToken ct)
    {
        RoundState? latest = await rounds.Store.GetLatestRoundAsync(ct).ConfigureAwait(false);
        RoundState? r = round == 0 ? latest : await rounds.Store.GetRoundAsync((long)round, ct).ConfigureAwait(false);
        var status = new RoundStatus
        {
            ExpectedParticipants = (uint)roster.Count,
            MinParticipants = (uint)roster.Descriptor.MinParticipants,
        };
        if (r is null || (round == 0 && r.Stage.IsTerminal()))
        {
            status.NotOpenReason = reasons.Why(round, latest) ?? "";
            if (r is null)
            {
                status.Round = round;
                return status;
            }
        }

        status.Round = (ulong)r.Number;
        status.Stage = RoundCatalog.ToWire(r.Stage);
        status.ParticipantsSubmitted = (uint)r.Summands;
        status.Deadline = Timestamp.FromDateTimeOffset(r.CollectDeadline);
        status.PublishedModelVersion = (ulong)(r.ModelVersion ?? 0);
        status.DecryptionSharesComplete = (uint)r.SharesReceived.Length;
        status.ApprovalsReceived = (uint)r.Approvals.Length;
        status.WaitingFor.AddRange(roster.InPointOrder(r.Stage switch
        {
            CoreStage.Open or CoreStage.Collecting => roster.Ids.Where(id => !RoundState.Has(r.Contributors, id)),
            CoreStage.Approving => r.Contributors.Where(id => !RoundState.Has(r.Approvals, id)),
            CoreStage.Decrypting => r.DecryptionSet.Where(id => !RoundState.Has(r.SharesReceived, id)),
            _ => [],
        }));
        if (r.Stage == CoreStage.Aborted)
        {
            string reason = r.AbortReason ?? "";
            status.AbortMessage = reason;
            status.AbortReason = AbortReasons.Of(reason);
        }

        return status;
    }

    public override Task<ReportPresenceResponse> ReportPresence(ReportPresenceRequest request, ServerCallContext context)
    {
        liveness.Report(context.Caller(), request.Leaving);
        return Task.FromResult(new ReportPresenceResponse());
    }

    public override Task<UploadCiphertextsResponse> UploadCiphertexts(IAsyncStreamReader<CiphertextUploadMessage> requestStream, ServerCallContext context) =>
        uploads.ReceiveAsync(requestStream, context);

    public override Task<V1.UploadProgress> GetUploadProgress(GetUploadProgressRequest request, ServerCallContext context) =>
        uploads.ProgressAsync(request, context);

    public override Task<ApprovalRequest> GetApprovalRequest(GetApprovalRequestRequest request, ServerCallContext context) =>
        approvals.RequestAsync(request, context);

    public override Task<SubmitApprovalResponse> SubmitApproval(SubmitApprovalRequest request, ServerCallContext context) =>
        approvals.SubmitAsync(request, context);

    public override Task<V1.DecryptionSession> GetDecryptionSession(GetDecryptionSessionRequest request, ServerCallContext context) =>
        decryption.SessionAsync(request, context);

    public override Task<UploadDecryptionSharesResponse> UploadDecryptionShares(IAsyncStreamReader<V1.DecryptionShare> requestStream, ServerCallContext context) =>
        decryption.ReceiveSharesAsync(requestStream, context);

    public override async Task DownloadGlobalModel(DownloadGlobalModelRequest request, IServerStreamWriter<GlobalModelMessage> responseStream, ServerCallContext context)
    {
        CancellationToken ct = context.CallToken();
        ulong wanted = await ModelStream.RequestedVersionAsync(request, () => StatusAsync(request.Round, ct), () => rounds.NextMove, ct).ConfigureAwait(false);
        long version = wanted == 0 ? await models.LatestVersionAsync(ct).ConfigureAwait(false) : (long)wanted;
        ModelBytes model = await models.GetBytesAsync(version, ct).ConfigureAwait(false)
            ?? throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound, $"model version {version} has not been published");
        await ModelStream.WriteAsync(responseStream, model, layout, request.FirstElement, ct).ConfigureAwait(false);
    }
}
