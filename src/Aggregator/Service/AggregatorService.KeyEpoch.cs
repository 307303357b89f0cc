using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Transport;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service;

/// <summary>secagg.v1.KeyEpoch: CRS seed, public-key shares exactly once, the collective key, relay of threshold-share blobs.</summary>
internal sealed partial class AggregatorService
{
    private void CheckEpoch(ulong epoch, string method, string caller)
    {
        if (epoch is not (0 or EpochId))
        {
            throw Refuse(method, caller, StatusCode.NotFound, ErrorReason.NotFound, $"key epoch {epoch} does not exist; the current epoch is {EpochId}");
        }
    }

    /// <summary>What the epoch's calls need from an accepted public-key share (insert-once, so cached for good).</summary>
    private sealed record AcceptedShare(ByteString KeyAgreementPublicKey, ByteString ShareDigest);

    /// <summary>
    /// The accepted public-key shares, loaded from the database once and then kept in memory: GetEpochInfo is polled
    /// by every joining participant, and a share is ~n·log q bits (3 MB at n = 32768), so re-reading and parsing all N
    /// of them per call dominated the join. Documents are insert-once, so the cache never goes stale.
    /// </summary>
    private async Task<ConcurrentDictionary<string, AcceptedShare>> AcceptedSharesAsync(CancellationToken ct)
    {
        if (_acceptedShares is { } cached)
        {
            return cached;
        }

        var loaded = new ConcurrentDictionary<string, AcceptedShare>(StringComparer.Ordinal);
        foreach (var (key, value) in await _docs.ListAsync(Keys.PublicKeySharePrefix, ct).ConfigureAwait(false))
        {
            loaded[key[Keys.PublicKeySharePrefix.Length..]] = Accepted(UploadPublicKeyShareRequest.Parser.ParseFrom(value));
        }

        return Interlocked.CompareExchange(ref _acceptedShares, loaded, null) ?? loaded;
    }

    private static AcceptedShare Accepted(UploadPublicKeyShareRequest r) =>
        new(r.KeyAgreementPublicKey, ByteString.CopyFrom(SHA256.HashData(r.PublicKeyShare.Span)));

    private async Task<ByteString> EpochSeedAsync(CancellationToken ct) =>
        _epochSeed ??= ByteString.CopyFrom((await _docs.GetAsync(Keys.EpochSeed, ct).ConfigureAwait(false))!);

    /// <summary>Whether the collective key is stored (checked by key, without reading the multi-megabyte value).</summary>
    private async Task<bool> KeyReadyAsync(CancellationToken ct) =>
        _keyReady || (_keyReady = (await _docs.ListKeysAsync(Keys.EpochKey, ct).ConfigureAwait(false)).Contains(Keys.EpochKey, StringComparer.Ordinal));

    /// <summary>Wakes every FetchThresholdShares call waiting for blobs.</summary>
    private void SignalBlobs() => Interlocked.Exchange(ref _blobsArrived, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task<EpochInfo> GetEpochInfoAsync(GetEpochInfoRequest request, ServerCallContext context)
    {
        string caller = Caller(context, nameof(GetEpochInfoAsync));
        CheckEpoch(request.EpochId, nameof(GetEpochInfoAsync), caller);
        CancellationToken ct = context.CancellationToken;
        ByteString seed = await EpochSeedAsync(ct).ConfigureAwait(false);
        var shares = await AcceptedSharesAsync(ct).ConfigureAwait(false);
        bool ready = await KeyReadyAsync(ct).ConfigureAwait(false);
        var info = new EpochInfo
        {
            EpochId = EpochId,
            ConsortiumId = _config.Name,
            CrsSeed = seed,
            HeParameters = _preset.Scheme.ToContract(_preset.Name),
            Threshold = (uint)_config.Threshold,
            Stage = ready ? KeyEpochStage.Ready : KeyEpochStage.CollectingShares,
        };
        foreach (var p in _config.Participants)
        {
            var pi = new ParticipantInfo { ParticipantId = p.Id, ShamirPoint = (ulong)_points[p.Id] };
            if (p.CertificateSha256 is { } h)
            {
                pi.CertificateSha256 = ByteString.CopyFrom(Convert.FromHexString(h));
            }

            if (shares.TryGetValue(p.Id, out var s))
            {
                pi.PublicKeyShareReceived = true;
                pi.KeyAgreementPublicKey = s.KeyAgreementPublicKey;
            }

            info.Participants.Add(pi);
        }

        return info;
    }

    private async Task<UploadPublicKeyShareResponse> UploadPublicKeyShareAsync(UploadPublicKeyShareRequest request, ServerCallContext context)
    {
        const string method = nameof(UploadPublicKeyShareAsync);
        string caller = Authorize(context, method, request.ParticipantId);
        CheckEpoch(request.EpochId, method, caller);
        if (request.KeyAgreementPublicKey.Length > MaxKeyAgreementKeyBytes)
        {
            throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.TooLarge, $"key_agreement_public_key has {request.KeyAgreementPublicKey.Length} bytes; at most {MaxKeyAgreementKeyBytes}");
        }

        PublicKeyShare share;
        try
        {
            share = PublicKeyShare.Deserialize(_preset.He, request.PublicKeyShare.Span);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.Malformed, $"public_key_share is not a valid share under the epoch's HE parameters: {e.Message}");
        }

