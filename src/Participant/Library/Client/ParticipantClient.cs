using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using SecAgg.Crypto.Multiparty;
using CollectivePublicKey = SecAgg.Crypto.Multiparty.CollectivePublicKey;
using SecAgg.Participant.Rounds;
using SecAgg.Participant.State;
using SecAgg.Participant.Tensors;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;
using SecAgg.Transport;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Participant.Client;

/// <summary>How a <see cref="ParticipantClient"/> reaches its aggregator and where it keeps its state.</summary>
public sealed class ParticipantClientOptions
{
    /// <summary>The aggregator's address, e.g. <c>https://aggregator.example:7443</c>.</summary>
    public required Uri Aggregator { get; init; }

    /// <summary>This participant's client certificate with its private key (issued by the consortium CA).</summary>
    public required X509Certificate2 ClientCertificate { get; init; }

    /// <summary>The consortium CA: the only trust anchor for the aggregator's certificate.</summary>
    public required X509Certificate2 CertificateAuthority { get; init; }

    /// <summary>The local state directory (secret share, ledger, progress; mode 0700/0600).</summary>
    public required string StateDirectory { get; init; }

    /// <summary>This participant's consortium id (the CN of its certificate).</summary>
    public required string ParticipantId { get; init; }

    /// <summary>Per-call timeout (default 5 minutes).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often to ask again while the aggregator is still collecting (default 500 ms).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How many times a broken upload stream is resumed before giving up (default 5).</summary>
    public int MaxUploadAttempts { get; init; } = 5;

    /// <summary>Accept the NOT SECURE test-only HE parameters (unit tests only).</summary>
    public bool AllowInsecureForTests { get; init; }
}

/// <summary>The key epoch a participant joined.</summary>
/// <param name="EpochId">The epoch.</param>
/// <param name="PartyId">This participant's party index (1..N, consortium-file order).</param>
/// <param name="Parties">N.</param>
/// <param name="Threshold">t.</param>
/// <param name="PublicKeyDigest">SHA-256 of the collective public key as published (compare it out of band).</param>
public sealed record JoinResult(ulong EpochId, int PartyId, int Parties, int Threshold, byte[] PublicKeyDigest);

/// <summary>The outcome of submitting an update.</summary>
/// <param name="Round">The round.</param>
/// <param name="Chunks">Chunks of the upload.</param>
/// <param name="ChunksSent">Chunks sent by this call (fewer than <paramref name="Chunks"/> after a resume).</param>
/// <param name="BytesSent">Ciphertext bytes sent by this call.</param>
/// <param name="Attempts">Upload streams opened.</param>
public sealed record SubmitResult(ulong Round, int Chunks, int ChunksSent, long BytesSent, int Attempts);

/// <summary>A published global model.</summary>
/// <param name="ModelVersion">Its version.</param>
/// <param name="Round">The round that produced it.</param>
/// <param name="Layout">Its layout.</param>
/// <param name="Values">The flattened values.</param>
public sealed record GlobalModel(ulong ModelVersion, ulong Round, TensorLayout Layout, float[] Values)
{
    /// <summary>The model as named tensors (F32).</summary>
    public IReadOnlyList<NamedTensor> ToTensors()
    {
        Dictionary<string, float[]> parts = Layout.Unflatten(Values);
        return [.. Layout.Tensors.Select(t => new NamedTensor(t.Name, [.. t.Shape], parts[t.Name]))];
    }
}

/// <summary>
/// A participant of a SecAgg consortium over gRPC with mutual TLS: joins the key epoch, submits encrypted updates
/// (quantized, noised and encrypted in parallel, streamed with back-pressure, resumed after a broken stream),
/// answers decryption requests through the one-share-per-ciphertext guard, and downloads the global model.
/// All state that must survive a restart lives in <see cref="ParticipantClientOptions.StateDirectory"/>.
/// </summary>
public sealed class ParticipantClient : IDisposable
{
    private const string PublicKeyShareFile = "public-key-share.bin";
    private const string KeyAgreementFile = "key-agreement.p8";
    private const string CollectiveKeyFile = "collective-key.bin";
    private const uint ThresholdFetchWaitMillis = 30_000;
    private readonly ParticipantClientOptions _options;
    private readonly GrpcChannel _channel;
    private readonly GrpcClient _client;
    private readonly ParticipantState _state;
    private Epoch? _epoch;

