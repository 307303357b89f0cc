using System.Collections.Concurrent;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;
using TensorSpec = SecAgg.Quantize.Ddg.TensorSpec;
using System.Security.Authentication;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using SecAgg.Security;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Participant.Tests.Client;

/// <summary>
/// A minimal aggregator for the client tests (the real service is built on another branch): the secagg.v1 contract
/// over ASP.NET Core gRPC with mutual TLS on loopback (a client certificate from another CA is refused in the handshake), NOT SECURE test HE parameters, one key epoch and one round.
/// It sums complete uploads, hands out c1-only decryption requests, combines the shares and publishes the weighted
/// mean. Fault knobs: break the first upload stream after some chunks; change the decryption set after the first
/// shares (a malicious aggregator asking for a second share of the same ciphertext).
/// </summary>
internal sealed class FakeAggregator : IAsyncDisposable
{
    private readonly CertificateAuthority _ca;
    private readonly MultipartyParameters _he;
    private readonly byte[] _crs = CommonReferencePolynomial.NewSeed();
    private readonly ConcurrentDictionary<string, (byte[] Share, byte[] Agreement)> _keys = new();
    private readonly ConcurrentBag<ThresholdShareBlob> _blobs = [];
    private readonly ConcurrentDictionary<string, SortedDictionary<uint, byte[]>> _uploads = new();
    private readonly ConcurrentDictionary<string, (string Participant, ulong Weight)> _uploadOwners = new();
    private readonly ConcurrentDictionary<string, Dictionary<uint, byte[]>> _shares = new();
    private readonly object _gate = new();
    private WebApplication? _server;
    private V1.CollectivePublicKey? _publicKey;
    private CompactCiphertext[]? _aggregate;
    private float[]? _model;
    private int _breaks;

