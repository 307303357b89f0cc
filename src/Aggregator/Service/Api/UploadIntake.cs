using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Statements;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// Rounds.UploadCiphertexts and GetUploadProgress: checks each upload header against the current round, validates every
/// chunk (<see cref="Protocol.CiphertextScheme.TryValidateUpload"/>) and hands it to the exactly-once
/// <see cref="UploadAccumulator"/> with its SHA-256 recorded; the upload counts only when all chunks are in AND its
/// signed UploadCommitment verifies (the caller's pinned key, epoch, round, upload id, weight, chunk count, the digest
/// over the stored chunk digests). One upload per participant and round: an identical re-send is answered again, a
/// second different one is refused naming the first. Answers which chunks are held so a broken upload resumes.
/// </summary>
internal sealed class UploadIntake(
    RoundCatalog rounds, OpeningReasons reasons, UploadDocuments uploads, ConsortiumRoster roster, UploadAccumulator accumulator,
    LivenessTracker liveness, DriverSignal driver, AggregatorMetrics metrics, ILoggerFactory loggers)
{
    private ServiceStateStore Docs => uploads.Docs;

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
        (RoundState round, bool alreadyCounted) = await CheckHeaderAsync(header, caller, ct).ConfigureAwait(false);
        long n = round.Number;
        ulong wireRound = header.Round;
        bool counted = false;
        while (await requests.MoveNext(ct).ConfigureAwait(false))
        {
            CiphertextUploadMessage message = requests.Current;
            if (alreadyCounted)
            {
                PooledPayloads.Release(message);
                continue; // an identical re-send of a counted upload: answered as before, nothing changes
            }

            switch (message.KindCase)
            {
                case CiphertextUploadMessage.KindOneofCase.Chunk:
                    counted |= await ReceiveChunkAsync(message.Chunk, header, n, caller, ct).ConfigureAwait(false);
                    PooledPayloads.Release(message); // staged (or refused): nothing refers to its bytes any more
                    break;
                case CiphertextUploadMessage.KindOneofCase.Commitment:
                    counted |= await ReceiveCommitmentAsync(message.Commitment, header, n, caller, ct).ConfigureAwait(false);
                    break;
                default:
                    throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.BadStreamOrder,
                        "only one UploadHeader per stream, first; then CiphertextChunk messages, then the signed commitment", wireRound);
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

        (IReadOnlyList<int> held, bool complete) = await HeldAsync(n, caller, round.ChunkCount, ct).ConfigureAwait(false);
        var response = new UploadCiphertextsResponse
        {
            UploadId = header.UploadId,
            AcceptedCount = (uint)held.Count,
            Complete = complete,
            CommitmentReceived = await uploads.HasCommitmentAsync(n, caller, ct).ConfigureAwait(false),
        };
        response.Accepted.AddRange(RoundCatalog.Ranges(held));
        return response;
    }

    private async Task<bool> ReceiveChunkAsync(CiphertextChunk chunk, UploadHeader header, long n, string caller, CancellationToken ct)
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

        metrics.BytesReceived.Add(chunk.Ciphertext.Length);
        try
        {
            var upload = new ChunkUpload(n, caller, (int)chunk.ChunkIndex, (int)header.TotalChunks, header.ParameterDigest.Memory, chunk.Ciphertext.Memory);
            ChunkReceipt receipt = await accumulator.ReceiveChunkAsync(upload, ct).ConfigureAwait(false);

            // Held (now or before, same bytes): its digest is what the commitment covers (hashed once, by the staging).
            await uploads.PutChunkDigestAsync(n, caller, upload, ct).ConfigureAwait(false);
            return receipt.Counted;
        }
        catch (UploadRefusedException e)
        {
            throw Refusal(e, wireRound, chunk.ChunkIndex);
        }
    }

    private async Task<bool> ReceiveCommitmentAsync(Proto.V1.SignedStatement wire, UploadHeader header, long n, string caller, CancellationToken ct)
    {
        ulong wireRound = header.Round;
        var signed = SignedStatements.FromWire(wire, "commitment", wireRound);
        UploadCommitment c = SignedStatements.VerifyOwn<UploadCommitment>(roster.Verifier, caller, signed, wireRound);
        string? differs =
            c.Round != wireRound ? $"round {c.Round}, the header's is {wireRound}"
            : c.UploadId != new Guid(header.UploadId.Span) ? $"upload id {c.UploadId:N}, the header's is {new Guid(header.UploadId.Span):N}"
            : c.Weight != header.Weight ? $"weight {c.Weight}, the header's is {header.Weight}"
            : c.TotalChunks != (int)header.TotalChunks ? $"{c.TotalChunks} chunks, the header's is {header.TotalChunks}"
            : null;
        if (differs is not null)
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.StatementRejected, $"the upload commitment does not describe this upload: it says {differs}", wireRound);
        }

        IReadOnlyList<ReadOnlyMemory<byte>>? digests = await uploads.ChunkDigestsAsync(n, caller, c.TotalChunks, ct).ConfigureAwait(false);
        if (digests is null)
        {
            (IReadOnlyList<int> held, _) = await HeldAsync(n, caller, c.TotalChunks, ct).ConfigureAwait(false);
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.BadStreamOrder,
                $"the commitment came before all chunks: {held.Count} of {c.TotalChunks} are held; send the missing chunks, then the commitment", wireRound);
        }

        if (!c.Matches(digests))
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.DigestMismatch,
                $"the upload commitment does not match the {c.TotalChunks} chunks received (SHA-256 over their digests differs); it is not counted. Re-encrypt and upload again with a new upload id", wireRound);
        }

        if (!await uploads.PutCommitmentAsync(n, caller, signed, ct).ConfigureAwait(false))
        {
            throw new RefusalException(StatusCode.AlreadyExists, ErrorReason.Duplicate, $"a different commitment of this upload is already recorded in round {n}", wireRound);
        }

        try
        {
            return await accumulator.CountIfCompleteAsync(n, caller, ct).ConfigureAwait(false) is not null;
        }
        catch (UploadRefusedException e)
        {
            throw Refusal(e, wireRound);
        }
    }

    /// <summary>Which chunks of the caller's upload <paramref name="request"/> names are held.</summary>
    public async Task<V1.UploadProgress> ProgressAsync(GetUploadProgressRequest request, ServerCallContext context)
    {
        string caller = context.Caller();
        RoundState r = await rounds.RequireAsync(request.Round, reasons.Why, context.CallToken()).ConfigureAwait(false);
        byte[]? doc = await Docs.GetAsync(DocumentKeys.Upload(r.Number, caller), context.CallToken()).ConfigureAwait(false);
        if (!UploadDocuments.IsOf(doc, request.UploadId.Span))
        {
            throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound, $"no upload with that id from you in round {r.Number}; start one with a new upload id", request.Round);
        }

        (IReadOnlyList<int> held, bool complete) = await HeldAsync(r.Number, caller, r.ChunkCount, context.CallToken()).ConfigureAwait(false);
        var result = new V1.UploadProgress
        {
            Round = (ulong)r.Number,
            UploadId = request.UploadId,
            TotalChunks = (uint)r.ChunkCount,
            AcceptedCount = (uint)held.Count,
            Complete = complete,
            CommitmentReceived = await uploads.HasCommitmentAsync(r.Number, caller, context.CallToken()).ConfigureAwait(false),
        };
        result.Accepted.AddRange(RoundCatalog.Ranges(held));
        return result;
    }

    /// <summary>The accepted chunks: held (or folded) and with their digest recorded, so the commitment can be checked.</summary>
    private async Task<(IReadOnlyList<int> Held, bool Complete)> HeldAsync(long round, string caller, int total, CancellationToken ct)
    {
        Storage.UploadProgress progress = await rounds.Store.GetUploadProgressAsync(round, caller, ct).ConfigureAwait(false);
        if (progress.Counted)
        {
            return ([.. Enumerable.Range(0, total)], true);
        }

        var digested = (await uploads.DigestedChunksAsync(round, caller, ct).ConfigureAwait(false)).ToHashSet();
        return ([.. progress.HeldChunks.Where(digested.Contains)], false);
    }

    /// <summary>Checks an upload header against the current round; restarts a staged upload when the upload id changed.</summary>
    private async Task<(RoundState Round, bool AlreadyCounted)> CheckHeaderAsync(UploadHeader header, string caller, CancellationToken ct)
    {
        RoundState? latest = await rounds.Store.GetLatestRoundAsync(ct).ConfigureAwait(false);
        if (latest is null || header.Round > (ulong)latest.Number || header.Round == 0)
        {
            string why = reasons.Why(header.Round, latest) ?? $"the current round is {latest?.Number ?? 0}";
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.WrongRound,
                $"round {header.Round} is not open: {why}; fetch GetRoundConfig for the current round", header.Round);
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

        // The upload document (id and public weight) is written before any chunk is accepted: the weight of every
        // counted upload is durable, and Σw over the round's contributors is counted exactly once with them.
        byte[] doc = UploadDocuments.Encode(header.UploadId.Span, header.Weight);
        byte[] kept = await Docs.InsertIfAbsentAsync(DocumentKeys.Upload(latest.Number, caller), doc, ct).ConfigureAwait(false);
        bool sameUpload = UploadDocuments.IsOf(kept, header.UploadId.Span);
        bool counted = RoundState.Has(latest.Contributors, caller);
        if (!sameUpload && (counted || await uploads.HasCommitmentAsync(latest.Number, caller, ct).ConfigureAwait(false)))
        {
            throw new RefusalException(StatusCode.AlreadyExists, ErrorReason.Duplicate,
                $"you already submitted upload {UploadDocuments.IdText(kept)} to round {latest.Number}; a second, different upload for the same round is refused (the first one counts)",
                header.Round);
        }

        if (sameUpload && UploadDocuments.Weight(kept) != header.Weight)
        {
            throw RefusalException.Invalid(
                $"weight {header.Weight} differs from the weight {UploadDocuments.Weight(kept)} this upload id started with; resume with the same weight", header.Round);
        }

        if (counted)
        {
            return (latest, true); // the same upload again: idempotent
        }

        if (!sameUpload)
        {
            // A new upload id before the first one was committed: the participant restarts its upload from scratch.
            try
            {
                await accumulator.RestartUploadAsync(latest.Number, caller, ct).ConfigureAwait(false);
            }
            catch (UploadRefusedException e)
            {
                throw Refusal(e, header.Round);
            }

            foreach (string key in await Docs.ListKeysAsync(DocumentKeys.ChunkDigestPrefix(latest.Number, caller), ct).ConfigureAwait(false))
            {
                await Docs.DeleteAsync(key, ct).ConfigureAwait(false);
            }

            await Docs.PutAsync(DocumentKeys.Upload(latest.Number, caller), doc, ct).ConfigureAwait(false);
        }

        return (latest, false);
    }

    private static RefusalException Refusal(UploadRefusedException e, ulong round, uint? chunk = null) =>
        RefusalException.ForUpload(e.Refusal, e.Message, round, chunk);
}
