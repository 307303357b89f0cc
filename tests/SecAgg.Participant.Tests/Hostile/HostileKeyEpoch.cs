using Grpc.Core;
using SecAgg.Proto.V1;

namespace SecAgg.Participant.Tests.Hostile;

/// <summary>The hostile aggregator's secagg.v1.KeyEpoch: every call relayed through <see cref="HostileAggregator"/>'s knobs.</summary>
internal sealed class HostileKeyEpoch(HostileAggregator hostile) : KeyEpoch.KeyEpochBase
{
    public override Task<EpochInfo> GetEpochInfo(GetEpochInfoRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.KeyEpoch.GetEpochInfoAsync(request, o).ResponseAsync);

    public override Task<SubmitStatementResponse> SubmitCommit(SubmitStatementRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.KeyEpoch.SubmitCommitAsync(request, o).ResponseAsync);

    public override Task<StatementList> GetCommits(GetStatementsRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.KeyEpoch.GetCommitsAsync(request, o).ResponseAsync);

    public override Task<SubmitStatementResponse> SubmitReveal(SubmitStatementRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.KeyEpoch.SubmitRevealAsync(request, o).ResponseAsync);

    public override Task<StatementList> GetReveals(GetStatementsRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.KeyEpoch.GetRevealsAsync(request, o).ResponseAsync);

    public override Task<UploadThresholdSharesResponse> UploadThresholdShares(IAsyncStreamReader<ThresholdShareBlob> requestStream, ServerCallContext context) =>
        hostile.RelayStreamAsync(context, requestStream, (u, o) => u.KeyEpoch.UploadThresholdShares(o));

    public override Task FetchThresholdShares(FetchThresholdSharesRequest request, IServerStreamWriter<ThresholdShareBlob> responseStream, ServerCallContext context) =>
        hostile.RelayServerStreamAsync(context, request, responseStream, (u, o) => u.KeyEpoch.FetchThresholdShares(request, o));

    public override Task<AcknowledgeKeySharesResponse> AcknowledgeKeyShares(AcknowledgeKeySharesRequest request, ServerCallContext context) =>
        hostile.RelayAsync(context, request, (u, o) => u.KeyEpoch.AcknowledgeKeySharesAsync(request, o).ResponseAsync);
}