        int point = _points[caller];
        if (share.Contributors.Count != 1 || share.Contributors[0] != point)
        {
            throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.Malformed,
                $"the share must be made by party {point} (your Shamir point) alone; it names [{string.Join(", ", share.Contributors)}]");
        }

        var canonical = new UploadPublicKeyShareRequest
        {
            EpochId = EpochId,
            ParticipantId = caller,
            PublicKeyShare = request.PublicKeyShare,
            KeyAgreementPublicKey = request.KeyAgreementPublicKey,
        }.ToByteArray();
        await _gate.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        try
        {
            byte[] stored = await _docs.InsertIfAbsentAsync(Keys.PublicKeyShare(caller), canonical, context.CancellationToken).ConfigureAwait(false);
            if (!stored.AsSpan().SequenceEqual(canonical))
            {
                throw Refuse(method, caller, StatusCode.AlreadyExists, ErrorReason.Duplicate,
                    "a different public-key share of yours is already recorded for this epoch; a share is accepted exactly once (keep the secret that matches the first one)");
            }

            var accepted = await AcceptedSharesAsync(context.CancellationToken).ConfigureAwait(false);
            accepted.TryAdd(caller, Accepted(UploadPublicKeyShareRequest.Parser.ParseFrom(stored)));
            int count = accepted.Count;
            ServiceLog.PublicKeyShareAccepted(_logger, EpochId, caller, count, _points.Count);
            if (count == _points.Count && await _docs.GetAsync(Keys.EpochKey, context.CancellationToken).ConfigureAwait(false) is null)
            {
                var all = await _docs.ListAsync(Keys.PublicKeySharePrefix, context.CancellationToken).ConfigureAwait(false);
                await FinalizeCollectiveKeyAsync(all, context.CancellationToken).ConfigureAwait(false);
            }

            return new UploadPublicKeyShareResponse
            {
                ShareDigest = ByteString.CopyFrom(SHA256.HashData(request.PublicKeyShare.Span)),
                SharesReceived = (uint)count,
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task FinalizeCollectiveKeyAsync(IReadOnlyList<(string Key, byte[] Value)> all, CancellationToken ct)
    {
        var protocol = new PublicKeyGenProtocol(_preset.He);
        PublicKeyShare sum = protocol.AllocateShare();
        foreach (var (_, value) in all)
        {
            var req = UploadPublicKeyShareRequest.Parser.ParseFrom(value);
            protocol.AggregateShares(sum, PublicKeyShare.Deserialize(_preset.He, req.PublicKeyShare.Span), sum);
        }

        byte[] seed = (await _docs.GetAsync(Keys.EpochSeed, ct).ConfigureAwait(false))!;
        Crypto.Multiparty.CollectivePublicKey key = protocol.Finalize(sum, CommonReferencePolynomial.Expand(_preset.He, seed));
        await _docs.PutAsync(Keys.EpochKey, key.Serialize(), ct).ConfigureAwait(false);
        _keyReady = true;
        ServiceLog.CollectiveKeyReady(_logger, EpochId);
        Wake();
    }

    private async Task<V1.CollectivePublicKey> GetCollectivePublicKeyAsync(GetCollectivePublicKeyRequest request, ServerCallContext context)
    {
        const string method = nameof(GetCollectivePublicKeyAsync);
        string caller = Caller(context, method);
        CheckEpoch(request.EpochId, method, caller);
        CancellationToken ct = context.CancellationToken;
        if (_collectiveKey is { } cached)
        {
            return cached;
        }

        byte[]? key = await _docs.GetAsync(Keys.EpochKey, ct).ConfigureAwait(false);
        var shares = await AcceptedSharesAsync(ct).ConfigureAwait(false);
        if (key is null)
        {
            throw Refuse(method, caller, StatusCode.FailedPrecondition, ErrorReason.WrongStage,
                $"the collective key is not ready: {shares.Count} of {_points.Count} public-key shares received; waiting for {string.Join(", ", _points.Keys.Where(k => !shares.ContainsKey(k)))}");
        }

        var result = new V1.CollectivePublicKey
        {
            EpochId = EpochId,
            CrsSeed = await EpochSeedAsync(ct).ConfigureAwait(false),
            PublicKeyP0 = ByteString.CopyFrom(key),
            PublicKeyDigest = ByteString.CopyFrom(SHA256.HashData(key)),
        };
        foreach (string id in shares.Keys.Order(StringComparer.Ordinal))
        {
            result.Contributions.Add(new ContributionDigest { ParticipantId = id, ShareDigest = shares[id].ShareDigest });
        }

        // The key exists only once all N shares are in, and every document is insert-once: the answer never changes.
        if (result.Contributions.Count == _points.Count)
        {
            _collectiveKey = result;
        }

        return result;
    }

    private async Task<UploadThresholdSharesResponse> UploadThresholdSharesAsync(IAsyncStreamReader<ThresholdShareBlob> requests, ServerCallContext context)
    {
        const string method = nameof(UploadThresholdSharesAsync);
        string caller = Caller(context, method);
        var stored = new SortedSet<string>(StringComparer.Ordinal);
        CancellationToken ct = context.CancellationToken;
        while (await requests.MoveNext(ct).ConfigureAwait(false))
        {
            ThresholdShareBlob blob = requests.Current;
            Authorize(context, method, blob.SenderId);
            CheckEpoch(blob.EpochId, method, caller);
            if (!_points.ContainsKey(blob.RecipientId) || blob.RecipientId == caller)
            {
                throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.Malformed, $"recipient '{blob.RecipientId}' is not another enrolled participant");
            }

            if (blob.Ciphertext.IsEmpty || blob.Ciphertext.Length > MaxThresholdBlobBytes)
            {
                throw Refuse(method, caller, StatusCode.InvalidArgument, ErrorReason.TooLarge, $"a threshold-share blob must have 1 to {MaxThresholdBlobBytes} bytes; got {blob.Ciphertext.Length}");
            }

            Metrics.BytesReceived.Add(blob.Ciphertext.Length);
            var canonical = new ThresholdShareBlob { EpochId = EpochId, SenderId = caller, RecipientId = blob.RecipientId, Ciphertext = blob.Ciphertext }.ToByteArray();
            byte[] kept = await _docs.InsertIfAbsentAsync(Keys.Threshold(blob.RecipientId, caller), canonical, ct).ConfigureAwait(false);
            if (!kept.AsSpan().SequenceEqual(canonical))
            {
                throw Refuse(method, caller, StatusCode.AlreadyExists, ErrorReason.Duplicate, $"a different blob from you to '{blob.RecipientId}' is already stored; blobs are relayed exactly once");
            }

            stored.Add(blob.RecipientId);
            SignalBlobs();
        }

        var response = new UploadThresholdSharesResponse();
        response.StoredRecipientIds.AddRange(stored);
        return response;
    }

    private async Task FetchThresholdSharesAsync(FetchThresholdSharesRequest request, IServerStreamWriter<ThresholdShareBlob> responses, ServerCallContext context)
    {
        const string method = nameof(FetchThresholdSharesAsync);
        string caller = Caller(context, method);
        CheckEpoch(request.EpochId, method, caller);
        CancellationToken ct = context.CancellationToken;
        var sent = new HashSet<string>(request.HaveSenderIds.Where(id => _points.ContainsKey(id) && id != caller), StringComparer.Ordinal);
        int expected = _points.Count - 1;
        // A transport-level wait (not a protocol deadline), so real time rather than the service's clock.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan wait = TimeSpan.FromMilliseconds(Math.Min(request.WaitMillis, MaxThresholdFetchWaitMillis));
        string prefix = Keys.ThresholdPrefix(caller);
        while (true)
        {
            // Take the signal before listing, so that a blob stored after the listing wakes the wait below.
            Task arrived = Volatile.Read(ref _blobsArrived).Task;

            // Keys first, then one blob at a time: memory per call is one blob, not all N−1 of them.
            foreach (string key in await _docs.ListKeysAsync(prefix, ct).ConfigureAwait(false))
            {
                string sender = key[prefix.Length..];
                if (sent.Contains(sender) || await _docs.GetAsync(key, ct).ConfigureAwait(false) is not { } value)
                {
                    continue;
                }

                await responses.WriteAsync(ThresholdShareBlob.Parser.ParseFrom(value), ct).ConfigureAwait(false);
                sent.Add(sender);
            }

            TimeSpan left = wait - waited.Elapsed;
            if (sent.Count >= expected || left <= TimeSpan.Zero)
            {
                return;
            }

            try
            {
                await arrived.WaitAsync(left, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
    }
}
