using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Participant.Rounds;
using SecAgg.Participant.State;
using SecAgg.Proto.V1;
using SecAgg.Protocol;

namespace SecAgg.Participant.Client;

/// <summary>
/// What the parts of a <see cref="ParticipantClient"/> share: the options, the state directory, the channel with the
/// generated KeyEpoch and Rounds clients, the retry policies, the log, and the key epoch once described.
/// </summary>
internal sealed class AggregatorSession : IDisposable
{
    private readonly AggregatorChannel _channel;
    private ParticipantEpoch? _epoch;

    public AggregatorSession(ParticipantClientOptions options)
    {
        Options = options;
        State = ParticipantState.Open(options.StateDirectory);
        Logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("SecAgg.Participant");
        _channel = AggregatorChannel.Create(options.Aggregator, options.ClientCertificate, options.CertificateAuthority, options.Channel with { DefaultCallDeadline = options.CallTimeout });
        KeyEpoch = new KeyEpoch.KeyEpochClient(_channel.CallInvoker);
        Rounds = new Proto.V1.Rounds.RoundsClient(_channel.CallInvoker);
        Retry = new Resilience(options, Logger);
    }

    public ParticipantClientOptions Options { get; }

    public string Id => Options.ParticipantId;

    public ParticipantState State { get; }

    public ILogger Logger { get; }

    public KeyEpoch.KeyEpochClient KeyEpoch { get; }

    public Proto.V1.Rounds.RoundsClient Rounds { get; }

    public Resilience Retry { get; }

    /// <summary>Call options with the caller's cancellation (the channel adds the default deadline).</summary>
    public static CallOptions Call(CancellationToken ct) => new(cancellationToken: ct);

    /// <summary>The current key epoch, described once per client.</summary>
    public async Task<ParticipantEpoch> EpochAsync(CancellationToken ct)
    {
        if (_epoch is not null)
        {
            return _epoch;
        }

        EpochInfo info = await Retry.ReadAsync("GetEpochInfo", t => KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest(), Call(t)).ResponseAsync, ct).ConfigureAwait(false);
        return Describe(info);
    }

    /// <summary>Describes (and keeps) the epoch of <paramref name="info"/> from this participant's point of view.</summary>
    /// <exception cref="InvalidOperationException">This participant is not enrolled.</exception>
    public ParticipantEpoch Describe(EpochInfo info)
    {
        int index = info.Participants.ToList().FindIndex(p => p.ParticipantId == Id);
        if (index < 0)
        {
            throw new InvalidOperationException($"'{Id}' is not enrolled in consortium '{info.ConsortiumId}'; check --id against the consortium file.");
        }

        int parties = info.Participants.Count;
        CiphertextScheme he = ContractMapping.SchemeFromContract(info.HeParameters, parties, (int)info.Threshold, Options.AllowInsecureForTests);
        var ids = info.Participants.Select(p => p.ParticipantId).ToList();
        return _epoch = new ParticipantEpoch(info.EpochId, index + 1, parties, (int)info.Threshold, new ParticipantCrypto(he, index + 1, State), ids);
    }

    public void Dispose() => _channel.Dispose();
}
