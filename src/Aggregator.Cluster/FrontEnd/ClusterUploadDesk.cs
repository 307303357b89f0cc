using Grpc.Core;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>
/// Rounds.UploadCiphertexts and GetUploadProgress over the grains, with the single-process service's wire rules: the
/// header is checked against the current round (round, aborted, upload id, weight, parameter digest, chunk count, one
/// upload per participant), each chunk is staged through the silo's <see cref="IChunkIngestGrain"/> under the
/// AUTHENTICATED caller (never an id from the request), the signed commitment must be the caller's own and describe the
/// header's upload before <see cref="IRoundGrain.CompleteUploadAsync"/> admits, folds and counts it. Resumable: the
/// answer and GetUploadProgress say which chunks the shared store holds; a re-sent counted upload is answered again.
/// </summary>
internal sealed partial class ClusterUploadDesk(ClusterRoundBook book, IGrainFactory grains, ClusterConsortium consortium, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("SecAgg.Aggregator.Cluster.FrontEnd");

    private IChunkIngestGrain Ingest => grains.GetGrain<IChunkIngestGrain>(0);

    /// <summary>Receives one upload stream: an <see cref="UploadHeader"/> first, then chunks in any order, then the commitment.</summary>
    public async Task<UploadCiphertextsResponse> ReceiveAsync(IAsyncStreamReader<CiphertextUploadMessage> requests, ServerCallContext context)
    {
        CancellationToken ct = ParticipantCalls.CallToken(context);
        string caller = ParticipantCalls.Caller(context);
        if (!await requests.MoveNext(ct).ConfigureAwait(false))
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.BadStreamOrder, "the upload stream is empty; send an UploadHeader first");
        }

        if (requests.Current.KindCase != CiphertextUploadMessage.KindOneofCase.Header)
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.BadStreamOrder, "the first message of an upload stream must be its UploadHeader");
        }

        UploadHeader header = requests.Current.Header;
        ParticipantCalls.RequireSelf(context, header.ParticipantId);
        (RoundView round, UploadView? admitted) = await CheckHeaderAsync(header, caller).ConfigureAwait(false);
        var uploadId = new Guid(header.UploadId.Span);
        bool alreadyCounted = admitted is { Counted: true };
        bool counted = false;
        while (await requests.MoveNext(ct).ConfigureAwait(false))
        {
            if (alreadyCounted)
            {
                continue; // an identical re-send of a counted upload: answered as before, nothing changes
            }

            CiphertextUploadMessage message = requests.Current;
            switch (message.KindCase)
            {
                case CiphertextUploadMessage.KindOneofCase.Chunk:
                    await StageAsync(message.Chunk, header, round.Number, caller, uploadId).ConfigureAwait(false);
                    break;
                case CiphertextUploadMessage.KindOneofCase.Commitment:
                    counted |= await CompleteAsync(message.Commitment, header, round.Number, caller).ConfigureAwait(false);
                    break;
                default:
                    throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.BadStreamOrder,
                        "only one UploadHeader per stream, first; then CiphertextChunk messages, then the signed commitment", header.Round);
            }
        }

        if (counted)
        {
            RoundView after = await book.Round(round.Number).GetAsync().ConfigureAwait(false);
            UploadCounted(_logger, round.Number, caller, after.Contributors.Length);
        }

        Held held = await HeldAsync(round.Number, caller, uploadId, round.ChunkCount).ConfigureAwait(false);
        var response = new UploadCiphertextsResponse
        {
            UploadId = header.UploadId,
            AcceptedCount = (uint)held.Chunks.Length,
            Complete = held.Complete,
            CommitmentReceived = held.CommitmentReceived,
        };
        response.Accepted.AddRange(ClusterRoundBook.Ranges(held.Chunks));
        return response;
    }

    /// <summary>Which chunks of the caller's upload the request names the shared store holds, and whether it is counted.</summary>
    public async Task<V1.UploadProgress> ProgressAsync(GetUploadProgressRequest request, ServerCallContext context)
    {
        string caller = ParticipantCalls.Caller(context);
        RoundView round = await book.RequireAsync(request.Round).ConfigureAwait(false);
        if (request.UploadId.Length != WireKeys.UploadIdLength)
        {
            throw RefusalException.Invalid($"upload_id must be {WireKeys.UploadIdLength} bytes; got {request.UploadId.Length}", request.Round);
        }

        Held held = await HeldAsync(round.Number, caller, new Guid(request.UploadId.Span), round.ChunkCount).ConfigureAwait(false);
        if (held.Chunks.Length == 0 && !held.CommitmentReceived)
        {
            throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound, $"no upload with that id from you in round {round.Number}; start one with a new upload id", request.Round);
        }

        var result = new V1.UploadProgress
        {
            Round = (ulong)round.Number,
            UploadId = request.UploadId,
            TotalChunks = (uint)round.ChunkCount,
            AcceptedCount = (uint)held.Chunks.Length,
            Complete = held.Complete,
            CommitmentReceived = held.CommitmentReceived,
        };
        result.Accepted.AddRange(ClusterRoundBook.Ranges(held.Chunks));
        return result;
    }

    private async Task StageAsync(CiphertextChunk chunk, UploadHeader header, long round, string caller, Guid uploadId)
    {
        ulong wireRound = header.Round;
        if (chunk.Round != wireRound)
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.WrongRound, $"chunk {chunk.ChunkIndex} says round {chunk.Round}; the header says {wireRound}", wireRound, chunk.ChunkIndex);
        }

        if (chunk.ChunkIndex >= header.TotalChunks)
        {
            throw new RefusalException(StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange, $"chunk index {chunk.ChunkIndex} is outside 0..{header.TotalChunks - 1}", wireRound, chunk.ChunkIndex);
        }

        UploadOutcome outcome = await Ingest.StageChunkAsync(round, caller, uploadId, (int)chunk.ChunkIndex, ClusterPayloads.ArrayOf(chunk.Ciphertext)).ConfigureAwait(false);
        if (!outcome.Accepted)
        {
            throw ClusterRefusals.From(outcome, wireRound, chunk.ChunkIndex);
        }
    }

    private async Task<bool> CompleteAsync(V1.SignedStatement wire, UploadHeader header, long round, string caller)
    {
        ulong wireRound = header.Round;
        (UploadCommitment c, byte[] signed) = ClusterStatements.VerifyOwn<UploadCommitment>(consortium.Verifier, caller, wire, "commitment", wireRound);
        var headerId = new Guid(header.UploadId.Span);
        string? differs =
            c.Round != wireRound ? $"round {c.Round}, the header's is {wireRound}"
            : c.UploadId != headerId ? $"upload id {c.UploadId:N}, the header's is {headerId:N}"
            : c.Weight != header.Weight ? $"weight {c.Weight}, the header's is {header.Weight}"
            : c.TotalChunks != (int)header.TotalChunks ? $"{c.TotalChunks} chunks, the header's is {header.TotalChunks}"
            : null;
        if (differs is not null)
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.StatementRejected, $"the upload commitment does not describe this upload: it says {differs}", wireRound);
        }

        UploadOutcome outcome = await book.Round(round).CompleteUploadAsync(signed).ConfigureAwait(false);
        return outcome.Accepted ? true : throw ClusterRefusals.From(outcome, wireRound);
    }

    /// <summary>Checks an upload header against the current round; returns the round and the caller's admitted upload (null: none yet).</summary>
    private async Task<(RoundView Round, UploadView? Admitted)> CheckHeaderAsync(UploadHeader header, string caller)
    {
        long latest = await book.LatestAsync().ConfigureAwait(false);
        RoundView? round = header.Round == 0 || header.Round > (ulong)latest ? null : await book.Round((long)header.Round).GetAsync().ConfigureAwait(false);
        if (round is null || round.Stage == "none")
        {
            string why = await book.WhyNotOpenAsync(header.Round, latest).ConfigureAwait(false) ?? $"the current round is {latest}";
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.WrongRound,
                $"round {header.Round} is not open: {why}; fetch GetRoundConfig for the current round", header.Round);
        }

        if (round.Number < latest)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.WrongRound,
                $"round {header.Round} is over (the current round is {latest}); an upload is never replayed into another round: re-encrypt for round {latest}", header.Round);
        }

        if (round.Stage == RoundStages.Aborted)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.RoundAborted, $"round {round.Number} was aborted: {round.AbortReason}", header.Round);
        }

        if (header.UploadId.Length != WireKeys.UploadIdLength)
        {
            throw RefusalException.Invalid($"upload_id must be {WireKeys.UploadIdLength} random bytes; got {header.UploadId.Length}", header.Round);
        }

        RoundParameters parameters = await book.ParametersAsync(round.Number).ConfigureAwait(false);
        ulong maxWeight = parameters.MaxWeight;
        if (header.Weight < 1 || header.Weight > maxWeight)
        {
            throw RefusalException.Invalid(
                maxWeight == 1
                    ? $"weight {header.Weight} is out of range: round {round.Number} is unweighted (max_weight = 1), so the weight must be 1"
                    : $"weight {header.Weight} is out of range: round {round.Number} accepts 1 <= weight <= max_weight = {maxWeight}", header.Round);
        }

        if (!header.ParameterDigest.Span.SequenceEqual(parameters.ParameterDigest))
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.DigestMismatch,
                $"parameter_digest does not match round {round.Number}'s; fetch GetRoundConfig, check it, and re-encrypt", header.Round);
        }

        if (header.TotalChunks != (uint)round.ChunkCount)
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.ParameterMismatch,
                $"total_chunks = {header.TotalChunks}, but round {round.Number} uploads have {round.ChunkCount} chunks", header.Round);
        }

        UploadView? admitted = await book.Round(round.Number).GetUploadAsync(caller).ConfigureAwait(false);
        if (admitted is not null && admitted.UploadId != new Guid(header.UploadId.Span))
        {
            throw new RefusalException(StatusCode.AlreadyExists, ErrorReason.Duplicate,
                $"you already submitted upload {admitted.UploadId:N} to round {round.Number}; a second, different upload for the same round is refused (the first one counts)", header.Round);
        }

        return (round, admitted);
    }

    /// <summary>The chunks of the caller's upload the store holds (all, once counted), whether it is counted, and whether its commitment admitted it.</summary>
    private async Task<Held> HeldAsync(long round, string caller, Guid uploadId, int total)
    {
        UploadView? admitted = await book.Round(round).GetUploadAsync(caller).ConfigureAwait(false);
        bool ours = admitted is not null && admitted.UploadId == uploadId;
        if (ours && admitted!.Counted)
        {
            return new Held([.. Enumerable.Range(0, total)], true, true);
        }

        int[] staged = await Ingest.GetStagedAsync(round, caller, uploadId).ConfigureAwait(false);
        return new Held(staged, false, ours);
    }

    private readonly record struct Held(int[] Chunks, bool Complete, bool CommitmentReceived);

    [LoggerMessage(EventId = 1930, Level = LogLevel.Information, Message = "Round {Round}: {Participant}'s upload is counted ({Summands} uploads in U)")]
    private static partial void UploadCounted(ILogger logger, long round, string participant, int summands);
}
