using Grpc.Core;
using SecAgg.Proto.V1;
using SecAgg.Protocol;

namespace SecAgg.Participant.Client;

/// <summary>Waiting for a round's publication, and downloading a published global model with its digest checked.</summary>
internal sealed class ModelFetcher(AggregatorSession session)
{
    /// <summary>Waits until a round is published and returns the model version it published.</summary>
    /// <exception cref="InvalidOperationException">The round was aborted (the message says why; nothing was decrypted).</exception>
    /// <remarks>
    /// A long poll: each call waits at the aggregator while the round stays in the stage last seen, so the answer comes
    /// when the stage moves (an aggregator that does not wait answers at once and is asked again after the poll interval).
    /// </remarks>
    public async Task<ulong> WaitForPublicationAsync(ulong round, CancellationToken ct)
    {
        RoundStage known = RoundStage.Unspecified;
        RoundStatus status = await session.Retry.WaitAsync(
            "publication",
            t => session.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = round, WaitMillis = AggregatorSession.LongPollMillis, KnownStage = known }, AggregatorSession.Call(t)).ResponseAsync,
            o =>
            {
                if (o.Result is not { Stage: not (RoundStage.Published or RoundStage.Aborted) } s)
                {
                    return null;
                }

                known = s.Stage;
                return Progress(s);
            },
            int.MaxValue,
            ct).ConfigureAwait(false);
        return status.Stage == RoundStage.Aborted
            ? throw new InvalidOperationException($"Round {status.Round} was aborted ({status.AbortReason}): {status.AbortMessage}")
            : status.PublishedModelVersion;
    }

    /// <summary>A progress line: the stage, its counts and whom it waits for.</summary>
    internal static string Progress(RoundStatus s)
    {
        string counts = s.Stage switch
        {
            RoundStage.Approving => $"{s.ApprovalsReceived} of {s.ParticipantsSubmitted} approvals",
            RoundStage.Decrypting => $"{s.DecryptionSharesComplete} members have answered",
            _ => $"{s.ParticipantsSubmitted} of {s.ExpectedParticipants} uploads",
        };
        string waiting = s.WaitingFor.Count > 0 ? $"; waiting for {string.Join(", ", s.WaitingFor)}" : "";
        return $"round {s.Round} is {s.Stage} ({counts}{waiting})";
    }

    /// <summary>Downloads a published global model (0 = the newest) and checks it (<see cref="ModelAssembler"/>).</summary>
    /// <exception cref="InvalidDataException">The stream is malformed, incomplete or out of order, is another version than
    /// the one asked for, or the values do not match the header's digest.</exception>
    public Task<GlobalModel> FetchAsync(ulong modelVersion, CancellationToken ct) =>
        DownloadAsync(new DownloadGlobalModelRequest { ModelVersion = modelVersion }, Assembler(version: modelVersion), ct);

    /// <summary>
    /// Waits for <paramref name="round"/>'s publication and downloads the model it published, one request per wait
    /// (DownloadGlobalModelRequest.round): the model streams as soon as the round publishes it, without a status poll and
    /// a second request after the publication (a WAN round trip less than <see cref="WaitForPublicationAsync"/> and
    /// <see cref="FetchAsync"/>). A wait that ends before the publication is asked again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The round was aborted (the message says why; nothing was decrypted).</exception>
    /// <exception cref="InvalidDataException">The stream is malformed, incomplete, of another round, or does not match its digest.</exception>
    public async Task<GlobalModel> FetchRoundAsync(ulong round, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfZero(round);
        var request = new DownloadGlobalModelRequest { Round = round, WaitMillis = AggregatorSession.LongPollMillis };
        try
        {
            return await session.Retry.WaitAsync(
                "publication",
                t => DownloadAsync(request, Assembler(round: round), t),
                o => o.Exception is RpcException { StatusCode: StatusCode.FailedPrecondition } e && Reason(e) == ErrorReason.WrongStage ? e.Status.Detail : null,
                int.MaxValue,
                ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && Reason(e) == ErrorReason.RoundAborted)
        {
            throw new InvalidOperationException($"Round {round} was aborted: {e.Status.Detail}", e);
        }
    }

    /// <summary>The checks of a download of the own file's model-dimension (version or round 0: any).</summary>
    private ModelAssembler Assembler(ulong version = 0, ulong round = 0) => new((ulong)session.Config.Descriptor.ModelDimension, version, round);

    private async Task<GlobalModel> DownloadAsync(DownloadGlobalModelRequest request, ModelAssembler assembler, CancellationToken ct)
    {
        using (assembler)
        {
            using AsyncServerStreamingCall<ModelFrame> call = session.Invoker.AsyncServerStreamingCall(ModelFrame.DownloadMethod, null, AggregatorSession.Call(ct), request);
            await foreach (ModelFrame frame in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
            {
                using (frame)
                {
                    assembler.Add(frame);
                }
            }

            return assembler.Finish();
        }
    }

    /// <summary>The error reason of a refusal (its ErrorDetail trailer), UNSPECIFIED without one.</summary>
    private static ErrorReason Reason(RpcException e) =>
        e.Trailers.GetValueBytes(WireKeys.ErrorDetailTrailer) is { } bytes ? ErrorDetail.Parser.ParseFrom(bytes).Reason : ErrorReason.Unspecified;
}
