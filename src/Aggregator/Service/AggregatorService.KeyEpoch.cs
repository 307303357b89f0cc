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

    private async Task<EpochInfo> GetEpochInfoAsync(GetEpochInfoRequest request, ServerCallContext context)
    {
        string caller = Caller(context, nameof(GetEpochInfoAsync));
        CheckEpoch(request.EpochId, nameof(GetEpochInfoAsync), caller);
        CancellationToken ct = context.CancellationToken;
        byte[] seed = (await _docs.GetAsync(Keys.EpochSeed, ct).ConfigureAwait(false))!;
        var shares = (await _docs.ListAsync(Keys.PublicKeySharePrefix, ct).ConfigureAwait(false))
            .ToDictionary(d => d.Key[Keys.PublicKeySharePrefix.Length..], d => UploadPublicKeyShareRequest.Parser.ParseFrom(d.Value), StringComparer.Ordinal);
        bool ready = await _docs.GetAsync(Keys.EpochKey, ct).ConfigureAwait(false) is not null;
        var info = new EpochInfo
        {
            EpochId = EpochId,
            ConsortiumId = _config.Name,
            CrsSeed = ByteString.CopyFrom(seed),
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

            var all = await _docs.ListAsync(Keys.PublicKeySharePrefix, context.CancellationToken).ConfigureAwait(false);
            ServiceLog.PublicKeyShareAccepted(_logger, EpochId, caller, all.Count, _points.Count);
            if (all.Count == _points.Count && await _docs.GetAsync(Keys.EpochKey, context.CancellationToken).ConfigureAwait(false) is null)
            {
                await FinalizeCollectiveKeyAsync(all, context.CancellationToken).ConfigureAwait(false);
            }

            return new UploadPublicKeyShareResponse
            {
                ShareDigest = ByteString.CopyFrom(SHA256.HashData(request.PublicKeyShare.Span)),
                SharesReceived = (uint)all.Count,
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
        ServiceLog.CollectiveKeyReady(_logger, EpochId);
        Wake();
    }

    private async Task<V1.CollectivePublicKey> GetCollectivePublicKeyAsync(GetCollectivePublicKeyRequest request, ServerCallContext context)
    {
        const string method = nameof(GetCollectivePublicKeyAsync);
        string caller = Caller(context, method);
        CheckEpoch(request.EpochId, method, caller);
        CancellationToken ct = context.CancellationToken;
        byte[]? key = await _docs.GetAsync(Keys.EpochKey, ct).ConfigureAwait(false);
        var shares = await _docs.ListAsync(Keys.PublicKeySharePrefix, ct).ConfigureAwait(false);
        if (key is null)
        {
            var have = shares.Select(s => s.Key[Keys.PublicKeySharePrefix.Length..]).ToHashSet(StringComparer.Ordinal);
            throw Refuse(method, caller, StatusCode.FailedPrecondition, ErrorReason.WrongStage,
                $"the collective key is not ready: {have.Count} of {_points.Count} public-key shares received; waiting for {string.Join(", ", _points.Keys.Where(k => !have.Contains(k)))}");
        }

        byte[] seed = (await _docs.GetAsync(Keys.EpochSeed, ct).ConfigureAwait(false))!;
        var result = new V1.CollectivePublicKey
        {
            EpochId = EpochId,
            CrsSeed = ByteString.CopyFrom(seed),
            PublicKeyP0 = ByteString.CopyFrom(key),
            PublicKeyDigest = ByteString.CopyFrom(SHA256.HashData(key)),
        };
        foreach (var (k, v) in shares)
        {
            var req = UploadPublicKeyShareRequest.Parser.ParseFrom(v);
            result.Contributions.Add(new ContributionDigest { ParticipantId = k[Keys.PublicKeySharePrefix.Length..], ShareDigest = ByteString.CopyFrom(SHA256.HashData(req.PublicKeyShare.Span)) });
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
        foreach (var (_, value) in await _docs.ListAsync(Keys.ThresholdPrefix(caller), context.CancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(ThresholdShareBlob.Parser.ParseFrom(value), context.CancellationToken).ConfigureAwait(false);
        }
    }
}
