using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Config;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;
using SecAgg.Transport;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;
using WireStage = SecAgg.Proto.V1.RoundStage;
using V1CollectivePublicKey = SecAgg.Proto.V1.CollectivePublicKey;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// The KeyEpoch, Rounds and Health services over the core (coordinator, store, accumulator) and the
/// shared protocol glue. One key epoch (id 1) per deployment; rounds numbered from 1, one at a time,
/// driven by <see cref="RunDriverAsync"/> (deadlines, closing, decryption, publication, next round).
/// Every call is authorized by the participant id bound to the caller's client certificate.
/// </summary>
internal sealed partial class AggregatorService : IPrivacyCost
{
    public const ulong EpochId = 1;
    private const int MaxKeyAgreementKeyBytes = 1024;
    private const int MaxThresholdBlobBytes = 4 << 20;
    private const uint MaxThresholdFetchWaitMillis = 60_000;
    private const int ModelRunLength = 16384;

    private readonly ConsortiumConfig _config;
    private readonly IAggregatorStore _store;
    private readonly ServiceStateStore _docs;
    private readonly RoundLifecycle _lifecycle;
    private readonly RoundCoordinator _coordinator;
    private readonly UploadAccumulator _accumulator;
    private readonly ProtocolPreset _preset;
    private readonly DdgParameters _ddg;
    private readonly TensorLayout _layout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _roundsToRun;
    private readonly Dictionary<string, int> _points;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly ConcurrentDictionary<long, RoundParameters> _roundParameters = new();
    private readonly ConcurrentDictionary<long, AggregateChunk[]> _aggregates = new();
    private ConcurrentDictionary<string, AcceptedShare>? _acceptedShares;
    private ByteString? _epochSeed;
    private volatile V1CollectivePublicKey? _collectiveKey;
    private volatile bool _keyReady;
    private TaskCompletionSource _blobsArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);
    private volatile bool _budgetExhausted;
    private volatile RoundState? _current;

    public AggregatorService(
        ConsortiumConfig config, IAggregatorStore store, ServiceStateStore docs, ProtocolPreset preset, TensorLayout layout,
        int roundsToRun, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _config = config;
        _store = store;
        _docs = docs;
        _preset = preset;
        _layout = layout;
        _time = time;
        _roundsToRun = roundsToRun;
        _logger = loggerFactory.CreateLogger("SecAgg.Aggregator.Service");
        _lifecycle = new RoundLifecycle(RoundPolicy.FromConfig(config));
        _coordinator = new RoundCoordinator(store, _lifecycle, this, config.PrivacyBudget, time, loggerFactory.CreateLogger<RoundCoordinator>());
        _accumulator = new UploadAccumulator(store, ChunkAdder(preset), _lifecycle, time, loggerFactory.CreateLogger<UploadAccumulator>());
        _ddg = preset.Ddg.Create(config.Participants.Length, layout.TotalLength);
        _points = config.Participants.Select((p, i) => (p.Id, i + 1)).ToDictionary(x => x.Id, x => x.Item2, StringComparer.Ordinal);
        Metrics = new AggregatorMetrics(ParticipantsPerStage);
    }

    public AggregatorMetrics Metrics { get; }

    /// <summary>How recent a participant's last authenticated call must be for it to count as live.</summary>
    public TimeSpan LivenessWindow { get; init; } = TimeSpan.FromSeconds(30);

    public bool Serving { get; set; }

    public string HeParameterSetId => _preset.Name;

    /// <summary>Epsilon of rounds with the given actual summand counts (the privacy ledger's seam).</summary>
    public double ComposedEpsilon(IReadOnlyList<int> summandsPerRound, double delta) => RoundPrivacy.ComposedEpsilon(_ddg, summandsPerRound, delta);

    /// <summary>Creates or checks the epoch and the initial model, and recovers staged uploads.</summary>
    public async Task InitializeAsync(float[]? initialModel, CancellationToken ct)
    {
        await _docs.InsertIfAbsentAsync(Keys.EpochSeed, CommonReferencePolynomial.NewSeed(), ct).ConfigureAwait(false);
        byte[] he = _preset.Scheme.ToContract(_preset.Name).ToByteArray();
        byte[] storedHe = await _docs.InsertIfAbsentAsync(Keys.EpochHe, he, ct).ConfigureAwait(false);
        if (!storedHe.AsSpan().SequenceEqual(he))
        {
            throw new InvalidOperationException(
                "The database holds a key epoch made under different HE parameters or participants than the consortium file now gives; restore the file, or start a new database for a new key epoch.");
        }

        float[] model = initialModel ?? new float[_layout.TotalLength];
        if (model.Length != _layout.TotalLength)
        {
            throw new ArgumentException($"The initial model has {model.Length} values; the layout holds {_layout.TotalLength}.", nameof(initialModel));
        }

        await _docs.InsertIfAbsentAsync(Keys.Model(0), EncodeModel(0, 0, model), ct).ConfigureAwait(false);
        int recovered = await _accumulator.RecoverAsync(ct).ConfigureAwait(false);
        if (recovered > 0)
        {
            ServiceLog.Recovered(_logger, recovered);
        }

        _current = await _store.GetLatestRoundAsync(ct).ConfigureAwait(false);
    }

    public GrpcServiceRegistry CreateRegistry()
    {
        var registry = new GrpcServiceRegistry()
            .AddUnary(KeyEpochMethods.GetEpochInfo, GetEpochInfoAsync)
            .AddUnary(KeyEpochMethods.UploadPublicKeyShare, UploadPublicKeyShareAsync)
            .AddUnary(KeyEpochMethods.GetCollectivePublicKey, GetCollectivePublicKeyAsync)
            .AddClientStreaming(KeyEpochMethods.UploadThresholdShares, UploadThresholdSharesAsync)
            .AddServerStreaming(KeyEpochMethods.FetchThresholdShares, FetchThresholdSharesAsync)
            .AddUnary(RoundsMethods.GetRoundConfig, GetRoundConfigAsync)
            .AddClientStreaming(RoundsMethods.UploadCiphertexts, UploadCiphertextsAsync)
            .AddUnary(RoundsMethods.GetUploadProgress, GetUploadProgressAsync)
            .AddServerStreaming(RoundsMethods.FetchDecryptionRequests, FetchDecryptionRequestsAsync)
            .AddUnary(RoundsMethods.PollDecryptionRequests, PollDecryptionRequestsAsync)
            .AddClientStreaming(RoundsMethods.UploadDecryptionShares, UploadDecryptionSharesAsync)
            .AddServerStreaming(RoundsMethods.DownloadGlobalModel, DownloadGlobalModelAsync)
            .AddUnary(RoundsMethods.GetRoundStatus, GetRoundStatusAsync)
            .AddUnary(HealthMethods.Check, CheckHealthAsync);
        registry.EnsureComplete(KeyEpochMethods.Descriptor);
        registry.EnsureComplete(RoundsMethods.Descriptor);
        registry.EnsureComplete(HealthMethods.Descriptor);
        return registry;
    }

    // ---------------------------------------------------------------- authorization

    /// <summary>The enrolled participant bound to the caller's client certificate.</summary>
    private string Caller(ServerCallContext context, string method)
    {
        if (context.PeerIdentity is not { } peer)
        {
            throw Refuse(method, "(anonymous)", StatusCode.Unauthenticated, ErrorReason.IdentityMismatch,
                "a client certificate issued by the consortium CA is required");
        }

        foreach (ParticipantConfig p in _config.Participants)
        {
            bool byHash = p.CertificateSha256 is { } h && string.Equals(h, peer.Sha256Fingerprint, StringComparison.OrdinalIgnoreCase);
            bool bySubject = p.CertificateSubject is { } s && string.Equals(s, peer.Subject, StringComparison.Ordinal);
            if (byHash || bySubject)
            {
                if (peer.ParticipantId is { } claimed && !string.Equals(claimed, p.Id, StringComparison.Ordinal))
                {
                    throw Refuse(method, p.Id, StatusCode.PermissionDenied, ErrorReason.IdentityMismatch,
                        $"the client certificate names participant '{claimed}' but is enrolled as '{p.Id}'; fix the certificate or the consortium file");
                }

                _lastSeen[p.Id] = _time.GetUtcNow();
                return p.Id;
            }
        }

        throw Refuse(method, peer.ParticipantId ?? peer.Subject, StatusCode.PermissionDenied, ErrorReason.IdentityMismatch,
            $"the client certificate (SHA-256 {peer.Sha256Fingerprint[..16]}..., subject '{peer.Subject}') is not enrolled in consortium '{_config.Name}'");
    }

    private string Authorize(ServerCallContext context, string method, string claimedId)
    {
        string caller = Caller(context, method);
        if (!string.Equals(claimedId, caller, StringComparison.Ordinal))
        {
            throw Refuse(method, caller, StatusCode.PermissionDenied, ErrorReason.IdentityMismatch,
                $"the request names participant '{claimedId}', but the client certificate belongs to '{caller}'");
        }

        return caller;
    }

    private RpcException Refuse(string method, string participant, StatusCode code, ErrorReason reason, string message, ulong round = 0, uint? chunk = null)
    {
        ServiceLog.Refused(_logger, method, participant, code.ToString(), message);
        return RpcErrors.Error(code, reason, message, round, chunk);
    }

    // ---------------------------------------------------------------- health

    private Task<HealthCheckResponse> CheckHealthAsync(HealthCheckRequest request, ServerCallContext context)
    {
        string[] known = ["", WireKeys.KeyEpochService, WireKeys.RoundsService, WireKeys.HealthService];
        var status = !known.Contains(request.Service, StringComparer.Ordinal)
            ? HealthCheckResponse.Types.ServingStatus.ServiceUnknown
            : Serving ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing;
        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    // ---------------------------------------------------------------- helpers

    private static class Keys
    {
        public const string EpochSeed = "epoch/1/seed";
        public const string EpochHe = "epoch/1/he";
        public const string EpochKey = "epoch/1/collective-key";
        public const string PublicKeySharePrefix = "epoch/1/pk/";

        public static string PublicKeyShare(string id) => PublicKeySharePrefix + id;

        public static string ThresholdPrefix(string recipient) => $"epoch/1/ts/{recipient}/";

        public static string Threshold(string recipient, string sender) => $"epoch/1/ts/{recipient}/{sender}";

        public static string Round(long n) => $"round/{n:D10}";

        public static string Upload(long n, string id) => $"upload/{n:D10}/{id}";

        public static string SharePrefix(long n, string id) => $"dshare/{n:D10}/{id}/";

        public static string Share(long n, string id, int chunk) => $"dshare/{n:D10}/{id}/{chunk:D8}";

        public static string Model(long version) => $"model/{version:D10}";

        public const string ModelPrefix = "model/";
    }

    private static byte[] EncodeModel(long round, int participants, ReadOnlySpan<float> values)
    {
        byte[] bytes = new byte[12 + (values.Length * 4)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, round);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), participants);
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(12 + (4 * i)), values[i]);
        }

        return bytes;
    }

    private static (long Round, int Participants, float[] Values) DecodeModel(byte[] bytes)
    {
        var values = new float[(bytes.Length - 12) / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(12 + (4 * i)));
        }

        return (BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)), values);
    }

    private IEnumerable<Measurement<int>> ParticipantsPerStage()
    {
        if (_current is { } r)
        {
            yield return new Measurement<int>(r.Summands, new KeyValuePair<string, object?>("stage", "submitted"));
            yield return new Measurement<int>(r.SharesReceived.Length, new KeyValuePair<string, object?>("stage", "decryption_answered"));
        }
    }

    private static WireStage ToWire(CoreStage stage) => stage switch
    {
        CoreStage.Open => WireStage.Open,
        CoreStage.Collecting => WireStage.Collecting,
        CoreStage.Decrypting => WireStage.Decrypting,
        CoreStage.Published => WireStage.Published,
        CoreStage.Aborted => WireStage.Aborted,
        _ => WireStage.Unspecified,
    };

    private void Wake() => _wake.Release();

    private static IEnumerable<ChunkRange> Ranges(IEnumerable<int> indices)
    {
        ChunkRange? current = null;
        foreach (int i in indices.Order())
        {
            if (current is not null && current.First + current.Count == (uint)i)
            {
                current.Count++;
                continue;
            }

            if (current is not null)
            {
                yield return current;
            }

            current = new ChunkRange { First = (uint)i, Count = 1 };
        }

        if (current is not null)
        {
            yield return current;
        }
    }

    private async Task<RoundState> RequireRoundAsync(ulong requested, string method, string caller, CancellationToken ct)
    {
        RoundState? r = requested == 0
            ? await _store.GetLatestRoundAsync(ct).ConfigureAwait(false)
            : await _store.GetRoundAsync((long)requested, ct).ConfigureAwait(false);
        return r ?? throw Refuse(method, caller, StatusCode.NotFound, ErrorReason.NotFound,
            requested == 0 ? "no round has been opened yet (the key epoch may still be collecting public-key shares)" : $"round {requested} does not exist", requested);
    }

    private async Task<RoundParameters> RoundParametersAsync(long round, CancellationToken ct)
    {
        if (_roundParameters.TryGetValue(round, out RoundParameters? p))
        {
            return p;
        }

        byte[] doc = await _docs.GetAsync(Keys.Round(round), ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"round {round}'s parameters are missing from the database");
        long baseVersion = BinaryPrimitives.ReadInt64LittleEndian(doc.AsSpan(32));
        ulong maxWeight = doc.Length >= 48 ? BinaryPrimitives.ReadUInt64LittleEndian(doc.AsSpan(40)) : 1; // rounds opened before weights: 1
        p = RoundParameters.Create(
            (ulong)round, (ulong)baseVersion, EpochId, _layout, _preset.Scheme, _preset.Name, _ddg, _preset.Ddg.ParameterSetId(_preset.IsInsecureForTests), doc.AsSpan(0, 32), maxWeight);
        return _roundParameters.GetOrAdd(round, p);
    }

    /// <summary>Every scheme validates and adds through its <see cref="CiphertextScheme"/>.</summary>
    private static IChunkAdder ChunkAdder(ProtocolPreset preset) => new SchemeChunkAdder(preset.Scheme);

    /// <summary>Whether <paramref name="id"/> made an authenticated call within <see cref="LivenessWindow"/> (not since a restart: unknown = not live).</summary>
    private bool IsLive(string id, DateTimeOffset now) => _lastSeen.TryGetValue(id, out DateTimeOffset seen) && now - seen <= LivenessWindow;

    /// <summary>
    /// The decryption set: all N when t = N; otherwise t members ranked live uploaders, live non-uploaders, then the
    /// rest (uploaders first), Shamir point order within each group. Fixed once per round; a member that then does not
    /// answer by the decrypt deadline still aborts the round.
    /// </summary>
    private string[] ChooseDecryptionSet(RoundState r)
    {
        if (_config.Threshold == _points.Count)
        {
            return [.. _points.Keys];
        }

        DateTimeOffset now = _time.GetUtcNow();
        return [.. _points.Keys
            .OrderBy(id => IsLive(id, now) ? 0 : 1)
            .ThenBy(id => RoundState.Has(r.Contributors, id) ? 0 : 1)
            .ThenBy(id => _points[id])
            .Take(_config.Threshold)];
    }

    private int[] SetPoints(RoundState r) => r.DecryptionSet.Select(id => _points[id]).Order().ToArray();

    private string[] SetInPointOrder(RoundState r) => r.DecryptionSet.OrderBy(id => _points[id]).ToArray();
}
