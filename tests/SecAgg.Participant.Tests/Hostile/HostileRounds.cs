using Grpc.Core;
using SecAgg.Proto.V1;

namespace SecAgg.Participant.Tests.Hostile;

/// <summary>The hostile aggregator's secagg.v1.Rounds: every call relayed through <see cref="HostileAggregator"/>'s knobs.</summary>
internal sealed class HostileRounds(HostileAggregator hostile) : Rounds.RoundsBase
{
    public override Task<RoundConfig> GetRoundConfig(GetRoundConfigRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.Rounds.GetRoundConfigAsync(request, o).ResponseAsync);

    public override Task<UploadCiphertextsResponse> UploadCiphertexts(IAsyncStreamReader<CiphertextUploadMessage> requestStream, ServerCallContext context) =>
        hostile.RelayStreamAsync(context, requestStream, (u, o) => u.Rounds.UploadCiphertexts(o));

    public override Task<UploadProgress> GetUploadProgress(GetUploadProgressRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.Rounds.GetUploadProgressAsync(request, o).ResponseAsync);

    public override Task<ApprovalRequest> GetApprovalRequest(GetApprovalRequestRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.Rounds.GetApprovalRequestAsync(request, o).ResponseAsync);

    public override Task<SubmitApprovalResponse> SubmitApproval(SubmitApprovalRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.Rounds.SubmitApprovalAsync(request, o).ResponseAsync);

    public override Task<DecryptionSession> GetDecryptionSession(GetDecryptionSessionRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.Rounds.GetDecryptionSessionAsync(request, o).ResponseAsync);

    public override Task<UploadDecryptionSharesResponse> UploadDecryptionShares(IAsyncStreamReader<DecryptionShare> requestStream, ServerCallContext context) =>
        hostile.RelayStreamAsync(context, requestStream, (u, o) => u.Rounds.UploadDecryptionShares(o));

    public override Task DownloadGlobalModel(DownloadGlobalModelRequest request, IServerStreamWriter<GlobalModelMessage> responseStream, ServerCallContext context) =>
        hostile.RelayServerStreamAsync(context, request, responseStream, (u, o) => u.Rounds.DownloadGlobalModel(request, o));

    public override Task<RoundStatus> GetRoundStatus(GetRoundStatusRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.Rounds.GetRoundStatusAsync(request, o).ResponseAsync);

    public override Task<ReportPresenceResponse> ReportPresence(ReportPresenceRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.Rounds.ReportPresenceAsync(request, o).ResponseAsync);
}
