using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using CollectivePublicKey = SecAgg.Crypto.Multiparty.CollectivePublicKey;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Participant.Client;

/// <summary>
/// Joining the key epoch: the secret-key share is generated and kept in the state directory, the public-key share
/// uploaded exactly once (a restart finds it stored and does not upload another), the Shamir shares of the secret
/// relayed pairwise encrypted (ECDH P-256 + AES-GCM per recipient, <see cref="ShareEnvelope"/>) and the ones addressed
/// to this participant combined, then the collective key fetched and checked (its digest, and this participant's
/// contribution included unchanged).
/// </summary>
internal sealed class KeyEpochJoin(AggregatorSession session)
{
    public const string CollectiveKeyFile = "collective-key.bin";
    private const string PublicKeyShareFile = "public-key-share.bin";
    private const string KeyAgreementFile = "key-agreement.p8";
    private const uint ThresholdFetchWaitMillis = 30_000;

    /// <exception cref="InvalidDataException">The aggregator's key does not match its digest or omits this participant's share.</exception>
    public async Task<JoinResult> JoinAsync(CancellationToken ct)
    {
        EpochInfo info = await ReadEpochAsync(0, ct).ConfigureAwait(false);
        ParticipantEpoch epoch = session.Describe(info);
        using ECDiffieHellman agreement = LoadOrCreateAgreementKey();

        byte[]? myShare = session.State.ReadFile(PublicKeyShareFile);
        if (myShare is null)
        {
            myShare = epoch.Crypto.CreatePublicKeyShare(info.CrsSeed.Span);
            session.State.WriteFile(PublicKeyShareFile, myShare);
        }

        if (!info.Participants[epoch.PartyId - 1].PublicKeyShareReceived)
        {
            var request = new UploadPublicKeyShareRequest
            {
                EpochId = info.EpochId,
                ParticipantId = session.Id,
                PublicKeyShare = ByteString.CopyFrom(myShare),
                KeyAgreementPublicKey = ByteString.CopyFrom(agreement.PublicKey.ExportSubjectPublicKeyInfo()),
            };
            try
            {
                await session.Retry.CallAsync("UploadPublicKeyShare", t => session.KeyEpoch.UploadPublicKeyShareAsync(request, AggregatorSession.Call(t)).ResponseAsync, ct).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
            {
                // Uploaded before a restart: the digest check below proves it was this share.
            }
        }

        // Wait for everybody's key-agreement key, then relay the threshold shares.
        info = await session.Retry.WaitAsync("join", t => ReadEpochAsync(info.EpochId, t), o => o.Result is { } i ? NotAllJoined(i) : null, int.MaxValue, ct).ConfigureAwait(false);
        if (!session.State.HasThresholdShare)
        {
            await RelayThresholdSharesAsync(info, epoch, agreement, ct).ConfigureAwait(false);
        }

        V1.CollectivePublicKey key = await session.Retry.WaitAsync(
            "collective key",
            t => session.KeyEpoch.GetCollectivePublicKeyAsync(new GetCollectivePublicKeyRequest { EpochId = info.EpochId }, AggregatorSession.Call(t)).ResponseAsync,
            o => o.Exception is RpcException { StatusCode: StatusCode.FailedPrecondition } e ? e.Status.Detail : null,
            int.MaxValue,
            ct).ConfigureAwait(false);
        byte[] digest = SHA256.HashData(key.PublicKeyP0.Span);
        if (!digest.AsSpan().SequenceEqual(key.PublicKeyDigest.Span))
        {
            throw new InvalidDataException("The collective public key does not match its published digest; do not use this aggregator.");
        }

        ContributionDigest? mine = key.Contributions.FirstOrDefault(c => c.ParticipantId == session.Id);
        if (mine is null || !mine.ShareDigest.Span.SequenceEqual(SHA256.HashData(myShare)))
        {
            throw new InvalidDataException("The collective public key does not include this participant's public-key share unchanged; do not use this aggregator.");
        }

        // Check that the published key parses under the epoch's parameters.
        _ = ToCollectiveKey(epoch.Crypto.Parameters, key);
        session.State.WriteFile(CollectiveKeyFile, key.ToByteArray());
        return new JoinResult(info.EpochId, epoch.PartyId, epoch.Parties, epoch.Threshold, digest);
    }

    /// <summary>The collective key stored by <see cref="JoinAsync"/>, checked against the epoch's parameters.</summary>
    /// <exception cref="InvalidOperationException">This participant has not joined yet.</exception>
    public CollectivePublicKey LoadCollectiveKey(ParticipantEpoch epoch)
    {
        byte[] bytes = session.State.ReadFile(CollectiveKeyFile) ?? throw new InvalidOperationException("This participant has not joined the key epoch yet (secagg participant join).");
        return ToCollectiveKey(epoch.Crypto.Parameters, V1.CollectivePublicKey.Parser.ParseFrom(bytes));
    }

    /// <summary>pk = (Σ p_i, a) as the aggregator serializes it (<see cref="CollectivePublicKey.Serialize"/>), checked against the epoch's parameters.</summary>
    private static CollectivePublicKey ToCollectiveKey(MultipartyParameters parameters, V1.CollectivePublicKey key) => CollectivePublicKey.Deserialize(parameters, key.PublicKeyP0.Span);

    private Task<EpochInfo> ReadEpochAsync(ulong epochId, CancellationToken ct) =>
        session.Retry.ReadAsync("GetEpochInfo", t => session.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest { EpochId = epochId }, AggregatorSession.Call(t)).ResponseAsync, ct);

