using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.State;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using SecAgg.Proto.V1;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// Collective decryption, for the members of a round's fixed decryption set: the session and one request per chunk
/// (the aggregate's c1 only, with the digest that keys the member's one-share-per-ciphertext ledger; the request is
/// recorded durably before any c1 leaves), then the members' shares, each checked (parses, is the member's own, the
/// fixed set, this chunk's ciphertext) and stored once.
/// </summary>
internal sealed class DecryptionDesk(
    RoundCatalog rounds, ServiceStateStore docs, ConsortiumRoster roster, RoundCoordinator coordinator, DriverSignal driver, AggregatorMetrics metrics, ILoggerFactory loggers)
{
    private const int DefaultPage = 16;
    private const int MaxPage = 64;
    private static readonly TimeSpan CollectingRecheck = TimeSpan.FromMilliseconds(100);

    private readonly ILogger _logger = loggers.CreateLogger("SecAgg.Aggregator.Service");

    /// <summary>Rounds.FetchDecryptionRequests: waits while the round collects, then the session and every request from the resume point.</summary>
    public async Task FetchAsync(FetchDecryptionRequestsRequest request, IServerStreamWriter<DecryptionStreamMessage> responses, ServerCallContext context)
    {
        string caller = context.Caller();
        CancellationToken ct = context.CallToken();
        while (true)
        {
            RoundState r = await rounds.RequireAsync(request.Round, ct).ConfigureAwait(false);
            var s = await SessionAsync(r, caller, ct).ConfigureAwait(false);
            if (s is null)
            {
                await Task.Delay(CollectingRecheck, ct).ConfigureAwait(false);
                continue;
            }

            await responses.WriteAsync(new DecryptionStreamMessage { Session = s.Value.Session }, ct).ConfigureAwait(false);
            for (int i = (int)request.FirstChunkIndex; i < s.Value.Aggregate.Length; i++)
            {
                await responses.WriteAsync(new DecryptionStreamMessage { Request = Request(r.Number, i, s.Value.Aggregate[i]) }, ct).ConfigureAwait(false);
            }

            return;
        }
    }

    /// <summary>Rounds.PollDecryptionRequests: a page of requests (none while the round collects or after it ended).</summary>
    public async Task<DecryptionRequestBatch> PollAsync(PollDecryptionRequestsRequest request, ServerCallContext context)
    {
        string caller = context.Caller();
        RoundState r = await rounds.RequireAsync(request.Round, context.CallToken()).ConfigureAwait(false);
        if (request.MaxRequests > MaxPage)
        {
            throw RefusalException.Invalid($"max_requests {request.MaxRequests} exceeds {MaxPage}", request.Round);
        }

        var batch = new DecryptionRequestBatch { Stage = RoundCatalog.ToWire(r.Stage) };
        if (r.Stage is CoreStage.Open or CoreStage.Collecting or CoreStage.Published or CoreStage.Aborted)
        {
            return batch;
        }

        var s = (await SessionAsync(r, caller, context.CallToken()).ConfigureAwait(false))!.Value;
        batch.Session = s.Session;
        int max = request.MaxRequests == 0 ? DefaultPage : (int)request.MaxRequests;
        int i = (int)request.FirstChunkIndex;
        for (; i < s.Aggregate.Length && batch.Requests.Count < max; i++)
        {
            batch.Requests.Add(Request(r.Number, i, s.Aggregate[i]));
        }

        batch.NextChunkIndex = (uint)Math.Min(i, s.Aggregate.Length);
        return batch;
    }

    /// <summary>Rounds.UploadDecryptionShares: stores each checked share once; when the caller answered every chunk its shares count as complete.</summary>
    public async Task<UploadDecryptionSharesResponse> ReceiveSharesAsync(IAsyncStreamReader<V1.DecryptionShare> requests, ServerCallContext context)
    {
        string caller = context.Caller();
        CancellationToken ct = context.CallToken();
        RoundState? r = null;
        AggregateChunk[]? aggregate = null;
        while (await requests.MoveNext(ct).ConfigureAwait(false))
        {
            V1.DecryptionShare msg = requests.Current;
            ParticipantAuthenticator.RequireSelf(context, msg.ParticipantId);
            if (r is null || (ulong)r.Number != msg.Round)
            {
                r = await rounds.RequireAsync(msg.Round, ct).ConfigureAwait(false);
                aggregate = await CheckAnsweringAsync(r, caller, msg.Round, ct).ConfigureAwait(false);
            }

            if (msg.ChunkIndex >= (uint)aggregate!.Length)
            {
                throw new RefusalException(StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange, $"chunk {msg.ChunkIndex} is outside 0..{aggregate.Length - 1}", msg.Round, msg.ChunkIndex);
            }

            AggregateChunk target = aggregate[msg.ChunkIndex];
            if (!msg.CiphertextDigest.Span.SequenceEqual(target.Digest))
            {
                throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.DigestMismatch, $"ciphertext_digest does not match chunk {msg.ChunkIndex}'s request", msg.Round, msg.ChunkIndex);
            }

            metrics.BytesReceived.Add(msg.Share.Length);
            if (!target.TryCheckShare(msg.Share.Span, roster.PointOf(caller), roster.SetPoints(r), out string? problem))
            {
                throw RefusalException.Invalid($"the share for chunk {msg.ChunkIndex} is refused: {problem}", msg.Round, msg.ChunkIndex);
            }

            byte[] bytes = msg.Share.ToByteArray();
            byte[] kept = await docs.InsertIfAbsentAsync(DocumentKeys.Share(r.Number, caller, (int)msg.ChunkIndex), bytes, ct).ConfigureAwait(false);
            if (!kept.AsSpan().SequenceEqual(bytes))
            {
                throw new RefusalException(StatusCode.AlreadyExists, ErrorReason.Duplicate,
                    $"a different share for chunk {msg.ChunkIndex} is already recorded; a member answers each ciphertext once", msg.Round, msg.ChunkIndex);
            }

            metrics.SharesReceived.Add(1);
        }

        return r is null ? new UploadDecryptionSharesResponse() : await AnsweredAsync(r, caller, ct).ConfigureAwait(false);
    }

    /// <summary>The round's aggregate, if <paramref name="caller"/> may answer it now (a member, decrypting, requests fetched).</summary>
    private async Task<AggregateChunk[]> CheckAnsweringAsync(RoundState r, string caller, ulong wireRound, CancellationToken ct)
    {
        if (r.Stage != CoreStage.Decrypting)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, r.Stage == CoreStage.Aborted ? ErrorReason.RoundAborted : ErrorReason.WrongStage,
                $"round {r.Number} is {RoundStages.Name(r.Stage)}, not decrypting; shares are accepted only while it decrypts", wireRound);
        }

        if (!RoundState.Has(r.DecryptionSet, caller))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.IdentityMismatch, $"you are not in round {r.Number}'s decryption set", wireRound);
        }

        if (!RoundState.Has(r.SharesRequested, caller))
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.BadStreamOrder, $"fetch round {r.Number}'s decryption requests before answering them", wireRound);
        }

        return await rounds.AggregateAsync(r, ct).ConfigureAwait(false);
    }

    /// <summary>The caller's answered chunks; records its shares complete (once) when every chunk is answered.</summary>
    private async Task<UploadDecryptionSharesResponse> AnsweredAsync(RoundState r, string caller, CancellationToken ct)
    {
        var held = (await docs.ListKeysAsync(DocumentKeys.SharePrefix(r.Number, caller), ct).ConfigureAwait(false))
            .Select(k => int.Parse(k.AsSpan(k.LastIndexOf('/') + 1), CultureInfo.InvariantCulture)).ToList();
        var response = new UploadDecryptionSharesResponse { AcceptedCount = (uint)held.Count, Complete = held.Count == r.ChunkCount };
        response.Accepted.AddRange(RoundCatalog.Ranges(held));
        if (response.Complete && !RoundState.Has(r.SharesReceived, caller))
        {
            try
            {
                rounds.Current = await coordinator.ReceiveShareAsync(r.Number, caller, ct).ConfigureAwait(false);
                ServiceLog.SharesComplete(_logger, r.Number, caller);
            }
            catch (RoundStateException e) when (e.Error == RoundError.Duplicate)
            {
            }
            catch (RoundStateException e)
            {
                throw StageRefusal(e, r.Number);
            }

            driver.Wake();
        }

        return response;
    }

    /// <summary>The decryption session and aggregate for a member, or null while the round still collects.</summary>
    private async Task<(DecryptionSession Session, AggregateChunk[] Aggregate)?> SessionAsync(RoundState r, string caller, CancellationToken ct)
    {
        switch (r.Stage)
        {
            case CoreStage.Open or CoreStage.Collecting:
                return null;
            case CoreStage.Aborted:
                throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.RoundAborted, $"round {r.Number} was aborted: {r.AbortReason}; nothing is decrypted", (ulong)r.Number);
            case CoreStage.Published:
                throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.WrongStage, $"round {r.Number} is already published; there is nothing to answer", (ulong)r.Number);
        }

        if (!RoundState.Has(r.DecryptionSet, caller))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.IdentityMismatch,
                $"you are not in round {r.Number}'s decryption set [{string.Join(", ", roster.SetInPointOrder(r))}]", (ulong)r.Number);
        }

        AggregateChunk[] aggregate = await rounds.AggregateAsync(r, ct).ConfigureAwait(false);
        if (!RoundState.Has(r.SharesRequested, caller))
        {
            try
            {
                // Persisted before any c1 leaves: the request is made once per member and aggregate.
                r = await coordinator.RequestShareAsync(r.Number, caller, ct).ConfigureAwait(false);
            }
            catch (RoundStateException e) when (e.Error == RoundError.ShareAlreadyRequested)
            {
                // A concurrent call recorded it: the same ciphertext is handed out again (the member's ledger answers with the same share).
            }
            catch (RoundStateException e)
            {
                throw StageRefusal(e, r.Number);
            }
        }

        var session = new DecryptionSession
        {
            Round = (ulong)r.Number,
            KeyEpochId = ConsortiumRoster.EpochId,
            TotalChunks = (uint)r.ChunkCount,
            Summands = (uint)r.Summands,
            FloodingLog2Sigma = Math.Log2(aggregate[0].FloodingSigma),
        };
        session.DecryptionSet.AddRange(roster.SetInPointOrder(r));
        return (session, aggregate);
    }

    private static RefusalException StageRefusal(RoundStateException e, long round) =>
        new(e.Error == RoundError.DeadlinePassed ? StatusCode.DeadlineExceeded : StatusCode.FailedPrecondition, ErrorReason.WrongStage, e.Message, (ulong)round);

    private static DecryptionRequest Request(long round, int index, AggregateChunk chunk)
    {
        byte[] digest = chunk.Digest;
        return new DecryptionRequest
        {
            Round = (ulong)round,
            ChunkIndex = (uint)index,
            CiphertextId = ByteString.CopyFrom(digest),
            CiphertextDigest = ByteString.CopyFrom(digest),
            C1 = ByteString.CopyFrom(chunk.EncodeRequest()),
        };
    }
}
