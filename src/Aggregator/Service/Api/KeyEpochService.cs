using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Aggregator.Service.State;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using KeyEpochApi = SecAgg.Proto.V1.KeyEpoch;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// secagg.v1.KeyEpoch: the epoch info, each participant's public-key share exactly once, the collective key with
/// every contribution's digest, and the relay of threshold-share blobs (opaque to the aggregator: stored once per
/// sender and recipient, the sender bound to the certificate, delivered only to the recipient). Every call is
/// authenticated by <see cref="AuthenticationInterceptor"/> before it gets here.
/// </summary>
internal sealed class KeyEpochService(KeyEpochState epoch, ConsortiumRoster roster, ProtocolPreset preset, AggregatorMetrics metrics) : KeyEpochApi.KeyEpochBase
{
    private const int MaxKeyAgreementKeyBytes = 1024;
    private const uint MaxThresholdFetchWaitMillis = 60_000;

    /// <summary>Largest threshold-share blob relayed (bytes).</summary>
    public const int MaxThresholdBlobBytes = 4 << 20;

    public override async Task<EpochInfo> GetEpochInfo(GetEpochInfoRequest request, ServerCallContext context)
    {
        CheckEpoch(request.EpochId);
        CancellationToken ct = context.CallToken();
        ByteString seed = await epoch.SeedAsync(ct).ConfigureAwait(false);
        var shares = await epoch.AcceptedSharesAsync(ct).ConfigureAwait(false);
        bool ready = await epoch.IsKeyReadyAsync(ct).ConfigureAwait(false);
        var info = new EpochInfo
        {
            EpochId = ConsortiumRoster.EpochId,
            ConsortiumId = roster.Config.Name,
            CrsSeed = seed,
            HeParameters = preset.Scheme.ToContract(preset.Name),
            Threshold = (uint)roster.Config.Threshold,
            Stage = ready ? KeyEpochStage.Ready : KeyEpochStage.CollectingShares,
        };
        foreach (var p in roster.Config.Participants)
        {
            var pi = new ParticipantInfo { ParticipantId = p.Id, ShamirPoint = (ulong)roster.PointOf(p.Id) };
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

    public override async Task<UploadPublicKeyShareResponse> UploadPublicKeyShare(UploadPublicKeyShareRequest request, ServerCallContext context)
    {
        ParticipantAuthenticator.RequireSelf(context, request.ParticipantId);
        string caller = context.Caller();
        CheckEpoch(request.EpochId);
        if (request.KeyAgreementPublicKey.Length > MaxKeyAgreementKeyBytes)
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.TooLarge, $"key_agreement_public_key has {request.KeyAgreementPublicKey.Length} bytes; at most {MaxKeyAgreementKeyBytes}");
        }

        PublicKeyShare share;
        try
        {
            share = PublicKeyShare.Deserialize(preset.He, request.PublicKeyShare.Span);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw RefusalException.Invalid($"public_key_share is not a valid share under the epoch's HE parameters: {e.Message}");
        }

        int point = roster.PointOf(caller);
        if (share.Contributors.Count != 1 || share.Contributors[0] != point)
        {
            throw RefusalException.Invalid($"the share must be made by party {point} (your Shamir point) alone; it names [{string.Join(", ", share.Contributors)}]");
        }

        var canonical = new UploadPublicKeyShareRequest
        {
            EpochId = ConsortiumRoster.EpochId,
            ParticipantId = caller,
            PublicKeyShare = request.PublicKeyShare,
            KeyAgreementPublicKey = request.KeyAgreementPublicKey,
        }.ToByteArray();
        int count = await epoch.AcceptShareAsync(caller, canonical, context.CallToken()).ConfigureAwait(false)
            ?? throw new RefusalException(StatusCode.AlreadyExists, ErrorReason.Duplicate,
                "a different public-key share of yours is already recorded for this epoch; a share is accepted exactly once (keep the secret that matches the first one)");
        return new UploadPublicKeyShareResponse
        {
            ShareDigest = ByteString.CopyFrom(SHA256.HashData(request.PublicKeyShare.Span)),
            SharesReceived = (uint)count,
        };
    }

