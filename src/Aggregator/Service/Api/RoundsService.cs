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
/// secagg.v1.Rounds: round configuration and status, the global model download here; uploads
/// (<see cref="UploadIntake"/>) and decryption (<see cref="DecryptionDesk"/>) delegated. Every call is authenticated by
/// <see cref="AuthenticationInterceptor"/> before it gets here.
/// </summary>
internal sealed class RoundsService(RoundCatalog rounds, ConsortiumRoster roster, ModelStore models, TensorLayout layout, UploadIntake uploads, DecryptionDesk decryption)
    : RoundsApi.RoundsBase
{
    /// <summary>Values per message of the model download (64 KiB of float32).</summary>
    private const int ModelRunLength = 16384;

    public override async Task<RoundConfig> GetRoundConfig(GetRoundConfigRequest request, ServerCallContext context)
    {
        RoundState r = await rounds.RequireAsync(request.Round, context.CallToken()).ConfigureAwait(false);
        RoundParameters p = await rounds.ParametersAsync(r.Number, context.CallToken()).ConfigureAwait(false);
        return p.ToContract((uint)roster.Config.MinParticipants, (uint)roster.Count, r.CollectDeadline, RoundCatalog.ToWire(r.Stage));
    }

    public override async Task<RoundStatus> GetRoundStatus(GetRoundStatusRequest request, ServerCallContext context)
    {
        RoundState r = await rounds.RequireAsync(request.Round, context.CallToken()).ConfigureAwait(false);
        var status = new RoundStatus
        {
            Round = (ulong)r.Number,
            Stage = RoundCatalog.ToWire(r.Stage),
            ParticipantsSubmitted = (uint)r.Summands,
            ExpectedParticipants = (uint)roster.Count,
            MinParticipants = (uint)roster.Config.MinParticipants,
            Deadline = Timestamp.FromDateTimeOffset(r.CollectDeadline),
            PublishedModelVersion = (ulong)(r.ModelVersion ?? 0),
            DecryptionSharesComplete = (uint)r.SharesReceived.Length,
        };
        if (r.Stage == CoreStage.Aborted)
        {
            string reason = r.AbortReason ?? "";
            status.AbortMessage = reason;
            status.AbortReason = reason.Contains("decryption failed", StringComparison.OrdinalIgnoreCase) ? AbortReason.DecryptionFailed
                : r.DecryptDeadline is not null ? AbortReason.DecryptionMemberDropped
                : AbortReason.TooFewParticipants;
        }

        return status;
    }

    public override Task<UploadCiphertextsResponse> UploadCiphertexts(IAsyncStreamReader<CiphertextUploadMessage> requestStream, ServerCallContext context) =>
        uploads.ReceiveAsync(requestStream, context);

    public override Task<V1.UploadProgress> GetUploadProgress(GetUploadProgressRequest request, ServerCallContext context) =>
        uploads.ProgressAsync(request, context);

    public override Task FetchDecryptionRequests(FetchDecryptionRequestsRequest request, IServerStreamWriter<DecryptionStreamMessage> responseStream, ServerCallContext context) =>
        decryption.FetchAsync(request, responseStream, context);

    public override Task<DecryptionRequestBatch> PollDecryptionRequests(PollDecryptionRequestsRequest request, ServerCallContext context) =>
        decryption.PollAsync(request, context);

    public override Task<UploadDecryptionSharesResponse> UploadDecryptionShares(IAsyncStreamReader<V1.DecryptionShare> requestStream, ServerCallContext context) =>
        decryption.ReceiveSharesAsync(requestStream, context);

    public override async Task DownloadGlobalModel(DownloadGlobalModelRequest request, IServerStreamWriter<GlobalModelMessage> responseStream, ServerCallContext context)
    {
        CancellationToken ct = context.CallToken();
        long version = request.ModelVersion == 0 ? await models.LatestVersionAsync(ct).ConfigureAwait(false) : (long)request.ModelVersion;
        PublishedModel model = await models.GetAsync(version, ct).ConfigureAwait(false)
            ?? throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound, $"model version {request.ModelVersion} has not been published");
        float[] values = model.Values;
        if (request.FirstElement > (ulong)values.Length)
        {
            throw new RefusalException(StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange, $"first_element {request.FirstElement} is beyond the model's {values.Length} values");
        }

        await responseStream.WriteAsync(new GlobalModelMessage
        {
            Header = new GlobalModelHeader
            {
                ModelVersion = (ulong)model.Version,
                Round = (ulong)model.Round,
                Layout = ContractMapping.ToContract(layout),
                ParticipantsCounted = (uint)model.Participants,
                DataDigest = ByteString.CopyFrom(model.Digest),
            },
        }, ct).ConfigureAwait(false);
        for (int i = (int)request.FirstElement; i < values.Length; i += ModelRunLength)
        {
            var data = new GlobalModelData { Offset = (ulong)i };
            data.Values.AddRange(values.AsSpan(i, Math.Min(ModelRunLength, values.Length - i)).ToArray());
            await responseStream.WriteAsync(new GlobalModelMessage { Data = data }, ct).ConfigureAwait(false);
        }
    }
}
