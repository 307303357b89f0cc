using System.Buffers.Binary;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Transport;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service;

/// <summary>secagg.v1.Rounds: configuration, streaming uploads, decryption requests and shares, the global model, status.</summary>
internal sealed partial class AggregatorService
{
    private async Task<RoundConfig> GetRoundConfigAsync(GetRoundConfigRequest request, ServerCallContext context)
    {
        string caller = Caller(context, nameof(GetRoundConfigAsync));
        RoundState r = await RequireRoundAsync(request.Round, nameof(GetRoundConfigAsync), caller, context.CancellationToken).ConfigureAwait(false);
        RoundParameters p = await RoundParametersAsync(r.Number, context.CancellationToken).ConfigureAwait(false);
        return p.ToContract((uint)_config.MinParticipants, (uint)_points.Count, r.CollectDeadline, ToWire(r.Stage));
    }

    private async Task<RoundStatus> GetRoundStatusAsync(GetRoundStatusRequest request, ServerCallContext context)
    {
        string caller = Caller(context, nameof(GetRoundStatusAsync));
        RoundState r = await RequireRoundAsync(request.Round, nameof(GetRoundStatusAsync), caller, context.CancellationToken).ConfigureAwait(false);
        var status = new RoundStatus
        {
            Round = (ulong)r.Number,
            Stage = ToWire(r.Stage),
            ParticipantsSubmitted = (uint)r.Summands,
            ExpectedParticipants = (uint)_points.Count,
            MinParticipants = (uint)_config.MinParticipants,
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

    // ------------------------------------------------------------------ uploads

    private async Task<UploadCiphertextsResponse> UploadCiphertextsAsync(IAsyncStreamReader<CiphertextUploadMessage> requests, ServerCallContext context)
    {
        const string method = nameof(UploadCiphertextsAsync);
        CancellationToken ct = context.CancellationToken;
        string caller = Caller(context, method);
        if (!await requests.MoveNext(ct).ConfigureAwait(false))
        {
            throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.BadStreamOrder, "the upload stream is empty; send an UploadHeader first");
        }

        if (requests.Current.KindCase != CiphertextUploadMessage.KindOneofCase.Header)
        {
            throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.BadStreamOrder, "the first message of an upload stream must be its UploadHeader");
        }

        UploadHeader header = requests.Current.Header;
        Authorize(context, method, header.ParticipantId);
        RoundState round = await CheckHeaderAsync(header, caller, ct).ConfigureAwait(false);
        long n = round.Number;
        ulong wireRound = header.Round;
        var digest = header.ParameterDigest.Memory;
        int total = (int)header.TotalChunks;
        bool counted = false;
        while (await requests.MoveNext(ct).ConfigureAwait(false))
        {
            CiphertextUploadMessage message = requests.Current;
            if (message.KindCase != CiphertextUploadMessage.KindOneofCase.Chunk)
            {
                throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.BadStreamOrder, "only one UploadHeader per stream, first; then CiphertextChunk messages", wireRound);
            }

            CiphertextChunk chunk = message.Chunk;
            if (chunk.Round != wireRound)
            {
                throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.WrongRound, $"chunk {chunk.ChunkIndex} says round {chunk.Round}; the header says {wireRound}", wireRound, chunk.ChunkIndex);
            }

            if (chunk.ChunkIndex >= header.TotalChunks)
            {
                throw Refuse(method, caller, StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange, $"chunk index {chunk.ChunkIndex} is outside 0..{header.TotalChunks - 1}", wireRound, chunk.ChunkIndex);
            }

