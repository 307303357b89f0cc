using SecAgg.Participant.State;
using SecAgg.Participant.Tensors;

namespace SecAgg.Participant.Client;

/// <summary>
/// A participant of a SecAgg consortium (protocol v2, docs/threat-model.md) over gRPC with mutual TLS. It relies only on
/// ITS OWN consortium file (<see cref="ParticipantClientOptions.ConsortiumFile"/>) and on statements it verifies against
/// the certificates pinned there: joins the key epoch by signed commit/reveal and sealed dealing
/// (<see cref="KeyEpochJoin"/>), submits masked updates with a signed commitment (<see cref="UploadSession"/>), approves
/// or refuses a round's upload list (<see cref="ApprovalResponder"/>), answers decryption sessions through its ledger
/// (<see cref="DecryptionResponder"/>) and downloads the global model (<see cref="ModelFetcher"/>). Transient failures
/// are retried (bounded, logged). All state that must survive a restart lives in
/// <see cref="ParticipantClientOptions.StateDirectory"/> (0700, files 0600).
/// </summary>
public sealed class ParticipantClient : IDisposable
{
    private readonly AggregatorSession _session;
    private readonly KeyEpochJoin _join;
    private readonly RoundKeys _roundKeys;
    private readonly UploadSession _upload;
    private readonly ApprovalResponder _approval;
    private readonly DecryptionResponder _decryption;
    private readonly ModelFetcher _models;

    /// <summary>Creates the client from the own consortium file; no call is made until the first operation.</summary>
    /// <exception cref="Protocol.Consortium.ConsortiumConfigException">The consortium file does not load (every problem listed).</exception>
    /// <exception cref="Protocol.Identity.IdentityRejectedException">The client certificate is not the one the file pins for the id.</exception>
    /// <exception cref="ArgumentException">The id is not in the file, or the file uses the NOT SECURE test preset without opting in.</exception>
    public ParticipantClient(ParticipantClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ParticipantId, nameof(options));
        _session = new AggregatorSession(options);
        _join = new KeyEpochJoin(_session);
        _roundKeys = new RoundKeys(_join.LoadKeys, options.KeepEpochKeysBetweenRounds);
        _upload = new UploadSession(_session, _join, _roundKeys);
        _approval = new ApprovalResponder(_session, _upload);
        _decryption = new DecryptionResponder(_session, _roundKeys);
        _models = new ModelFetcher(_session);
    }

    /// <summary>The local state directory.</summary>
    public ParticipantState State => _session.State;

    /// <summary>The consortium digest of the own file, grouped hex (compare it out of band).</summary>
    public string ConsortiumDigest => _session.Config.Descriptor.FormatDigest();

    /// <summary>
    /// Joins the current key epoch: signed commit, then (all N commits in) signed reveal and sealed dealing, then (all
    /// reveals and the blobs addressed to it in) the epoch keys, saved 0600, and the acknowledgement. Resumes from the
    /// state directory after a restart without drawing new secrets. Waits, logging whose contribution is missing.
    /// </summary>
    /// <exception cref="InvalidDataException">The aggregator serves another consortium, roster or threshold.</exception>
    /// <exception cref="Protocol.Epoch.KeyEpochException">A contribution was forged, substituted or is missing (names the participant).</exception>
    public Task<JoinResult> JoinAsync(CancellationToken cancellationToken = default) => _join.JoinAsync(cancellationToken);

    /// <summary>Submits a flat update for a round (0 = the newest) with a public weight (1..max-weight).</summary>
    /// <exception cref="Protocol.ParameterMismatchException">The announced round differs from the own file (the field is named).</exception>
    /// <exception cref="InvalidOperationException">The round will not open (with the aggregator's reason), or a different update was already uploaded to it.</exception>
    public Task<SubmitResult> SubmitAsync(ReadOnlyMemory<float> update, ulong weight = 1, ulong round = 0, CancellationToken cancellationToken = default) =>
        _upload.SubmitAsync(update, weight, round, cancellationToken);

    /// <summary>Submits named tensors (flattened in the round's layout order; names and shapes must match it).</summary>
    public Task<SubmitResult> SubmitAsync(IReadOnlyList<NamedTensor> tensors, ulong weight = 1, ulong round = 0, CancellationToken cancellationToken = default) =>
        _upload.SubmitAsync(tensors, weight, round, cancellationToken);

    /// <summary>Waits for the round's approval request and approves U's list, or refuses it (the answer says why).</summary>
    /// <exception cref="InvalidOperationException">This participant has no upload for the round.</exception>
    public Task<RoundAnswer> ApproveAsync(ulong round, CancellationToken cancellationToken = default) => _approval.ApproveAsync(round, cancellationToken);

    /// <summary>Waits for the round's decryption session and answers it if this participant is in D (the answer says what happened).</summary>
    public Task<RoundAnswer> AnswerDecryptionAsync(ulong round, CancellationToken cancellationToken = default) => _decryption.AnswerAsync(round, cancellationToken);

    /// <summary>Tells the aggregator this participant is leaving (it will not answer a decryption session of the round); never throws for an RPC failure.</summary>
    public Task ReportLeavingAsync(ulong round = 0, CancellationToken cancellationToken = default) => _decryption.ReportPresenceAsync(round, leaving: true, cancellationToken);

    /// <summary>Waits until a round is published and returns the model version it published.</summary>
    /// <exception cref="InvalidOperationException">The round was aborted (the message says why; nothing was decrypted).</exception>
    public Task<ulong> WaitForPublicationAsync(ulong round, CancellationToken cancellationToken = default) => _models.WaitForPublicationAsync(round, cancellationToken);

    /// <summary>
    /// Waits for the round's publication and downloads the model it published, in one request per wait: the model streams
    /// as soon as the round publishes it (a WAN round trip sooner than <see cref="WaitForPublicationAsync"/> and then
    /// <see cref="FetchGlobalModelAsync"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The round was aborted (the message says why; nothing was decrypted).</exception>
    /// <exception cref="InvalidDataException">The stream is malformed or of another round, or the values do not match the header's digest.</exception>
    public Task<GlobalModel> FetchRoundModelAsync(ulong round, CancellationToken cancellationToken = default) => _models.FetchRoundAsync(round, cancellationToken);

    /// <summary>Downloads a published global model (0 = the newest) and checks its digest.</summary>
    /// <exception cref="InvalidDataException">The stream is malformed or the values do not match the header's digest.</exception>
    public Task<GlobalModel> FetchGlobalModelAsync(ulong modelVersion = 0, CancellationToken cancellationToken = default) => _models.FetchAsync(modelVersion, cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        _roundKeys.Dispose();
        _session.Dispose();
    }
}