    public override async Task<V1.CollectivePublicKey> GetCollectivePublicKey(GetCollectivePublicKeyRequest request, ServerCallContext context)
    {
        CheckEpoch(request.EpochId);
        CancellationToken ct = context.CallToken();
        if (epoch.CollectiveKeyAnswer is { } cached)
        {
            return cached;
        }

        byte[]? key = await epoch.CollectiveKeyAsync(ct).ConfigureAwait(false);
        var shares = await epoch.AcceptedSharesAsync(ct).ConfigureAwait(false);
        if (key is null)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.WrongStage,
                $"the collective key is not ready: {shares.Count} of {roster.Count} public-key shares received; waiting for {string.Join(", ", roster.Ids.Where(k => !shares.ContainsKey(k)))}");
        }

        var result = new V1.CollectivePublicKey
        {
            EpochId = ConsortiumRoster.EpochId,
            CrsSeed = await epoch.SeedAsync(ct).ConfigureAwait(false),
            PublicKeyP0 = ByteString.CopyFrom(key),
            PublicKeyDigest = ByteString.CopyFrom(SHA256.HashData(key)),
        };
        foreach (string id in shares.Keys.Order(StringComparer.Ordinal))
        {
            result.Contributions.Add(new ContributionDigest { ParticipantId = id, ShareDigest = shares[id].ShareDigest });
        }

        // The key exists only once all N shares are in, and every document is insert-once: the answer never changes.
        if (result.Contributions.Count == roster.Count)
        {
            epoch.CollectiveKeyAnswer = result;
        }

        return result;
    }

    public override async Task<UploadThresholdSharesResponse> UploadThresholdShares(IAsyncStreamReader<ThresholdShareBlob> requestStream, ServerCallContext context)
    {
        string caller = context.Caller();
        var stored = new SortedSet<string>(StringComparer.Ordinal);
        CancellationToken ct = context.CallToken();
        while (await requestStream.MoveNext(ct).ConfigureAwait(false))
        {
            ThresholdShareBlob blob = requestStream.Current;
            ParticipantAuthenticator.RequireSelf(context, blob.SenderId);
            CheckEpoch(blob.EpochId);
            if (!roster.IsEnrolled(blob.RecipientId) || blob.RecipientId == caller)
            {
                throw RefusalException.Invalid($"recipient '{blob.RecipientId}' is not another enrolled participant");
            }

            if (blob.Ciphertext.IsEmpty || blob.Ciphertext.Length > MaxThresholdBlobBytes)
            {
                throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.TooLarge, $"a threshold-share blob must have 1 to {MaxThresholdBlobBytes} bytes; got {blob.Ciphertext.Length}");
            }

            metrics.BytesReceived.Add(blob.Ciphertext.Length);
            var canonical = new ThresholdShareBlob { EpochId = ConsortiumRoster.EpochId, SenderId = caller, RecipientId = blob.RecipientId, Ciphertext = blob.Ciphertext }.ToByteArray();
            if (!await epoch.StoreBlobAsync(caller, blob.RecipientId, canonical, ct).ConfigureAwait(false))
            {
                throw new RefusalException(StatusCode.AlreadyExists, ErrorReason.Duplicate, $"a different blob from you to '{blob.RecipientId}' is already stored; blobs are relayed exactly once");
            }

            stored.Add(blob.RecipientId);
        }

        var response = new UploadThresholdSharesResponse();
        response.StoredRecipientIds.AddRange(stored);
        return response;
    }

    public override async Task FetchThresholdShares(FetchThresholdSharesRequest request, IServerStreamWriter<ThresholdShareBlob> responseStream, ServerCallContext context)
    {
        string caller = context.Caller();
        CheckEpoch(request.EpochId);
        CancellationToken ct = context.CallToken();
        var sent = new HashSet<string>(request.HaveSenderIds.Where(id => roster.IsEnrolled(id) && id != caller), StringComparer.Ordinal);
        int expected = roster.Count - 1;

        // A transport-level wait (not a protocol deadline), so real time rather than the service's clock.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan wait = TimeSpan.FromMilliseconds(Math.Min(request.WaitMillis, MaxThresholdFetchWaitMillis));
        while (true)
        {
            // Take the signal before listing, so that a blob stored after the listing wakes the wait below.
            Task arrived = epoch.NextBlobSignal;

            // One blob in memory at a time, not all N−1 of them.
            await foreach (ThresholdShareBlob blob in epoch.BlobsForAsync(caller, sent, ct).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(blob, ct).ConfigureAwait(false);
                sent.Add(blob.SenderId);
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

    private static void CheckEpoch(ulong epochId)
    {
        if (epochId is not (0 or ConsortiumRoster.EpochId))
        {
            throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound, $"key epoch {epochId} does not exist; the current epoch is {ConsortiumRoster.EpochId}");
        }
    }
}