            Metrics.BytesReceived.Add(chunk.Ciphertext.Length);
            try
            {
                ChunkReceipt receipt = await _accumulator.ReceiveChunkAsync(
                    new ChunkUpload(n, caller, (int)chunk.ChunkIndex, total, digest, chunk.Ciphertext.Memory), ct).ConfigureAwait(false);
                if (receipt.Counted && !receipt.AlreadyHeld)
                {
                    counted = true;
                }
                else if (receipt.Counted)
                {
                    counted = true;
                }
            }
            catch (UploadRefusedException e)
            {
                throw Refuse(method, caller, (StatusCode)e.Refusal.GrpcStatusCode(), ReasonOf(e.Refusal), e.Message, wireRound, chunk.ChunkIndex);
            }
        }

        if (counted)
        {
            _lastSeen[caller] = _time.GetUtcNow(); // a long upload stream ends: the caller is live now, not just when it began
            Metrics.UploadsCounted.Add(1);
            RoundState after = (await _store.GetRoundAsync(n, ct).ConfigureAwait(false))!;
            _current = after;
            ServiceLog.UploadCounted(_logger, n, caller, after.Summands);
            Wake();
        }

        Storage.UploadProgress progress = await _store.GetUploadProgressAsync(n, caller, ct).ConfigureAwait(false);
        return Progress(header.UploadId, progress, total, (resp, ranges, count, complete) =>
        {
            resp.Accepted.AddRange(ranges);
            resp.AcceptedCount = count;
            resp.Complete = complete;
        });
    }

    private static UploadCiphertextsResponse Progress(ByteString uploadId, Storage.UploadProgress progress, int total, Action<UploadCiphertextsResponse, IEnumerable<ChunkRange>, uint, bool> fill)
    {
        var resp = new UploadCiphertextsResponse { UploadId = uploadId };
        IEnumerable<int> held = progress.Counted ? Enumerable.Range(0, total) : progress.HeldChunks;
        fill(resp, Ranges(held), (uint)held.Count(), progress.Counted);
        return resp;
    }

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

    /// <summary>The upload document: the 16-byte upload id, then the public weight (8 bytes little-endian).</summary>
    private static byte[] UploadDocument(ReadOnlySpan<byte> uploadId, ulong weight)
    {
        byte[] doc = new byte[WireKeys.UploadIdLength + 8];
        uploadId.CopyTo(doc);
        BinaryPrimitives.WriteUInt64LittleEndian(doc.AsSpan(WireKeys.UploadIdLength), weight);
        return doc;
    }

    /// <summary>The weight of an upload document (documents written before weights existed hold only the id: weight 1).</summary>
    private static ulong UploadWeight(byte[] doc) =>
        doc.Length >= WireKeys.UploadIdLength + 8 ? BinaryPrimitives.ReadUInt64LittleEndian(doc.AsSpan(WireKeys.UploadIdLength)) : 1;

    /// <summary>Σw over the round's counted uploads (each contributor's durable upload document, read once per contributor).</summary>
    private async Task<ulong> TotalWeightAsync(RoundState r, CancellationToken ct)
    {
        ulong total = 0;
        foreach (string contributor in r.Contributors)
        {
            byte[] doc = await _docs.GetAsync(Keys.Upload(r.Number, contributor), ct).ConfigureAwait(false)
                ?? throw new InvalidDataException($"the counted upload of '{contributor}' in round {r.Number} has no upload document (weight unknown)");
            total = checked(total + UploadWeight(doc));
        }

        return total;
    }

    /// <summary>Checks an upload header against the current round; restarts a staged upload when the upload id changed.</summary>
    private async Task<RoundState> CheckHeaderAsync(UploadHeader header, string caller, CancellationToken ct)
    {
        const string method = nameof(UploadCiphertextsAsync);
        RoundState? latest = await _store.GetLatestRoundAsync(ct).ConfigureAwait(false);
        if (latest is null || header.Round > (ulong)latest.Number || header.Round == 0)
        {
            throw Refuse(method, caller, StatusCode.FailedPrecondition, ErrorReason.WrongRound,
                $"round {header.Round} is not open (the current round is {latest?.Number ?? 0}); fetch GetRoundConfig for the current round", header.Round);
        }

        if (header.Round < (ulong)latest.Number)
        {
            throw Refuse(method, caller, StatusCode.FailedPrecondition, ErrorReason.WrongRound,
                $"round {header.Round} is over (the current round is {latest.Number}); an upload is never replayed into another round: re-encrypt for round {latest.Number}", header.Round);
        }

        if (latest.Stage == CoreStage.Aborted)
        {
            throw Refuse(method, caller, StatusCode.FailedPrecondition, ErrorReason.RoundAborted, $"round {latest.Number} was aborted: {latest.AbortReason}", header.Round);
        }

        if (header.UploadId.Length != WireKeys.UploadIdLength)
        {
            throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.Malformed, $"upload_id must be {WireKeys.UploadIdLength} random bytes; got {header.UploadId.Length}", header.Round);
        }

        ulong maxWeight = (await RoundParametersAsync(latest.Number, ct).ConfigureAwait(false)).MaxWeight;
        if (header.Weight < 1 || header.Weight > maxWeight)
        {
            throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.Malformed,
                maxWeight == 1
                    ? $"weight {header.Weight} is out of range: round {latest.Number} is unweighted (max_weight = 1), so the weight must be 1"
                    : $"weight {header.Weight} is out of range: round {latest.Number} accepts 1 <= weight <= max_weight = {maxWeight}", header.Round);
        }

        if (!header.ParameterDigest.Span.SequenceEqual(latest.ParameterDigest.AsSpan()))
        {
            throw Refuse(method, caller, StatusCode.FailedPrecondition, ErrorReason.DigestMismatch,
                $"parameter_digest does not match round {latest.Number}'s; fetch GetRoundConfig, check it, and re-encrypt", header.Round);
        }

        if (header.TotalChunks != (uint)latest.ChunkCount)
        {
            throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.ParameterMismatch,
                $"total_chunks = {header.TotalChunks}, but round {latest.Number} uploads have {latest.ChunkCount} chunks", header.Round);
        }

        if (RoundState.Has(latest.Contributors, caller))
        {
            throw Refuse(method, caller, StatusCode.AlreadyExists, ErrorReason.Duplicate,
                $"your upload to round {latest.Number} is already counted; it is never counted twice", header.Round);
        }

        // The upload document is the upload id and its public weight, written before any chunk is accepted: the weight
        // of every counted upload is durable, and Σw over the round's contributors is counted exactly once with them.
        byte[] id = UploadDocument(header.UploadId.Span, header.Weight);
        byte[] kept = await _docs.InsertIfAbsentAsync(Keys.Upload(latest.Number, caller), id, ct).ConfigureAwait(false);
        if (kept.AsSpan(0, WireKeys.UploadIdLength).SequenceEqual(header.UploadId.Span) && UploadWeight(kept) != header.Weight)
        {
            throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.Malformed,
                $"weight {header.Weight} differs from the weight {UploadWeight(kept)} this upload id started with; resume with the same weight, or start a new upload id", header.Round);
        }

        if (!kept.AsSpan(0, WireKeys.UploadIdLength).SequenceEqual(header.UploadId.Span))
        {
            // A new upload id: the participant restarts its upload from scratch.
            try
            {
                await _accumulator.RestartUploadAsync(latest.Number, caller, ct).ConfigureAwait(false);
            }
            catch (UploadRefusedException e)
            {
                throw Refuse(method, caller, (StatusCode)e.Refusal.GrpcStatusCode(), ReasonOf(e.Refusal), e.Message, header.Round);
            }

            await _docs.PutAsync(Keys.Upload(latest.Number, caller), id, ct).ConfigureAwait(false);
        }

        return latest;
    }

    private async Task<V1.UploadProgress> GetUploadProgressAsync(GetUploadProgressRequest request, ServerCallContext context)
    {
        const string method = nameof(GetUploadProgressAsync);
        string caller = Caller(context, method);
        RoundState r = await RequireRoundAsync(request.Round, method, caller, context.CancellationToken).ConfigureAwait(false);
        byte[]? id = await _docs.GetAsync(Keys.Upload(r.Number, caller), context.CancellationToken).ConfigureAwait(false);
        if (id is null || id.Length < WireKeys.UploadIdLength || !id.AsSpan(0, WireKeys.UploadIdLength).SequenceEqual(request.UploadId.Span))
        {
            throw Refuse(method, caller, StatusCode.NotFound, ErrorReason.NotFound, $"no upload with that id from you in round {r.Number}; start one with a new upload id", request.Round);
        }

        Storage.UploadProgress progress = await _store.GetUploadProgressAsync(r.Number, caller, context.CancellationToken).ConfigureAwait(false);
        IEnumerable<int> held = progress.Counted ? Enumerable.Range(0, r.ChunkCount) : progress.HeldChunks;
        var result = new V1.UploadProgress
        {
            Round = (ulong)r.Number,
            UploadId = request.UploadId,
            TotalChunks = (uint)r.ChunkCount,
            AcceptedCount = (uint)held.Count(),
            Complete = progress.Counted,
        };
        result.Accepted.AddRange(Ranges(held));
        return result;
    }

    // ------------------------------------------------------------------ decryption

    private async Task<AggregateChunk[]> AggregateAsync(RoundState r, CancellationToken ct)
    {
        if (_aggregates.TryGetValue(r.Number, out AggregateChunk[]? cached))
        {
            return cached;
        }

        var chunks = new AggregateChunk[r.ChunkCount];
        for (int i = 0; i < chunks.Length; i++)
        {
            var sum = await _store.ReadSumChunkAsync(r.Number, i, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"round {r.Number} has no sum at chunk {i}");
            chunks[i] = _preset.Scheme.OpenAggregate(sum.Sum);
        }

        return _aggregates.GetOrAdd(r.Number, chunks);
    }

    private async Task<(DecryptionSession Session, AggregateChunk[] Aggregate)?> SessionAsync(RoundState r, string caller, string method, CancellationToken ct)
    {
        if (r.Stage is CoreStage.Open or CoreStage.Collecting)
        {
            return null;
        }

        if (r.Stage == CoreStage.Aborted)
        {
            throw Refuse(method, caller, StatusCode.FailedPrecondition, ErrorReason.RoundAborted, $"round {r.Number} was aborted: {r.AbortReason}; nothing is decrypted", (ulong)r.Number);
        }

        if (r.Stage == CoreStage.Published)
        {
            throw Refuse(method, caller, StatusCode.FailedPrecondition, ErrorReason.WrongStage, $"round {r.Number} is already published; there is nothing to answer", (ulong)r.Number);
        }

        if (!RoundState.Has(r.DecryptionSet, caller))
        {
            throw Refuse(method, caller, StatusCode.PermissionDenied, ErrorReason.IdentityMismatch,
                $"you are not in round {r.Number}'s decryption set [{string.Join(", ", SetInPointOrder(r))}]", (ulong)r.Number);
        }

        AggregateChunk[] aggregate = await AggregateAsync(r, ct).ConfigureAwait(false);
        if (!RoundState.Has(r.SharesRequested, caller))
        {
            try
            {
                // Persisted before any c1 leaves: the request is made once per member and aggregate.
                r = await _coordinator.RequestShareAsync(r.Number, caller, ct).ConfigureAwait(false);
            }
            catch (RoundStateException e) when (e.Error == RoundError.ShareAlreadyRequested)
            {
                // A concurrent call recorded it: the same ciphertext is handed out again (the member's ledger answers with the same share).
            }
            catch (RoundStateException e)
            {
                throw Refuse(method, caller, e.Error == RoundError.DeadlinePassed ? StatusCode.DeadlineExceeded : StatusCode.FailedPrecondition, ErrorReason.WrongStage, e.Message, (ulong)r.Number);
            }
        }

        var session = new DecryptionSession
        {
            Round = (ulong)r.Number,
            KeyEpochId = EpochId,
            TotalChunks = (uint)r.ChunkCount,
            Summands = (uint)r.Summands,
            FloodingLog2Sigma = Math.Log2(aggregate[0].FloodingSigma),
        };
        session.DecryptionSet.AddRange(SetInPointOrder(r));
        return (session, aggregate);
    }

    private static DecryptionRequest Request(long round, int index, AggregateChunk ct)
    {
        byte[] digest = ct.Digest;
        return new DecryptionRequest
        {
            Round = (ulong)round,
            ChunkIndex = (uint)index,
            CiphertextId = ByteString.CopyFrom(digest),
            CiphertextDigest = ByteString.CopyFrom(digest),
            C1 = ByteString.CopyFrom(ct.EncodeRequest()),
        };
    }

    private async Task FetchDecryptionRequestsAsync(FetchDecryptionRequestsRequest request, IServerStreamWriter<DecryptionStreamMessage> responses, ServerCallContext context)
    {
        const string method = nameof(FetchDecryptionRequestsAsync);
        string caller = Caller(context, method);
        CancellationToken ct = context.CancellationToken;
        while (true)
        {
            RoundState r = await RequireRoundAsync(request.Round, method, caller, ct).ConfigureAwait(false);
            var s = await SessionAsync(r, caller, method, ct).ConfigureAwait(false);
            if (s is null)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, ct).ConfigureAwait(false);
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

    private async Task<DecryptionRequestBatch> PollDecryptionRequestsAsync(PollDecryptionRequestsRequest request, ServerCallContext context)
    {
        const string method = nameof(PollDecryptionRequestsAsync);
        string caller = Caller(context, method);
        RoundState r = await RequireRoundAsync(request.Round, method, caller, context.CancellationToken).ConfigureAwait(false);
        if (request.MaxRequests > 64)
        {
            throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.Malformed, $"max_requests {request.MaxRequests} exceeds 64", request.Round);
        }

        var batch = new DecryptionRequestBatch { Stage = ToWire(r.Stage) };
        if (r.Stage is CoreStage.Open or CoreStage.Collecting or CoreStage.Published or CoreStage.Aborted)
        {
            return batch;
        }

        var s = (await SessionAsync(r, caller, method, context.CancellationToken).ConfigureAwait(false))!.Value;
        batch.Session = s.Session;
        int max = request.MaxRequests == 0 ? 16 : (int)request.MaxRequests;
        int i = (int)request.FirstChunkIndex;
        for (; i < s.Aggregate.Length && batch.Requests.Count < max; i++)
        {
            batch.Requests.Add(Request(r.Number, i, s.Aggregate[i]));
        }

        batch.NextChunkIndex = (uint)Math.Min(i, s.Aggregate.Length);
        return batch;
    }

    private async Task<UploadDecryptionSharesResponse> UploadDecryptionSharesAsync(IAsyncStreamReader<V1.DecryptionShare> requests, ServerCallContext context)
    {
        const string method = nameof(UploadDecryptionSharesAsync);
        string caller = Caller(context, method);
        CancellationToken ct = context.CancellationToken;
        RoundState? r = null;
        AggregateChunk[]? aggregate = null;
        while (await requests.MoveNext(ct).ConfigureAwait(false))
        {
            V1.DecryptionShare msg = requests.Current;
            Authorize(context, method, msg.ParticipantId);
            if (r is null || (ulong)r.Number != msg.Round)
            {
                r = await RequireRoundAsync(msg.Round, method, caller, ct).ConfigureAwait(false);
                if (r.Stage != CoreStage.Decrypting)
                {
                    throw Refuse(method, caller, StatusCode.FailedPrecondition, r.Stage == CoreStage.Aborted ? ErrorReason.RoundAborted : ErrorReason.WrongStage,
                        $"round {r.Number} is {RoundStages.Name(r.Stage)}, not decrypting; shares are accepted only while it decrypts", msg.Round);
                }

                if (!RoundState.Has(r.DecryptionSet, caller))
                {
                    throw Refuse(method, caller, StatusCode.PermissionDenied, ErrorReason.IdentityMismatch, $"you are not in round {r.Number}'s decryption set", msg.Round);
                }

                if (!RoundState.Has(r.SharesRequested, caller))
                {
                    throw Refuse(method, caller, StatusCode.FailedPrecondition, ErrorReason.BadStreamOrder, $"fetch round {r.Number}'s decryption requests before answering them", msg.Round);
                }

                aggregate = await AggregateAsync(r, ct).ConfigureAwait(false);
            }

            if (msg.ChunkIndex >= (uint)aggregate!.Length)
            {
                throw Refuse(method, caller, StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange, $"chunk {msg.ChunkIndex} is outside 0..{aggregate.Length - 1}", msg.Round, msg.ChunkIndex);
            }

            AggregateChunk target = aggregate[msg.ChunkIndex];
            if (!msg.CiphertextDigest.Span.SequenceEqual(target.Digest))
            {
                throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.DigestMismatch, $"ciphertext_digest does not match chunk {msg.ChunkIndex}'s request", msg.Round, msg.ChunkIndex);
            }

            Metrics.BytesReceived.Add(msg.Share.Length);
            int[] set = SetPoints(r);
            if (!target.TryCheckShare(msg.Share.Span, _points[caller], set, out string? problem))
            {
                throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.Malformed, $"the share for chunk {msg.ChunkIndex} is refused: {problem}", msg.Round, msg.ChunkIndex);
            }

            byte[] bytes = msg.Share.ToByteArray();
            byte[] kept = await _docs.InsertIfAbsentAsync(Keys.Share(r.Number, caller, (int)msg.ChunkIndex), bytes, ct).ConfigureAwait(false);
            if (!kept.AsSpan().SequenceEqual(bytes))
            {
                throw Refuse(method, caller, StatusCode.AlreadyExists, ErrorReason.Duplicate,
                    $"a different share for chunk {msg.ChunkIndex} is already recorded; a member answers each ciphertext once", msg.Round, msg.ChunkIndex);
            }

            Metrics.SharesReceived.Add(1);
        }

        var response = new UploadDecryptionSharesResponse();
        if (r is null)
        {
            return response;
        }

        var held = (await _docs.ListKeysAsync(Keys.SharePrefix(r.Number, caller), ct).ConfigureAwait(false))
            .Select(k => int.Parse(k.AsSpan(k.LastIndexOf('/') + 1), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        response.Accepted.AddRange(Ranges(held));
        response.AcceptedCount = (uint)held.Count;
        response.Complete = held.Count == r.ChunkCount;
        if (response.Complete && !RoundState.Has(r.SharesReceived, caller))
        {
            try
            {
                _current = await _coordinator.ReceiveShareAsync(r.Number, caller, ct).ConfigureAwait(false);
                ServiceLog.SharesComplete(_logger, r.Number, caller);
            }
            catch (RoundStateException e) when (e.Error == RoundError.Duplicate)
            {
            }
            catch (RoundStateException e)
            {
                throw Refuse(method, caller, e.Error == RoundError.DeadlinePassed ? StatusCode.DeadlineExceeded : StatusCode.FailedPrecondition, ErrorReason.WrongStage, e.Message, (ulong)r.Number);
            }

            Wake();
        }

        return response;
    }

    // ------------------------------------------------------------------ model

    private async Task DownloadGlobalModelAsync(DownloadGlobalModelRequest request, IServerStreamWriter<GlobalModelMessage> responses, ServerCallContext context)
    {
        const string method = nameof(DownloadGlobalModelAsync);
        string caller = Caller(context, method);
        CancellationToken ct = context.CancellationToken;
        long version = (long)request.ModelVersion;
        byte[]? doc;
        if (version == 0)
        {
            string key = (await _docs.LastKeyAsync(Keys.ModelPrefix, ct).ConfigureAwait(false))!;
            version = long.Parse(key.AsSpan(Keys.ModelPrefix.Length), System.Globalization.CultureInfo.InvariantCulture);
            doc = (await _docs.GetAsync(key, ct).ConfigureAwait(false))!;
        }
        else
        {
            doc = await _docs.GetAsync(Keys.Model(version), ct).ConfigureAwait(false)
                ?? throw Refuse(method, caller, StatusCode.NotFound, ErrorReason.NotFound, $"model version {version} has not been published");
        }

        (long round, int participants, float[] values) = DecodeModel(doc);
        if (request.FirstElement > (ulong)values.Length)
        {
            throw Refuse(method, caller, StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange, $"first_element {request.FirstElement} is beyond the model's {values.Length} values");
        }

        await responses.WriteAsync(new GlobalModelMessage
        {
            Header = new GlobalModelHeader
            {
                ModelVersion = (ulong)version,
                Round = (ulong)round,
                Layout = ContractMapping.ToContract(_layout),
                ParticipantsCounted = (uint)participants,
                DataDigest = ByteString.CopyFrom(SHA256.HashData(doc.AsSpan(12))),
            },
        }, ct).ConfigureAwait(false);
        for (int i = (int)request.FirstElement; i < values.Length; i += ModelRunLength)
        {
            var data = new GlobalModelData { Offset = (ulong)i };
            data.Values.AddRange(values.AsSpan(i, Math.Min(ModelRunLength, values.Length - i)).ToArray());
            await responses.WriteAsync(new GlobalModelMessage { Data = data }, ct).ConfigureAwait(false);
        }
    }
}