    /// <summary>Creates the client; no call is made until the first operation.</summary>
    public ParticipantClient(ParticipantClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ParticipantId, nameof(options));
        _options = options;
        _state = ParticipantState.Open(options.StateDirectory);
        _channel = GrpcChannel.ForAddress(options.Aggregator, new GrpcChannelOptions
        {
            ClientCertificate = options.ClientCertificate,
            ServerCertificateAuthority = options.CertificateAuthority,
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
        _client = new GrpcClient(_channel, options.CallTimeout);
    }

    /// <summary>The local state directory.</summary>
    public ParticipantState State => _state;

    /// <summary>
    /// Joins the current key epoch: generates and stores the secret-key share, uploads the public-key share exactly
    /// once (a restart finds it stored and does not upload another), relays the Shamir shares of the secret
    /// (ECDH P-256 + AES-GCM per recipient) and combines the ones addressed to it, then fetches the collective key and
    /// checks its digest and that its own contribution is included unchanged. Waits while others have not joined yet.
    /// </summary>
    /// <exception cref="InvalidDataException">The aggregator's key does not match its digest or omits this participant's share.</exception>
    public async Task<JoinResult> JoinAsync(CancellationToken cancellationToken = default)
    {
        EpochInfo info = await _client.CallAsync(KeyEpochMethods.GetEpochInfo, new GetEpochInfoRequest(), Options(cancellationToken)).ConfigureAwait(false);
        Epoch epoch = Describe(info);
        using ECDiffieHellman agreement = LoadOrCreateAgreementKey();

        byte[]? myShare = _state.ReadFile(PublicKeyShareFile);
        if (myShare is null)
        {
            myShare = epoch.Crypto.CreatePublicKeyShare(info.CrsSeed.Span);
            _state.WriteFile(PublicKeyShareFile, myShare);
        }

        if (!info.Participants[epoch.PartyId - 1].PublicKeyShareReceived)
        {
            try
            {
                await _client.CallAsync(KeyEpochMethods.UploadPublicKeyShare, new UploadPublicKeyShareRequest
                {
                    EpochId = info.EpochId,
                    ParticipantId = _options.ParticipantId,
                    PublicKeyShare = ByteString.CopyFrom(myShare),
                    KeyAgreementPublicKey = ByteString.CopyFrom(agreement.PublicKey.ExportSubjectPublicKeyInfo()),
                }, Options(cancellationToken)).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
            {
                // Uploaded before a restart: the digest check below proves it was this share.
            }
        }

        // Wait for everybody's key-agreement key, then relay the threshold shares.
        while (!info.Participants.All(p => p.PublicKeyShareReceived && !p.KeyAgreementPublicKey.IsEmpty))
        {
            await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
            info = await _client.CallAsync(KeyEpochMethods.GetEpochInfo, new GetEpochInfoRequest { EpochId = info.EpochId }, Options(cancellationToken)).ConfigureAwait(false);
        }

        if (!_state.HasThresholdShare)
        {
            await RelayThresholdSharesAsync(info, epoch, agreement, cancellationToken).ConfigureAwait(false);
        }

        V1.CollectivePublicKey key = await WaitForCollectiveKeyAsync(info.EpochId, cancellationToken).ConfigureAwait(false);
        byte[] digest = SHA256.HashData(key.PublicKeyP0.Span);
        if (!digest.AsSpan().SequenceEqual(key.PublicKeyDigest.Span))
        {
            throw new InvalidDataException("The collective public key does not match its published digest; do not use this aggregator.");
        }

        ContributionDigest? mine = key.Contributions.FirstOrDefault(c => c.ParticipantId == _options.ParticipantId);
        if (mine is null || !mine.ShareDigest.Span.SequenceEqual(SHA256.HashData(myShare)))
        {
            throw new InvalidDataException("The collective public key does not include this participant's public-key share unchanged; do not use this aggregator.");
        }

        // Check that the published key parses under the epoch's parameters.
        _ = ToCollectiveKey(epoch.Crypto.Parameters, key);
        _state.WriteFile(CollectiveKeyFile, key.ToByteArray());
        return new JoinResult(info.EpochId, epoch.PartyId, epoch.Parties, epoch.Threshold, digest);
    }

    /// <summary>Submits a flat update for a round (0 = the newest) with a public weight (1..max_weight).</summary>
    public async Task<SubmitResult> SubmitAsync(ReadOnlyMemory<float> update, ulong weight = 1, ulong round = 0, CancellationToken cancellationToken = default)
    {
        Epoch epoch = await GetEpochAsync(cancellationToken).ConfigureAwait(false);
        RoundConfig config = await GetRoundConfigAsync(round, cancellationToken).ConfigureAwait(false);
        RoundParameters parameters = RoundParameters.FromContract(config, epoch.Parties, epoch.Threshold, _options.AllowInsecureForTests);
        UploadProgressRecord? progress = _state.LoadProgress(config.Round);
        if (progress is { Complete: true })
        {
            return new SubmitResult(config.Round, progress.TotalChunks, 0, 0, 0);
        }

        string chunksFile = $"upload-round-{config.Round}.chunks";
        IReadOnlyList<byte[]> chunks;
        byte[]? stored = _state.ReadFile(chunksFile);
        if (progress is not null && stored is not null)
        {
            chunks = SplitChunks(stored);
        }
        else
        {
            CollectivePublicKey pk = LoadCollectiveKey(epoch);
            chunks = await Task.Run(() => epoch.Crypto.EncryptUpdate(parameters, pk, update.Span, weight).Chunks, cancellationToken).ConfigureAwait(false);
            _state.WriteFile(chunksFile, JoinChunks(chunks));
            progress = new UploadProgressRecord(config.Round, Convert.ToHexString(RandomNumberGenerator.GetBytes(WireKeys.UploadIdLength)), chunks.Count, false);
            _state.SaveProgress(progress);
        }

        byte[] uploadId = Convert.FromHexString(progress!.UploadId);
        int sent = 0, attempts = 0;
        long bytes = 0;
        while (true)
        {
            HashSet<int> accepted = await AcceptedChunksAsync(config.Round, uploadId, cancellationToken).ConfigureAwait(false);
            int[] missing = [.. Enumerable.Range(0, chunks.Count).Where(i => !accepted.Contains(i))];
            if (missing.Length == 0)
            {
                break;
            }

            attempts++;
            var header = new UploadHeader
            {
                Round = config.Round,
                TotalChunks = (uint)chunks.Count,
                UploadId = ByteString.CopyFrom(uploadId),
                ParameterDigest = ByteString.CopyFrom(parameters.ParameterDigest),
                Weight = weight,
                ParticipantId = _options.ParticipantId,
            };
            var counter = new StrongBox<(int Count, long Bytes)>((0, 0));
            try
            {
                UploadCiphertextsResponse response = await _client.CallAsync(
                    RoundsMethods.UploadCiphertexts, Stream(header, chunks, missing, counter, cancellationToken), Options(cancellationToken)).ConfigureAwait(false);
                sent += counter.Value.Count;
                bytes += counter.Value.Bytes;
                if (response.Complete)
                {
                    break;
                }
            }
            catch (RpcException e) when (IsTransient(e.StatusCode) && attempts < _options.MaxUploadAttempts && !cancellationToken.IsCancellationRequested)
            {
                sent += counter.Value.Count;
                bytes += counter.Value.Bytes;
                await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }

        _state.SaveProgress(progress with { Complete = true });
        return new SubmitResult(config.Round, chunks.Count, sent, bytes, attempts);
    }

    /// <summary>Submits named tensors (flattened in the round's layout order; names and shapes must match it).</summary>
    public async Task<SubmitResult> SubmitAsync(IReadOnlyList<NamedTensor> tensors, ulong weight = 1, ulong round = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        RoundConfig config = await GetRoundConfigAsync(round, cancellationToken).ConfigureAwait(false);
        TensorLayout layout = ContractMapping.FromContract(config.Layout);
        var byName = tensors.ToDictionary(t => t.Name, t => t, StringComparer.Ordinal);
        foreach (var spec in layout.Tensors)
        {
            if (!byName.TryGetValue(spec.Name, out NamedTensor? t))
            {
                throw new ArgumentException($"The round's layout needs tensor '{spec.Name}' (shape [{string.Join(", ", spec.Shape)}]); the update has [{string.Join(", ", byName.Keys)}].", nameof(tensors));
            }

            if (!t.Shape.SequenceEqual(spec.Shape))
            {
                throw new ArgumentException($"Tensor '{spec.Name}' has shape [{string.Join(", ", t.Shape)}]; the round's layout says [{string.Join(", ", spec.Shape)}].", nameof(tensors));
            }
        }

        float[] flat = new float[layout.TotalLength];
        layout.Flatten(byName.ToDictionary(kv => kv.Key, kv => kv.Value.Values, StringComparer.Ordinal), flat);
        return await SubmitAsync(flat, weight, config.Round, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers a round's decryption requests (waits while the round is still collecting): each c1 goes through the
    /// guard, so a repeated request returns the stored share and a request for another decryption set is refused.
    /// Returns the number of shares uploaded (0 when this participant is not in the decryption set or the round ended).
    /// </summary>
    public async Task<int> AnswerDecryptionAsync(ulong round, CancellationToken cancellationToken = default)
    {
        Epoch epoch = await GetEpochAsync(cancellationToken).ConfigureAwait(false);
        var shares = new List<V1.DecryptionShare>();
        uint next = 0;
        while (true)
        {
            DecryptionRequestBatch batch;
            try
            {
                batch = await _client.CallAsync(
                    RoundsMethods.PollDecryptionRequests, new PollDecryptionRequestsRequest { Round = round, FirstChunkIndex = next, MaxRequests = 16 }, Options(cancellationToken)).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied && next == 0)
            {
                // The aggregator refuses requests from outside the round's fixed decryption set (ERROR_REASON_IDENTITY_MISMATCH).
                return 0;
            }

            if (batch.Stage is RoundStage.Aborted or RoundStage.Published)
            {
                return 0;
            }

            if (batch.Stage != RoundStage.Decrypting || batch.Session is null)
            {
                await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!batch.Session.DecryptionSet.Contains(_options.ParticipantId))
            {
                return 0;
            }

            int[] set = [.. batch.Session.DecryptionSet.Select(epoch.PartyIdOf)];
            foreach (DecryptionRequest request in batch.Requests)
            {
                if (!epoch.Crypto.Scheme.RequestDigest(request.C1.Span).AsSpan().SequenceEqual(request.CiphertextDigest.Span))
                {
                    throw new InvalidDataException($"Decryption request for chunk {request.ChunkIndex} carries a digest that does not match its c1; refusing to answer.");
                }

                byte[] share = epoch.Crypto.AnswerDecryption(request.C1.Span, set, (int)batch.Session.Summands);
                shares.Add(new V1.DecryptionShare
                {
                    Round = round,
                    ChunkIndex = request.ChunkIndex,
                    CiphertextDigest = request.CiphertextDigest,
                    Share = ByteString.CopyFrom(share),
                    ParticipantId = _options.ParticipantId,
                });
            }

            next = batch.NextChunkIndex;
            if (next >= batch.Session.TotalChunks)
            {
                break;
            }
        }

        await _client.CallAsync(RoundsMethods.UploadDecryptionShares, shares.ToAsyncEnumerable(), Options(cancellationToken)).ConfigureAwait(false);
        return shares.Count;
    }

    /// <summary>Waits until a round is published and returns the model version it published.</summary>
    /// <exception cref="InvalidOperationException">The round was aborted (the message says why; nothing was decrypted).</exception>
    public async Task<ulong> WaitForPublicationAsync(ulong round, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            RoundStatus status = await _client.CallAsync(RoundsMethods.GetRoundStatus, new GetRoundStatusRequest { Round = round }, Options(cancellationToken)).ConfigureAwait(false);
            switch (status.Stage)
            {
                case RoundStage.Published:
                    return status.PublishedModelVersion;
                case RoundStage.Aborted:
                    throw new InvalidOperationException($"Round {status.Round} was aborted ({status.AbortReason}): {status.AbortMessage}");
                default:
                    await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Downloads a published global model (0 = the newest) and checks its digest.</summary>
    /// <exception cref="InvalidDataException">The stream is malformed or the values do not match the header's digest.</exception>
    public async Task<GlobalModel> FetchGlobalModelAsync(ulong modelVersion = 0, CancellationToken cancellationToken = default)
    {
        GlobalModelHeader? header = null;
        float[]? values = null;
        await foreach (GlobalModelMessage message in _client.StreamAsync(RoundsMethods.DownloadGlobalModel, new DownloadGlobalModelRequest { ModelVersion = modelVersion }, Options(cancellationToken)).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (message.KindCase == GlobalModelMessage.KindOneofCase.Header)
            {
                header = message.Header;
                values = new float[checked((int)header.Layout.TotalElements)];
            }
            else if (header is null || values is null)
            {
                throw new InvalidDataException("The global model stream sent data before its header.");
            }
            else
            {
                GlobalModelData data = message.Data;
                if (data.Offset + (ulong)data.Values.Count > (ulong)values.Length)
                {
                    throw new InvalidDataException($"Model data at offset {data.Offset} runs past the {values.Length} values of the layout.");
                }

                data.Values.CopyTo(values, (int)data.Offset);
            }
        }

        if (header is null || values is null)
        {
            throw new InvalidDataException("The global model stream ended without a header.");
        }

        if (!SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan())).AsSpan().SequenceEqual(header.DataDigest.Span))
        {
            throw new InvalidDataException($"Model version {header.ModelVersion} does not match its digest (truncated or corrupted download).");
        }

        return new GlobalModel(header.ModelVersion, header.Round, ContractMapping.FromContract(header.Layout), values);
    }

    /// <inheritdoc/>
    public void Dispose() => _channel.Dispose();

    private static CallOptions Options(CancellationToken token) => new() { CancellationToken = token };

    private static bool IsTransient(StatusCode code) => code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Cancelled or StatusCode.ResourceExhausted;

    /// <summary>The round's configuration; waits (up to the call timeout) while the aggregator has not opened it yet.</summary>
    private async Task<RoundConfig> GetRoundConfigAsync(ulong round, CancellationToken token)
    {
        DateTime giveUp = DateTime.UtcNow + _options.CallTimeout;
        while (true)
        {
            try
            {
                return await _client.CallAsync(RoundsMethods.GetRoundConfig, new GetRoundConfigRequest { Round = round }, Options(token)).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && DateTime.UtcNow < giveUp)
            {
                await Task.Delay(_options.PollInterval, token).ConfigureAwait(false);
            }
        }
    }

    private async Task<HashSet<int>> AcceptedChunksAsync(ulong round, byte[] uploadId, CancellationToken token)
    {
        try
        {
            UploadProgress progress = await _client.CallAsync(RoundsMethods.GetUploadProgress, new GetUploadProgressRequest { Round = round, UploadId = ByteString.CopyFrom(uploadId) }, Options(token)).ConfigureAwait(false);
            return [.. progress.Accepted.SelectMany(r => Enumerable.Range((int)r.First, (int)r.Count))];
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return [];
        }
    }

    private static async IAsyncEnumerable<CiphertextUploadMessage> Stream(UploadHeader header, IReadOnlyList<byte[]> chunks, int[] missing, StrongBox<(int Count, long Bytes)> counter, [EnumeratorCancellation] CancellationToken token)
    {
        yield return new CiphertextUploadMessage { Header = header };
        foreach (int index in missing)
        {
            token.ThrowIfCancellationRequested();
            // The transport pulls the next message only when the previous one was written (HTTP/2 flow control): back-pressure.
            yield return new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = header.Round, ChunkIndex = (uint)index, Ciphertext = ByteString.CopyFrom(chunks[index]) } };
            counter.Value = (counter.Value.Count + 1, counter.Value.Bytes + chunks[index].Length);
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private async Task<Epoch> GetEpochAsync(CancellationToken token)
    {
        if (_epoch is not null)
        {
            return _epoch;
        }

        EpochInfo info = await _client.CallAsync(KeyEpochMethods.GetEpochInfo, new GetEpochInfoRequest(), Options(token)).ConfigureAwait(false);
        return _epoch = Describe(info);
    }

    private Epoch Describe(EpochInfo info)
    {
        int index = info.Participants.ToList().FindIndex(p => p.ParticipantId == _options.ParticipantId);
        if (index < 0)
        {
            throw new InvalidOperationException($"'{_options.ParticipantId}' is not enrolled in consortium '{info.ConsortiumId}'; check --id against the consortium file.");
        }

        int parties = info.Participants.Count;
        CiphertextScheme he = ContractMapping.SchemeFromContract(info.HeParameters, parties, (int)info.Threshold, _options.AllowInsecureForTests);
        var ids = info.Participants.Select(p => p.ParticipantId).ToList();
        var epoch = new Epoch(info.EpochId, index + 1, parties, (int)info.Threshold, new ParticipantCrypto(he, index + 1, _state), ids);
        _epoch = epoch;
        return epoch;
    }

    private CollectivePublicKey LoadCollectiveKey(Epoch epoch)
    {
        byte[] bytes = _state.ReadFile(CollectiveKeyFile) ?? throw new InvalidOperationException("This participant has not joined the key epoch yet (secagg participant join).");
        return ToCollectiveKey(epoch.Crypto.Parameters, V1.CollectivePublicKey.Parser.ParseFrom(bytes));
    }

    /// <summary>pk = (Σ p_i, a) as the aggregator serializes it (<see cref="CollectivePublicKey.Serialize"/>), checked against the epoch's parameters.</summary>
    private static CollectivePublicKey ToCollectiveKey(MultipartyParameters parameters, V1.CollectivePublicKey key)
        => CollectivePublicKey.Deserialize(parameters, key.PublicKeyP0.Span);

    private async Task<V1.CollectivePublicKey> WaitForCollectiveKeyAsync(ulong epochId, CancellationToken token)
    {
        while (true)
        {
            try
            {
                return await _client.CallAsync(KeyEpochMethods.GetCollectivePublicKey, new GetCollectivePublicKeyRequest { EpochId = epochId }, Options(token)).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.Unavailable)
            {
                await Task.Delay(_options.PollInterval, token).ConfigureAwait(false);
            }
        }
    }

    private async Task RelayThresholdSharesAsync(EpochInfo info, Epoch epoch, ECDiffieHellman agreement, CancellationToken token)
    {
        // Dealing is deterministic per state directory (ParticipantCrypto keeps a seed, not the shares), and the envelope
        // nonce is synthetic, so a restart re-sends exactly the same blobs.
        IReadOnlyList<byte[]> dealt = await Task.Run(epoch.Crypto.DealThresholdShares, token).ConfigureAwait(false);
        try
        {
            // Sealed one at a time as the transport pulls them: one envelope in memory, not N−1 multi-megabyte ones.
            async IAsyncEnumerable<ThresholdShareBlob> Blobs()
            {
                for (int j = 0; j < epoch.Parties; j++)
                {
                    if (j == epoch.PartyId - 1)
                    {
                        continue;
                    }

                    ParticipantInfo recipient = info.Participants[j];
                    byte[] envelope = ShareEnvelope.Seal(agreement, recipient.KeyAgreementPublicKey.Span, info.EpochId, _options.ParticipantId, recipient.ParticipantId, dealt[j]);
                    yield return new ThresholdShareBlob
                    {
                        EpochId = info.EpochId,
                        SenderId = _options.ParticipantId,
                        RecipientId = recipient.ParticipantId,
                        Ciphertext = UnsafeByteOperations.UnsafeWrap(envelope),
                    };
                }

                await Task.CompletedTask.ConfigureAwait(false);
            }

            await _client.CallAsync(KeyEpochMethods.UploadThresholdShares, Blobs(), Options(token)).ConfigureAwait(false);

            var received = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [_options.ParticipantId] = dealt[epoch.PartyId - 1].ToArray() };
            while (received.Count < epoch.Parties)
            {
                // One long-poll: the aggregator sends each blob as it arrives and ends the stream when all are in.
                var request = new FetchThresholdSharesRequest { EpochId = info.EpochId, WaitMillis = ThresholdFetchWaitMillis };
                request.HaveSenderIds.AddRange(received.Keys);
                int before = received.Count;
                await foreach (ThresholdShareBlob blob in _client.StreamAsync(KeyEpochMethods.FetchThresholdShares, request, Options(token)).WithCancellation(token).ConfigureAwait(false))
                {
                    if (blob.RecipientId != _options.ParticipantId || received.ContainsKey(blob.SenderId))
                    {
                        continue;
                    }

                    ParticipantInfo sender = info.Participants.FirstOrDefault(p => p.ParticipantId == blob.SenderId)
                        ?? throw new InvalidDataException($"A threshold share came from '{blob.SenderId}', who is not enrolled.");
                    received[blob.SenderId] = ShareEnvelope.Open(agreement, sender.KeyAgreementPublicKey.Span, info.EpochId, blob.SenderId, _options.ParticipantId, blob.Ciphertext.Span);
                }

                if (received.Count == before && received.Count < epoch.Parties)
                {
                    await Task.Delay(_options.PollInterval, token).ConfigureAwait(false);
                }
            }

            List<byte[]> ordered = [.. epoch.Ids.Select(id => received[id])];
            await Task.Run(() => epoch.Crypto.AcceptThresholdShares(ordered), token).ConfigureAwait(false);
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

    private ECDiffieHellman LoadOrCreateAgreementKey()
    {
        var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        byte[]? stored = _state.ReadFile(KeyAgreementFile);
        if (stored is null)
        {
            _state.WriteFile(KeyAgreementFile, key.ExportPkcs8PrivateKey(), secret: true);
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

    private static byte[] JoinChunks(IReadOnlyList<byte[]> chunks)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(chunks.Count);
            foreach (byte[] c in chunks)
            {
                writer.Write(c.Length);
                writer.Write(c);
            }
        }

        return stream.ToArray();
    }

    private static List<byte[]> SplitChunks(byte[] data)
    {
        using var reader = new BinaryReader(new MemoryStream(data));
        try
        {
            int count = reader.ReadInt32();
            var chunks = new List<byte[]>(count);
            for (int i = 0; i < count; i++)
            {
                int length = reader.ReadInt32();
                byte[] c = reader.ReadBytes(length);
                if (c.Length != length)
                {
                    throw new EndOfStreamException();
                }

                chunks.Add(c);
            }

            return chunks;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("A stored chunk file of the state directory is truncated; delete it to start the upload afresh.", e);
        }
    }

    private sealed record Epoch(ulong EpochId, int PartyId, int Parties, int Threshold, ParticipantCrypto Crypto, IReadOnlyList<string> Ids)
    {
        public int PartyIdOf(string participantId)
        {
            int i = Ids.ToList().IndexOf(participantId);
            return i >= 0 ? i + 1 : throw new InvalidDataException($"The decryption set names '{participantId}', who is not enrolled.");
        }
    }
}
