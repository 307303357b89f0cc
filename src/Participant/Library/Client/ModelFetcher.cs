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
    /// <exception cref="InvalidDataException">The stream is malformed, incomplete or out of order, or the values do not match the header's digest.</exception>
    public async Task<GlobalModel> FetchAsync(ulong modelVersion, CancellationToken ct)
    {
        using var assembler = new ModelAssembler((ulong)session.Config.Descriptor.ModelDimension);
        using AsyncServerStreamingCall<ModelFrame> call = session.Invoker.AsyncServerStreamingCall(
            ModelFrame.DownloadMethod, null, AggregatorSession.Call(ct), new DownloadGlobalModelRequest { ModelVersion = modelVersion });
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