    public FakeAggregator(string[] ids, int threshold, int dimension)
    {
        Ids = ids;
        Threshold = threshold;
        _ca = CertificateAuthority.Create("test consortium CA");
        _he = ProtocolPresets.InsecureForTests(ids.Length, threshold).He;
        var ddg = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = ids.Length, Dimension = dimension, ClipNorm = 2, NoiseMultiplier = 0.0001 });
        Round = RoundParameters.Create(1, 0, 1, new TensorLayout([new TensorSpec("weight", [dimension - 1]), new TensorSpec("bias", [1])]), _he, ProtocolPresets.InsecureForTestsName, ddg, "ddg-test", RandomNumberGenerator.GetBytes(32), maxWeight: 10);
        DecryptionSet = [.. ids];
    }

    public string[] Ids { get; }

    public int Threshold { get; }

    public RoundParameters Round { get; }

    public X509Certificate2 CaCertificate => _ca.Certificate;

    public Uri Address { get; private set; } = null!;

    /// <summary>Abort the first upload stream with UNAVAILABLE after this many chunks (0: never).</summary>
    public int BreakFirstUploadAfter { get; set; }

    /// <summary>The decryption set announced in the session (change it to simulate a second request with another set).</summary>
    public string[] DecryptionSet { get; set; }

    public ConcurrentBag<(string Participant, uint Chunk, byte[] Share)> ShareLog { get; } = [];

    public int ChunksReceived;

    public X509Certificate2 IssueClient(string id) => _ca.IssueClientCertificate(id);

    public async Task StartAsync()
    {
        X509Certificate2 server = _ca.IssueServerCertificate("aggregator", ["localhost"], [IPAddress.Loopback]);
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddLogging();
        builder.Services.AddSingleton(this).AddSingleton<KeyEpochImpl>().AddSingleton<RoundsImpl>();
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 64 * 1024 * 1024);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            // A strict server: a client certificate not from the consortium CA is refused in the TLS handshake.
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = server,
                SslProtocols = SslProtocols.Tls13,
                ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = (certificate, _, _) => CertificateAuthority.ChainsTo(certificate, _ca.Certificate, X509KeyUsageForPeer.ClientAuthentication),
            });
        }));
        _server = builder.Build();
        _server.MapGrpcService<KeyEpochImpl>();
        _server.MapGrpcService<RoundsImpl>();
        await _server.StartAsync();
        Address = new Uri($"https://localhost:{new Uri(_server.Urls.First()).Port}");
    }

    public float[]? PublishedModel => _model;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
            await _server.DisposeAsync();
        }

        _ca.Dispose();
    }

    private static string Caller(ServerCallContext context) =>
        context.GetHttpContext().Connection.ClientCertificate is { } c && PeerIdentity.FromCertificate(c).ParticipantId is { } id
            ? id
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "no client certificate"));

    private Task<ThresholdShareBlob[]> BlobsFor(ServerCallContext context) =>
        Task.FromResult(_blobs.Where(b => b.RecipientId == Caller(context)).ToArray());

    private async Task<UploadThresholdSharesResponse> StoreBlobs(IAsyncStreamReader<ThresholdShareBlob> requests, ServerCallContext context)
    {
        var stored = new UploadThresholdSharesResponse();
        await foreach (ThresholdShareBlob blob in requests.ReadAllAsync())
        {
            if (blob.SenderId != Caller(context))
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied, "sender is not the caller"));
            }

            _blobs.Add(blob);
            stored.StoredRecipientIds.Add(blob.RecipientId);
        }

        return stored;
    }

    private UploadProgress Progress(GetUploadProgressRequest request)
    {
        if (!_uploads.TryGetValue(Convert.ToHexString(request.UploadId.Span), out var chunks))
        {
            throw new RpcException(new Status(StatusCode.NotFound, "no such upload"));
        }

        lock (chunks)
        {
            var progress = new UploadProgress { Round = request.Round, UploadId = request.UploadId, TotalChunks = (uint)Round.TotalChunks, AcceptedCount = (uint)chunks.Count, Complete = chunks.Count == Round.TotalChunks };
            progress.Accepted.AddRange(chunks.Keys.Select(k => new ChunkRange { First = k, Count = 1 }));
            return progress;
        }
    }

    private async Task DownloadModel(IServerStreamWriter<GlobalModelMessage> writer)
    {
        float[] model = _model ?? throw new RpcException(new Status(StatusCode.NotFound, "no model published yet"));
        await writer.WriteAsync(new GlobalModelMessage
        {
            Header = new GlobalModelHeader { ModelVersion = 1, Round = 1, Layout = Round.LayoutMessage, ParticipantsCounted = (uint)Ids.Length, DataDigest = ByteString.CopyFrom(SHA256.HashData(MemoryMarshal.AsBytes(model.AsSpan()))) },
        });
        for (int offset = 0; offset < model.Length; offset += 700)
        {
            var data = new GlobalModelData { Offset = (ulong)offset };
            data.Values.AddRange(model.Skip(offset).Take(700));
            await writer.WriteAsync(new GlobalModelMessage { Data = data });
        }
    }

    /// <summary>secagg.v1.KeyEpoch of the fake.</summary>
    private sealed class KeyEpochImpl(FakeAggregator fake) : KeyEpoch.KeyEpochBase
    {
        public override Task<EpochInfo> GetEpochInfo(GetEpochInfoRequest request, ServerCallContext context) => Task.FromResult(fake.EpochInfo());

        public override Task<UploadPublicKeyShareResponse> UploadPublicKeyShare(UploadPublicKeyShareRequest request, ServerCallContext context) => fake.UploadKey(request, context);

        public override Task<V1.CollectivePublicKey> GetCollectivePublicKey(GetCollectivePublicKeyRequest request, ServerCallContext context) =>
            fake._publicKey is { } pk ? Task.FromResult(pk) : throw new RpcException(new Status(StatusCode.FailedPrecondition, "waiting for public-key shares"));

        public override Task<UploadThresholdSharesResponse> UploadThresholdShares(IAsyncStreamReader<ThresholdShareBlob> requestStream, ServerCallContext context) => fake.StoreBlobs(requestStream, context);

        public override async Task FetchThresholdShares(FetchThresholdSharesRequest request, IServerStreamWriter<ThresholdShareBlob> responseStream, ServerCallContext context)
        {
            foreach (ThresholdShareBlob blob in await fake.BlobsFor(context))
            {
                await responseStream.WriteAsync(blob);
            }
        }
    }

    /// <summary>secagg.v1.Rounds of the fake.</summary>
    private sealed class RoundsImpl(FakeAggregator fake) : V1.Rounds.RoundsBase
    {
        public override Task<RoundConfig> GetRoundConfig(GetRoundConfigRequest request, ServerCallContext context) =>
            Task.FromResult(fake.Round.ToContract((uint)fake.Ids.Length, (uint)fake.Ids.Length, DateTimeOffset.UtcNow.AddHours(1), fake._aggregate is null ? RoundStage.Collecting : RoundStage.Decrypting));

        public override Task<UploadCiphertextsResponse> UploadCiphertexts(IAsyncStreamReader<CiphertextUploadMessage> requestStream, ServerCallContext context) => fake.Upload(requestStream, context);

        public override Task<UploadProgress> GetUploadProgress(GetUploadProgressRequest request, ServerCallContext context) => Task.FromResult(fake.Progress(request));

        public override Task<DecryptionRequestBatch> PollDecryptionRequests(PollDecryptionRequestsRequest request, ServerCallContext context) => Task.FromResult(fake.Poll(request));

        public override Task<UploadDecryptionSharesResponse> UploadDecryptionShares(IAsyncStreamReader<V1.DecryptionShare> requestStream, ServerCallContext context) => fake.UploadShares(requestStream, context);

        public override Task DownloadGlobalModel(DownloadGlobalModelRequest request, IServerStreamWriter<GlobalModelMessage> responseStream, ServerCallContext context) => fake.DownloadModel(responseStream);
    }

    private EpochInfo EpochInfo()
    {
        var info = new EpochInfo { EpochId = 1, ConsortiumId = "test", CrsSeed = ByteString.CopyFrom(_crs), HeParameters = Round.HeMessage, Threshold = (uint)Threshold, Stage = _publicKey is null ? KeyEpochStage.CollectingShares : KeyEpochStage.Ready };
        for (int i = 0; i < Ids.Length; i++)
        {
            bool has = _keys.TryGetValue(Ids[i], out var k);
            info.Participants.Add(new ParticipantInfo { ParticipantId = Ids[i], ShamirPoint = (ulong)(i + 1), PublicKeyShareReceived = has, KeyAgreementPublicKey = has ? ByteString.CopyFrom(k.Agreement) : ByteString.Empty });
        }

        return info;
    }

    private Task<UploadPublicKeyShareResponse> UploadKey(UploadPublicKeyShareRequest request, ServerCallContext context)
    {
        string caller = Caller(context);
        lock (_gate)
        {
            if (!_keys.TryAdd(caller, (request.PublicKeyShare.ToByteArray(), request.KeyAgreementPublicKey.ToByteArray())))
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists, "public-key share already received"));
            }

            if (_keys.Count == Ids.Length)
            {
                var protocol = new PublicKeyGenProtocol(_he);
                PublicKeyShare sum = PublicKeyShare.Deserialize(_he, _keys[Ids[0]].Share);
                foreach (string id in Ids.Skip(1))
                {
                    protocol.AggregateShares(sum, PublicKeyShare.Deserialize(_he, _keys[id].Share), sum);
                }

                byte[] p0 = protocol.Finalize(sum, CommonReferencePolynomial.Expand(_he, _crs)).Serialize();
                var pk = new V1.CollectivePublicKey { EpochId = 1, CrsSeed = ByteString.CopyFrom(_crs), PublicKeyP0 = ByteString.CopyFrom(p0), PublicKeyDigest = ByteString.CopyFrom(SHA256.HashData(p0)) };
                pk.Contributions.AddRange(Ids.Select(id => new ContributionDigest { ParticipantId = id, ShareDigest = ByteString.CopyFrom(SHA256.HashData(_keys[id].Share)) }));
                _publicKey = pk;
            }

            return Task.FromResult(new UploadPublicKeyShareResponse { ShareDigest = ByteString.CopyFrom(SHA256.HashData(request.PublicKeyShare.Span)), SharesReceived = (uint)_keys.Count });
        }
    }

    private async Task<UploadCiphertextsResponse> Upload(IAsyncStreamReader<CiphertextUploadMessage> requests, ServerCallContext context)
    {
        string caller = Caller(context);
        SortedDictionary<uint, byte[]>? chunks = null;
        string? id = null;
        int thisStream = 0;
        await foreach (CiphertextUploadMessage message in requests.ReadAllAsync())
        {
            if (message.KindCase == CiphertextUploadMessage.KindOneofCase.Header)
            {
                UploadHeader h = message.Header;
                if (!h.ParameterDigest.Span.SequenceEqual(Round.ParameterDigest) || h.ParticipantId != caller || h.TotalChunks != Round.TotalChunks)
                {
                    throw new RpcException(new Status(StatusCode.FailedPrecondition, "header does not match the round"));
                }

                id = Convert.ToHexString(h.UploadId.Span);
                chunks = _uploads.GetOrAdd(id, _ => new SortedDictionary<uint, byte[]>());
                _uploadOwners[id] = (caller, h.Weight);
                continue;
            }

            if (chunks is null)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "chunk before header"));
            }

            if (BreakFirstUploadAfter > 0 && thisStream == BreakFirstUploadAfter && Interlocked.Increment(ref _breaks) == 1)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "simulated broken stream"));
            }

            lock (chunks)
            {
                chunks[message.Chunk.ChunkIndex] = message.Chunk.Ciphertext.ToByteArray();
            }

            thisStream++;
            Interlocked.Increment(ref ChunksReceived);
        }

        bool complete;
        lock (chunks!)
        {
            complete = chunks.Count == Round.TotalChunks;
        }

        if (complete)
        {
            TryCloseUploads();
        }

        var response = new UploadCiphertextsResponse { UploadId = ByteString.CopyFrom(Convert.FromHexString(id!)), AcceptedCount = (uint)chunks.Count, Complete = complete };
        return response;
    }

    private void TryCloseUploads()
    {
        lock (_gate)
        {
            var complete = _uploads.Where(u => u.Value.Count == Round.TotalChunks).ToList();
            if (_aggregate is not null || complete.Count < Ids.Length)
            {
                return;
            }

            var sums = new CompactCiphertext[Round.TotalChunks];
            for (int c = 0; c < sums.Length; c++)
            {
                foreach (var upload in complete)
                {
                    var ct = CompactCiphertext.Deserialize(_he, upload.Value[(uint)c]);
                    if (sums[c] is null)
                    {
                        sums[c] = ct;
                    }
                    else
                    {
                        sums[c].AddInplace(ct);
                    }
                }
            }

            _aggregate = sums;
        }
    }

    private DecryptionRequestBatch Poll(PollDecryptionRequestsRequest request)
    {
        if (_model is not null)
        {
            return new DecryptionRequestBatch { Stage = RoundStage.Published };
        }

        if (_aggregate is null)
        {
            return new DecryptionRequestBatch { Stage = RoundStage.Collecting };
        }

        var session = new DecryptionSession { Round = 1, KeyEpochId = 1, TotalChunks = (uint)_aggregate.Length, Summands = (uint)Ids.Length, FloodingLog2Sigma = 0 };
        session.DecryptionSet.AddRange(DecryptionSet);
        var batch = new DecryptionRequestBatch { Stage = RoundStage.Decrypting, Session = session };
        uint max = request.MaxRequests == 0 ? 16 : request.MaxRequests;
        uint c = request.FirstChunkIndex;
        for (; c < _aggregate.Length && c < request.FirstChunkIndex + max; c++)
        {
            byte[] c1 = DecryptionCodec.EncodeRequest(_aggregate[c]);
            batch.Requests.Add(new DecryptionRequest { Round = 1, ChunkIndex = c, CiphertextId = ByteString.CopyFrom(BitConverter.GetBytes(c)), CiphertextDigest = ByteString.CopyFrom(DecryptionCodec.CiphertextDigest(_aggregate[c])), C1 = ByteString.CopyFrom(c1) });
        }

        batch.NextChunkIndex = c;
        return batch;
    }

    private async Task<UploadDecryptionSharesResponse> UploadShares(IAsyncStreamReader<V1.DecryptionShare> requests, ServerCallContext context)
    {
        string caller = Caller(context);
        var mine = _shares.GetOrAdd(caller, _ => []);
        await foreach (V1.DecryptionShare share in requests.ReadAllAsync())
        {
            byte[] bytes = share.Share.ToByteArray();
            ShareLog.Add((caller, share.ChunkIndex, bytes));
            lock (mine)
            {
                mine[share.ChunkIndex] = bytes;
            }
        }

        lock (_gate)
        {
            if (_model is null && DecryptionSet.All(id => _shares.TryGetValue(id, out var s) && s.Count == _aggregate!.Length))
            {
                var decrypted = _aggregate!.Select((ct, c) => DecryptionCodec.Combine(ct, DecryptionSet.Select(id => (ReadOnlyMemory<byte>)_shares[id][(uint)c]))).ToList();
                ulong totalWeight = _uploadOwners.Values.Aggregate(0UL, (a, o) => a + o.Weight);
                _model = new AggregateDecoder(Round).DecodeWeightedMean(decrypted, totalWeight);
            }
        }

        return new UploadDecryptionSharesResponse { AcceptedCount = (uint)mine.Count, Complete = mine.Count == _aggregate!.Length };
    }
}