    private static string? NotAllJoined(EpochInfo info)
    {
        var waiting = info.Participants.Where(p => !p.PublicKeyShareReceived || p.KeyAgreementPublicKey.IsEmpty).Select(p => p.ParticipantId).ToList();
        return waiting.Count == 0 ? null : $"{info.Participants.Count - waiting.Count} of {info.Participants.Count} participants have joined; waiting for {string.Join(", ", waiting)}";
    }

    private async Task RelayThresholdSharesAsync(EpochInfo info, ParticipantEpoch epoch, ECDiffieHellman agreement, CancellationToken ct)
    {
        // Dealing is deterministic per state directory (ParticipantCrypto keeps a seed, not the shares), and the envelope
        // nonce is synthetic, so a restart re-sends exactly the same blobs.
        IReadOnlyList<byte[]> dealt = await Task.Run(epoch.Crypto.DealThresholdShares, ct).ConfigureAwait(false);
        try
        {
            using (var call = session.KeyEpoch.UploadThresholdShares(AggregatorSession.Call(ct)))
            {
                await call.SendAsync(Blobs(info, epoch, agreement, dealt), ct).ConfigureAwait(false);
            }

            var received = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [session.Id] = dealt[epoch.PartyId - 1].ToArray() };
            await session.Retry.WaitAsync(
                "threshold shares",
                t => CollectBlobsAsync(info, agreement, received, t),
                o => o.Exception is null && o.Result < epoch.Parties ? $"{o.Result} of {epoch.Parties} threshold shares received" : null,
                int.MaxValue,
                ct).ConfigureAwait(false);

            List<byte[]> ordered = [.. epoch.Ids.Select(id => received[id])];
            await Task.Run(() => epoch.Crypto.AcceptThresholdShares(ordered), ct).ConfigureAwait(false);
            foreach (byte[] b in ordered)
            {
                CryptographicOperations.ZeroMemory(b);
            }
        }
        finally
        {
            foreach (byte[] b in dealt)
            {
                CryptographicOperations.ZeroMemory(b);
            }
        }
    }

    /// <summary>Sealed one at a time as the stream pulls them: one envelope in memory, not N−1 multi-megabyte ones.</summary>
    private async IAsyncEnumerable<ThresholdShareBlob> Blobs(EpochInfo info, ParticipantEpoch epoch, ECDiffieHellman agreement, IReadOnlyList<byte[]> dealt)
    {
        for (int j = 0; j < epoch.Parties; j++)
        {
            if (j == epoch.PartyId - 1)
            {
                continue;
            }

            ParticipantInfo recipient = info.Participants[j];
            byte[] envelope = ShareEnvelope.Seal(agreement, recipient.KeyAgreementPublicKey.Span, info.EpochId, session.Id, recipient.ParticipantId, dealt[j]);
            yield return new ThresholdShareBlob
            {
                EpochId = info.EpochId,
                SenderId = session.Id,
                RecipientId = recipient.ParticipantId,
                Ciphertext = UnsafeByteOperations.UnsafeWrap(envelope),
            };
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>One long-poll: the aggregator sends each blob addressed to this participant as it arrives; returns how many shares are held.</summary>
    private async Task<int> CollectBlobsAsync(EpochInfo info, ECDiffieHellman agreement, Dictionary<string, byte[]> received, CancellationToken ct)
    {
        var request = new FetchThresholdSharesRequest { EpochId = info.EpochId, WaitMillis = ThresholdFetchWaitMillis };
        request.HaveSenderIds.AddRange(received.Keys);
        using var call = session.KeyEpoch.FetchThresholdShares(request, AggregatorSession.Call(ct));
        await foreach (ThresholdShareBlob blob in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (blob.RecipientId != session.Id || received.ContainsKey(blob.SenderId))
            {
                continue;
            }

            ParticipantInfo sender = info.Participants.FirstOrDefault(p => p.ParticipantId == blob.SenderId)
                ?? throw new InvalidDataException($"A threshold share came from '{blob.SenderId}', who is not enrolled.");
            received[blob.SenderId] = ShareEnvelope.Open(agreement, sender.KeyAgreementPublicKey.Span, info.EpochId, blob.SenderId, session.Id, blob.Ciphertext.Span);
        }

        return received.Count;
    }

    private ECDiffieHellman LoadOrCreateAgreementKey()
    {
        var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        byte[]? stored = session.State.ReadFile(KeyAgreementFile);
        if (stored is null)
        {
            session.State.WriteFile(KeyAgreementFile, key.ExportPkcs8PrivateKey(), secret: true);
        }
        else
        {
            try
            {
                key.ImportPkcs8PrivateKey(stored, out _);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(stored);
            }
        }

        return key;
    }
}
