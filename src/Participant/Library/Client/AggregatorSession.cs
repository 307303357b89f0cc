using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Participant.State;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Participant.Client;

/// <summary>
/// What the parts of a <see cref="ParticipantClient"/> share: the options, the participant's OWN consortium file (its
/// descriptor, planned preset and pinned roster), the statement signer (the enrollment key), the state directory, the
/// channel with the generated KeyEpoch and Rounds clients, the retry policies and the log.
/// </summary>
internal sealed class AggregatorSession : IDisposable
{
    private readonly AggregatorChannel _channel;

    /// <summary>The epoch whose info this session last checked (0: none yet).</summary>
    private long _checkedEpoch;
    private readonly X509Certificate2 _ca;

    /// <exception cref="ConsortiumConfigException">The consortium file does not load (every problem listed).</exception>
    /// <exception cref="IdentityRejectedException">The participant's own certificate is not the one its file pins.</exception>
    /// <exception cref="ArgumentException">The id is not in the file, or the file's preset is the NOT SECURE test preset without <see cref="ParticipantClientOptions.AllowInsecureForTests"/>.</exception>
    public AggregatorSession(ParticipantClientOptions options)
    {
        Options = options;
        Config = ConsortiumConfigLoader.Load(options.ConsortiumFile);
        if (Config.Preset.IsInsecureForTests && !options.AllowInsecureForTests)
        {
            throw new ArgumentException($"The consortium file '{options.ConsortiumFile}' uses he.preset {Config.HePreset}, which is NOT SECURE (tests only); this participant refuses it.");
        }

        if (Config.Descriptor.IndexOf(options.ParticipantId) < 0)
        {
            throw new ArgumentException($"'{options.ParticipantId}' is not a participant of consortium '{Config.Name}' in '{options.ConsortiumFile}'; check --id.");
        }

        _ca = X509Certificate2.CreateFromPem(File.ReadAllText(Config.CaCertificatePath));
        Roster = new PinnedRoster(Config.Descriptor, _ca);
        try
        {
            // The own certificate must be the pinned one: a mismatch is found here, not as a refusal by the aggregator.
            Roster.Admit(options.ParticipantId, options.ClientCertificate);
            Signer = new StatementSigner(options.ClientCertificate);
        }
        catch
        {
            Roster.Dispose();
            _ca.Dispose();
            throw;
        }

        State = ParticipantState.Open(options.StateDirectory);
        Logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("SecAgg.Participant");
        _channel = AggregatorChannel.Create([options.Aggregator, .. options.AlternateAggregators], options.ClientCertificate, _ca, options.Channel with { DefaultCallDeadline = options.CallTimeout });
        CallInvoker invoker = options.TestInterceptor is { } tamper ? _channel.CallInvoker.Intercept(tamper) : _channel.CallInvoker;
        Invoker = invoker;
        KeyEpoch = new KeyEpoch.KeyEpochClient(invoker);
        Rounds = new Proto.V1.Rounds.RoundsClient(invoker);
        Retry = new Resilience(options, Logger);
    }

    public ParticipantClientOptions Options { get; }

    public string Id => Options.ParticipantId;

    /// <summary>The participant's own consortium file.</summary>
    public ConsortiumConfig Config { get; }

    /// <summary>The planned parameters of the own file.</summary>
    public ProtocolPreset Preset => Config.Preset;

    /// <summary>The roster of the own file, trusting only its CA; certificates are admitted as the aggregator relays them.</summary>
    public PinnedRoster Roster { get; }

    /// <summary>Signs this participant's statements with its enrollment key.</summary>
    public StatementSigner Signer { get; }

    public ParticipantState State { get; }

    public ILogger Logger { get; }

    public KeyEpoch.KeyEpochClient KeyEpoch { get; }

    public Proto.V1.Rounds.RoundsClient Rounds { get; }

    /// <summary>The channel's invoker (with the test interceptor, if any) for calls made without the generated clients.</summary>
    public CallInvoker Invoker { get; }

    public Resilience Retry { get; }

    /// <summary>Call options with the caller's cancellation (the channel adds the default deadline).</summary>
    public static CallOptions Call(CancellationToken ct) => new(cancellationToken: ct);

