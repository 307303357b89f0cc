using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// Rounds.UploadCiphertexts and GetUploadProgress: checks each upload header against the current round, hands every
/// chunk to the exactly-once <see cref="UploadAccumulator"/> (durable when its message is processed, counted when the
/// last missing chunk arrives), and answers which chunks are held so a broken upload resumes.
/// </summary>
internal sealed class UploadIntake(
    RoundCatalog rounds, ServiceStateStore docs, UploadAccumulator accumulator, LivenessTracker liveness, DriverSignal driver, AggregatorMetrics metrics, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("SecAgg.Aggregator.Service");

    /// <summary>Receives one upload stream: an <see cref="UploadHeader"/> first, then chunks in any order.</summary>
    public async Task<UploadCiphertextsResponse> ReceiveAsync(IAsyncStreamReader<CiphertextUploadMessage> requests, ServerCallContext context)
    {
        CancellationToken ct = context.CallToken();
        string caller = context.Caller();
        if (!await requests.MoveNext(ct).ConfigureAwait(false))
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.BadStreamOrder, "the upload stream is empty; send an UploadHeader first");
        }

        if (requests.Current.KindCase != CiphertextUploadMessage.KindOneofCase.Header)
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.BadStreamOrder, "the first message of an upload stream must be its UploadHeader");
        }

        UploadHeader header = requests.Current.Header;
        ParticipantAuthenticator.RequireSelf(context, header.ParticipantId);
        RoundState round = await CheckHeaderAsync(header, caller, ct).ConfigureAwait(false);
        long n = round.Number;
        ulong wireRound = header.Round;
        bool counted = false;
        while (await requests.MoveNext(ct).ConfigureAwait(false))
        {
            CiphertextUploadMessage message = requests.Current;
            if (message.KindCase != CiphertextUploadMessage.KindOneofCase.Chunk)
            {
                throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.BadStreamOrder, "only one UploadHeader per stream, first; then CiphertextChunk messages", wireRound);
            }

            CiphertextChunk chunk = message.Chunk;
            if (chunk.Round != wireRound)
            {
                throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.WrongRound, $"chunk {chunk.ChunkIndex} says round {chunk.Round}; the header says {wireRound}", wireRound, chunk.ChunkIndex);
            }

            if (chunk.ChunkIndex >= header.TotalChunks)
            {
                throw new RefusalException(StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange, $"chunk index {chunk.ChunkIndex} is outside 0..{header.TotalChunks - 1}", wireRound, chunk.ChunkIndex);
            }

            metrics.BytesReceived.Add(chunk.Ciphertext.Length);
            try
            {
                ChunkReceipt receipt = await accumulator.ReceiveChunkAsync(
                    new ChunkUpload(n, caller, (int)chunk.ChunkIndex, (int)header.TotalChunks, header.ParameterDigest.Memory, chunk.Ciphertext.Memory), ct).ConfigureAwait(false);
                counted |= receipt.Counted;
            }
            catch (UploadRefusedException e)
            {
                throw Refusal(e, wireRound, chunk.ChunkIndex);
            }
        }

        if (counted)
        {
            liveness.Seen(caller); // a long upload stream ends: the caller is live now, not just when it began
            metrics.UploadsCounted.Add(1);
            RoundState after = (await rounds.Store.GetRoundAsync(n, ct).ConfigureAwait(false))!;
            rounds.Current = after;
            ServiceLog.UploadCounted(_logger, n, caller, after.Summands);
            driver.Wake();
        }

        (IEnumerable<int> held, bool complete) = await HeldAsync(n, caller, round.ChunkCount, ct).ConfigureAwait(false);
        var response = new UploadCiphertextsResponse { UploadId = header.UploadId, AcceptedCount = (uint)held.Count(), Complete = complete };
        response.Accepted.AddRange(RoundCatalog.Ranges(held));
        return response;
    }

    /// <summary>Which chunks of the caller's upload <paramref name="request"/> names are held.</summary>
    public async Task<V1.UploadProgress> ProgressAsync(GetUploadProgressRequest request, ServerCallContext context)
    {
        string caller = context.Caller();
        RoundState r = await rounds.RequireAsync(request.Round, context.CallToken()).ConfigureAwait(false);
        byte[]? doc = await docs.GetAsync(DocumentKeys.Upload(r.Number, caller), context.CallToken()).ConfigureAwait(false);
        if (!UploadDocuments.IsOf(doc, request.UploadId.Span))
        {
            throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound, $"no upload with that id from you in round {r.Number}; start one with a new upload id", request.Round);
        }

        (IEnumerable<int> held, bool complete) = await HeldAsync(r.Number, caller, r.ChunkCount, context.CallToken()).ConfigureAwait(false);
        var result = new V1.UploadProgress
        {
            Round = (ulong)r.Number,
            UploadId = request.UploadId,
            TotalChunks = (uint)r.ChunkCount,
            AcceptedCount = (uint)held.Count(),
            Complete = complete,
        };
        result.Accepted.AddRange(RoundCatalog.Ranges(held));
        return result;
    }

    private async Task<(IEnumerable<int> Held, bool Complete)> HeldAsync(long round, string caller, int total, CancellationToken ct)
    {
        Storage.UploadProgress progress = await rounds.Store.GetUploadProgressAsync(round, caller, ct).ConfigureAwait(false);
        return (progress.Counted ? Enumerable.Range(0, total) : progress.HeldChunks, progress.Counted);
    }

    /// <summary>Checks an upload header against the current round; restarts a staged upload when the upload id changed.</summary>
    private async Task<RoundState> CheckHeaderAsync(UploadHeader header, string caller, CancellationToken ct)
    {
        RoundState? latest = await rounds.Store.GetLatestRoundAsync(ct).ConfigureAwait(false);
        if (latest is null || header.Round > (ulong)latest.Number || header.Round == 0)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.WrongRound,
                $"round {header.Round} is not open (the current round is {latest?.Number ?? 0}); fetch GetRoundConfig for the current round", header.Round);
        }

        if (header.Round < (ulong)latest.Number)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.WrongRound,
                $"round {header.Round} is over (the current round is {latest.Number}); an upload is never replayed into another round: re-encrypt for round {latest.Number}", header.Round);
        }

        if (latest.Stage == CoreStage.Aborted)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.RoundAborted, $"round {latest.Number} was aborted: {latest.AbortReason}", header.Round);
        }

        if (header.UploadId.Length != WireKeys.UploadIdLength)
        {
            throw RefusalException.Invalid($"upload_id must be {WireKeys.UploadIdLength} random bytes; got {header.UploadId.Length}", header.Round);
        }

        ulong maxWeight = (await rounds.ParametersAsync(latest.Number, ct).ConfigureAwait(false)).MaxWeight;
        if (header.Weight < 1 || header.Weight > maxWeight)
        {
            throw RefusalException.Invalid(
                maxWeight == 1
                    ? $"weight {header.Weight} is out of range: round {latest.Number} is unweighted (max_weight = 1), so the weight must be 1"
                    : $"weight {header.Weight} is out of range: round {latest.Number} accepts 1 <= weight <= max_weight = {maxWeight}", header.Round);
        }

        if (!header.ParameterDigest.Span.SequenceEqual(latest.ParameterDigest.AsSpan()))
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.DigestMismatch,
                $"parameter_digest does not match round {latest.Number}'s; fetch GetRoundConfig, check it, and re-encrypt", header.Round);
        }

        if (header.TotalChunks != (uint)latest.ChunkCount)
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.ParameterMismatch,
                $"total_chunks = {header.TotalChunks}, but round {latest.Number} uploads have {latest.ChunkCount} chunks", header.Round);
        }

        if (RoundState.Has(latest.Contributors, caller))
        {
            throw new RefusalException(StatusCode.AlreadyExists, ErrorReason.Duplicate,
                $"your upload to round {latest.Number} is already counted; it is never counted twice", header.Round);
        }

        // The upload document (id and public weight) is written before any chunk is accepted: the weight of every
        // counted upload is durable, and Σw over the round's contributors is counted exactly once with them.
        byte[] doc = UploadDocuments.Encode(header.UploadId.Span, header.Weight);
        byte[] kept = await docs.InsertIfAbsentAsync(DocumentKeys.Upload(latest.Number, caller), doc, ct).ConfigureAwait(false);
        bool sameUpload = UploadDocuments.IsOf(kept, header.UploadId.Span);
        if (sameUpload && UploadDocuments.Weight(kept) != header.Weight)
        {
            throw RefusalException.Invalid(
                $"weight {header.Weight} differs from the weight {UploadDocuments.Weight(kept)} this upload id started with; resume with the same weight, or start a new upload id", header.Round);
        }

        if (!sameUpload)
        {
            // A new upload id: the participant restarts its upload from scratch.
            try
            {
                await accumulator.RestartUploadAsync(latest.Number, caller, ct).ConfigureAwait(false);
            }
            catch (UploadRefusedException e)
            {
                throw Refusal(e, header.Round);
            }

            await docs.PutAsync(DocumentKeys.Upload(latest.Number, caller), doc, ct).ConfigureAwait(false);
        }

        return latest;
    }

    private static RefusalException Refusal(UploadRefusedException e, ulong round, uint? chunk = null) =>
        new((StatusCode)e.Refusal.GrpcStatusCode(), ReasonOf(e.Refusal), e.Message, round, chunk);

    private static ErrorReason ReasonOf(UploadRefusal refusal) => refusal switch
    {
        UploadRefusal.Duplicate or UploadRefusal.ConflictingChunk => ErrorReason.Duplicate,
        UploadRefusal.Replayed => ErrorReason.WrongRound,
        UploadRefusal.NoSuchRound => ErrorReason.NotFound,
        UploadRefusal.OutOfOrder => ErrorReason.BadStreamOrder,
        UploadRefusal.Late => ErrorReason.RoundDeadlinePassed,
        UploadRefusal.WrongParameters => ErrorReason.ParameterMismatch,
        UploadRefusal.NotEnrolled => ErrorReason.IdentityMismatch,
        _ => ErrorReason.Malformed,
    };
}
