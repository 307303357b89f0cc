using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;
using RoundsApi = SecAgg.Proto.V1.Rounds;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>
/// secagg.v1.Rounds on a silo, over the grains, with the single-process service's wire behaviour (messages, refusal
/// statuses and reasons, long polls, resumable uploads): round configuration and status, presence and the model download
/// here; uploads (<see cref="ClusterUploadDesk"/>), approvals (<see cref="ClusterApprovalDesk"/>) and decryption
/// (<see cref="ClusterDecryptionDesk"/>) delegated. The participant is the one the pipeline authenticated from its client
/// certificate (<see cref="ParticipantCalls.Caller"/>); round state is read from the grains on every call, so any silo
/// answers as any other. A grain's refusal not mapped where it arose, and a cluster that does not answer, are mapped here
/// (<see cref="ClusterRefusals"/>).
/// </summary>
internal sealed class ClusterRoundsService(
    ClusterRoundBook book, ClusterUploadDesk uploads, ClusterApprovalDesk approvals, ClusterDecryptionDesk decryption, ClusterModels models,
    ClusterConsortium consortium, TensorLayout layout)
    : RoundsApi.RoundsBase
{
    public override Task<RoundConfig> GetRoundConfig(GetRoundConfigRequest request, ServerCallContext context) => Guarded(request.Round, async () =>
    {
        (RoundView? r, long latest) = await book.FindAsync(request.Round).ConfigureAwait(false);
        if (r is null)
        {
            string why = await book.WhyNotOpenAsync(request.Round, latest).ConfigureAwait(false) ?? "it has not opened yet";
            throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound,
                request.Round == 0 ? $"no round is open: {why}" : $"round {request.Round} is not open: {why}", request.Round);
        }

        RoundParameters p = await book.ParametersAsync(r.Number).ConfigureAwait(false);
        return p.ToContract(r.CollectDeadline, ClusterRoundBook.ToWire(r.Stage));
    });

    public override Task<RoundStatus> GetRoundStatus(GetRoundStatusRequest request, ServerCallContext context) => Guarded(request.Round, () =>
        ParticipantCalls.LongPollAsync<RoundStatus>(request.WaitMillis, async waited =>
        {
            RoundStatus status = await StatusAsync(request.Round).ConfigureAwait(false);
            return waited || request.KnownStage == V1.RoundStage.Unspecified || status.Stage != request.KnownStage ? status : null;
        }, ParticipantCalls.CallToken(context)));

    private async Task<RoundStatus> StatusAsync(ulong round)
    {
        (RoundView? r, long latest) = await book.FindAsync(round).ConfigureAwait(false);
        var status = new RoundStatus
        {
            ExpectedParticipants = (uint)consortium.Policy.Enrolled.Length,
            MinParticipants = (uint)consortium.Policy.MinParticipants,
        };
        if (r is null || (round == 0 && r.Stage is RoundStages.Published or RoundStages.Aborted))
        {
            status.NotOpenReason = await book.WhyNotOpenAsync(round, latest).ConfigureAwait(false) ?? "";
            if (r is null)
            {
                status.Round = round;
                return status;
            }
        }

        status.Round = (ulong)r.Number;
        status.Stage = ClusterRoundBook.ToWire(r.Stage);
        status.ParticipantsSubmitted = (uint)r.Contributors.Length;
        status.Deadline = Timestamp.FromDateTimeOffset(r.CollectDeadline);
        status.PublishedModelVersion = (ulong)(r.ModelVersion ?? 0);
        status.DecryptionSharesComplete = (uint)r.SharesReceived.Length;
        status.ApprovalsReceived = (uint)r.Approvals.Length;
        status.WaitingFor.AddRange(consortium.InPointOrder(r.Stage switch
        {
            RoundStages.Open or RoundStages.Collecting => consortium.Policy.Enrolled.Where(id => !r.Contributors.Contains(id, StringComparer.Ordinal)),
            RoundStages.Approving => r.Contributors.Where(id => !r.Approvals.Contains(id, StringComparer.Ordinal)),
            RoundStages.Decrypting => r.DecryptionSet.Where(id => !r.SharesReceived.Contains(id, StringComparer.Ordinal)),
            _ => [],
        }));
        if (r.Stage == RoundStages.Aborted)
        {
            string reason = r.AbortReason ?? "";
            status.AbortMessage = reason;
            status.AbortReason = AbortReasons.Of(reason);
        }

        return status;
    }

    public override Task<ReportPresenceResponse> ReportPresence(ReportPresenceRequest request, ServerCallContext context) => Guarded(request.Round, async () =>
    {
        string caller = ParticipantCalls.Caller(context);
        (RoundView? r, _) = await book.FindAsync(request.Round).ConfigureAwait(false);
        if (r is not null)
        {
            await book.Round(r.Number).ReportPresenceAsync(caller, request.Leaving).ConfigureAwait(false);
        }

        return new ReportPresenceResponse(); // as the single-process service: a report is never refused
    });

    public override Task<UploadCiphertextsResponse> UploadCiphertexts(IAsyncStreamReader<CiphertextUploadMessage> requestStream, ServerCallContext context) =>
        Guarded(0, () => uploads.ReceiveAsync(requestStream, context));

    public override Task<V1.UploadProgress> GetUploadProgress(GetUploadProgressRequest request, ServerCallContext context) =>
        Guarded(request.Round, () => uploads.ProgressAsync(request, context));

    public override Task<ApprovalRequest> GetApprovalRequest(GetApprovalRequestRequest request, ServerCallContext context) =>
        Guarded(request.Round, () => approvals.RequestAsync(request, context));

    public override Task<SubmitApprovalResponse> SubmitApproval(SubmitApprovalRequest request, ServerCallContext context) =>
        Guarded(request.Round, () => approvals.SubmitAsync(request, context));

    public override Task<V1.DecryptionSession> GetDecryptionSession(GetDecryptionSessionRequest request, ServerCallContext context) =>
        Guarded(request.Round, () => decryption.SessionAsync(request, context));

    public override Task<UploadDecryptionSharesResponse> UploadDecryptionShares(IAsyncStreamReader<V1.DecryptionShare> requestStream, ServerCallContext context) =>
        Guarded(0, () => decryption.ReceiveSharesAsync(requestStream, context));

    public override Task DownloadGlobalModel(DownloadGlobalModelRequest request, IServerStreamWriter<GlobalModelMessage> responseStream, ServerCallContext context) => Guarded(0, async () =>
    {
        CancellationToken ct = ParticipantCalls.CallToken(context);
        ulong wanted = await ModelStream.RequestedVersionAsync(request, () => StatusAsync(request.Round), nextMove: null, ct).ConfigureAwait(false);
        long latest = await book.LatestAsync().ConfigureAwait(false);
        long published = await book.PublishedVersionAsync(latest).ConfigureAwait(false);
        long version = wanted == 0 ? published : (long)Math.Min(wanted, long.MaxValue);
        ModelBytes model = (version <= published ? await models.GetAsync(version).ConfigureAwait(false) : null)
            ?? throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound,
                $"model version {version} has not been published (the newest is version {published}); ask for it after its round publishes it, or 0 for the newest");
        await ModelStream.WriteAsync(responseStream, model, layout, request.FirstElement, ct).ConfigureAwait(false);
        return true;
    });

    /// <summary>
    /// Runs a call; a grain's refusal that reaches here becomes its status and reason, and a cluster that did not answer
    /// (a silo died mid-call, a timeout while the cluster noticed) UNAVAILABLE, which the participant retries.
    /// </summary>
    private static async Task<T> Guarded<T>(ulong round, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RoundRefusedException e)
        {
            throw ClusterRefusals.From(e, round);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            throw ClusterRefusals.Unavailable(e);
        }
    }
}