    /// <summary>How long each long poll (approval request, decryption session, publication, key epoch statements) may
    /// wait at the aggregator, which caps it at 60 s; the poll is asked again after it.</summary>
    public const uint LongPollMillis = 20_000;

    /// <summary>The aggregator's view of an epoch (0: the current one), retried on transient failures.</summary>
    public Task<EpochInfo> EpochInfoAsync(ulong epochId, CancellationToken ct) =>
        Retry.ReadAsync("GetEpochInfo", t => KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest { EpochId = epochId }, Call(t)).ResponseAsync, ct);

    /// <summary>
    /// Makes sure this session has checked epoch <paramref name="epochId"/> against the own file and admitted the
    /// certificates the aggregator relays for it: asks for the epoch (<see cref="EpochInfoAsync"/>, then
    /// <see cref="CheckAndAdmit"/>) unless this session already checked that epoch and every roster member's certificate
    /// is admitted. An admitted certificate is the one the consortium file pins (<see cref="PinnedRoster"/> never replaces
    /// it), so asking again could only re-check what was checked: a warm client's rounds skip that round trip twice per
    /// round (its approval and its decryption answer). While a member has no admitted certificate every call asks again,
    /// as each did before; a statement of a member no answer admits is refused by the statement checks.
    /// </summary>
    public async Task AdmitAsync(ulong epochId, CancellationToken ct)
    {
        if ((ulong)Interlocked.Read(ref _checkedEpoch) == epochId && Config.Descriptor.Roster.All(e => Roster.IsAdmitted(e.ParticipantId)))
        {
            return;
        }

        EpochInfo info = await EpochInfoAsync(epochId, ct).ConfigureAwait(false);
        CheckAndAdmit(info);
        if (info.EpochId == epochId)
        {
            Interlocked.Exchange(ref _checkedEpoch, (long)epochId);
        }
    }

    /// <summary>
    /// Checks the aggregator's epoch against the own file (consortium digest, roster order and Shamir points, t) and admits
    /// each relayed certificate that matches its pin (the others are refused by <see cref="PinnedRoster.Admit"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">The aggregator serves another consortium, roster or threshold.</exception>
    /// <exception cref="IdentityRejectedException">A relayed certificate is not the pinned one or does not chain to the CA.</exception>
    public void CheckAndAdmit(EpochInfo info)
    {
        ConsortiumDescriptor own = Config.Descriptor;
        if (!info.ConsortiumDigest.Span.SequenceEqual(own.Digest.Span))
        {
            throw new InvalidDataException(
                $"The aggregator serves consortium '{info.ConsortiumId}' with digest {Hex(info.ConsortiumDigest.Span)}; this participant's file '{Options.ConsortiumFile}' gives {own.FormatDigest()}. Compare the consortium files out of band; nothing was sent.");
        }

        if (info.Participants.Count != own.ParticipantCount || info.Threshold != (uint)own.Threshold)
        {
            throw new InvalidDataException($"The aggregator announces {info.Participants.Count} participants and threshold {info.Threshold}; the own consortium file has {own.ParticipantCount} and {own.Threshold}.");
        }

        for (int i = 0; i < info.Participants.Count; i++)
        {
            ParticipantInfo p = info.Participants[i];
            if (p.ParticipantId != own.Roster[i].ParticipantId || p.ShamirPoint != (ulong)(i + 1))
            {
                throw new InvalidDataException($"The aggregator lists '{p.ParticipantId}' at Shamir point {p.ShamirPoint}; the own consortium file has '{own.Roster[i].ParticipantId}' at {i + 1}.");
            }

            if (!p.CertificateDer.IsEmpty && !Roster.IsAdmitted(p.ParticipantId))
            {
                using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(p.CertificateDer.Span);
                Roster.Admit(p.ParticipantId, certificate);
            }
        }
    }

    /// <summary>The enrollment certificate's SHA-256 (lower-case hex), as the consortium file pins it.</summary>
    public string OwnFingerprint() => Convert.ToHexString(SHA256.HashData(Options.ClientCertificate.RawData)).ToLowerInvariant();

    public void Dispose()
    {
        _channel.Dispose();
        Signer.Dispose();
        Roster.Dispose();
        _ca.Dispose();
    }

    private static string Hex(ReadOnlySpan<byte> digest) => digest.IsEmpty ? "(none)" : Convert.ToHexString(digest).ToLowerInvariant();
}
