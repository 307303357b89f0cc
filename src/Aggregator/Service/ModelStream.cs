using Google.Protobuf;
using Grpc.Core;
using SecAgg.Aggregator.Service.Api;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// Rounds.DownloadGlobalModel's framing, the same for every back end: the header first, then the values from
/// first_element in runs of <see cref="RunLength"/> float32 (64 KiB), each message wrapping a slice of the held
/// little-endian bytes (which never change once published: no copy).
/// </summary>
public static class ModelStream
{
    /// <summary>Values per data message.</summary>
    public const int RunLength = 16384;

    /// <summary>
    /// The model version a request asks for: its model_version (0: the newest, which the back end resolves), or with
    /// round the version that round publishes, waited for through <see cref="PublishedVersionAsync"/>.
    /// </summary>
    /// <exception cref="RefusalException">INVALID_ARGUMENT (MALFORMED) for a request that names both; the refusals of
    /// <see cref="PublishedVersionAsync"/>.</exception>
    public static Task<ulong> RequestedVersionAsync(DownloadGlobalModelRequest request, Func<Task<RoundStatus>> status, Func<Task>? nextMove, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Round == 0)
        {
            return Task.FromResult(request.ModelVersion);
        }

        if (request.ModelVersion != 0)
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.Malformed,
                $"the request names model_version {request.ModelVersion} and round {request.Round}; give one of them (round: the model that round publishes)", request.Round);
        }

        return PublishedVersionAsync(request.Round, request.WaitMillis, status, nextMove, ct);
    }

    /// <summary>
    /// The model version a request for <paramref name="round"/>'s model gets (DownloadGlobalModelRequest.round): waits,
    /// as a long poll of up to <paramref name="waitMillis"/>, until the back end's <paramref name="status"/> of the round
    /// says published or aborted (<paramref name="nextMove"/>: the back end's move signal, null to recheck every 100 ms).
    /// </summary>
    /// <exception cref="RefusalException">FAILED_PRECONDITION with ROUND_ABORTED (the abort's reason and message) or, when
    /// the wait ends first, WRONG_STAGE (ask again); NOT_FOUND when the round does not exist at the end of the wait.</exception>
    private static async Task<ulong> PublishedVersionAsync(ulong round, uint waitMillis, Func<Task<RoundStatus>> status, Func<Task>? nextMove, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(status);
        Func<bool, Task<RoundStatus?>> attempt = async waited =>
        {
            RoundStatus s = await status().ConfigureAwait(false);
            return waited || s.Stage is RoundStage.Published or RoundStage.Aborted ? s : null;
        };
        RoundStatus s = nextMove is null
            ? await LongPoll.UntilAsync(waitMillis, attempt, ct).ConfigureAwait(false)
            : await LongPoll.UntilAsync(waitMillis, attempt, nextMove, ct).ConfigureAwait(false);
        return s.Stage switch
        {
            RoundStage.Published => s.PublishedModelVersion,
            RoundStage.Aborted => throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.RoundAborted,
                $"round {round} was aborted ({s.AbortReason}): {s.AbortMessage}; it publishes no model", round),
            RoundStage.Unspecified => throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound,
                $"round {round} does not exist{(s.NotOpenReason.Length > 0 ? ": " + s.NotOpenReason : "")}", round),
            _ => throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.WrongStage,
                $"round {round} is {s.Stage} and has not published its model yet; ask again", round),
        };
    }

    /// <summary>Writes the header of <paramref name="model"/> (version, round, participants, SHA-256 of the values, the
    /// round's <paramref name="layout"/>) and its values from <paramref name="firstElement"/> on.</summary>
    /// <exception cref="RefusalException">OUT_OF_RANGE: <paramref name="firstElement"/> is beyond the model.</exception>
    public static async Task WriteAsync(IServerStreamWriter<GlobalModelMessage> stream, ModelBytes model, TensorLayout layout, ulong firstElement, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layout);
        var header = new GlobalModelHeader
        {
            ModelVersion = (ulong)model.Version,
            Round = (ulong)model.Round,
            Layout = ContractMapping.ToContract(layout),
            ParticipantsCounted = (uint)model.Participants,
            DataDigest = UnsafeByteOperations.UnsafeWrap(model.Digest),
        };
        ReadOnlyMemory<byte> values = model.Values;
        int count = values.Length / sizeof(float);
        if (firstElement > (ulong)count)
        {
            throw new RefusalException(StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange, $"first_element {firstElement} is beyond the model's {count} values");
        }

        await stream.WriteAsync(new GlobalModelMessage { Header = header }, ct).ConfigureAwait(false);
        for (int i = (int)firstElement; i < count; i += RunLength)
        {
            int run = Math.Min(RunLength, count - i);
            var data = new GlobalModelData { Offset = (ulong)i, Data = UnsafeByteOperations.UnsafeWrap(values.Slice(i * sizeof(float), run * sizeof(float))) };
            await stream.WriteAsync(new GlobalModelMessage { Data = data }, ct).ConfigureAwait(false);
        }
    }
}
