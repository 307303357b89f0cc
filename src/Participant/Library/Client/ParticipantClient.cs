using SecAgg.Participant.State;
using SecAgg.Participant.Tensors;

namespace SecAgg.Participant.Client;

/// <summary>
/// A participant of a SecAgg consortium over gRPC with mutual TLS: joins the key epoch (<see cref="KeyEpochJoin"/>),
/// submits encrypted updates (quantized, noised and encrypted in parallel, streamed with back-pressure, resumed after a
/// broken stream; <see cref="UploadSession"/>), answers decryption requests through the one-share-per-ciphertext guard
/// (<see cref="DecryptionResponder"/>), and downloads the global model (<see cref="ModelFetcher"/>). Transient failures
/// of unary calls are retried (bounded, logged). All state that must survive a restart lives in
/// <see cref="ParticipantClientOptions.StateDirectory"/>.
/// </summary>
public sealed class ParticipantClient : IDisposable
{
    private readonly AggregatorSession _session;
    private readonly KeyEpochJoin _join;
    private readonly UploadSession _upload;
    private readonly DecryptionResponder _decryption;
    private readonly ModelFetcher _models;

    /// <summary>Creates the client; no call is made until the first operation.</summary>
    public ParticipantClient(ParticipantClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ParticipantId, nameof(options));
        _session = new AggregatorSession(options);
        _join = new KeyEpochJoin(_session);
        _upload = new UploadSession(_session, _join);
        _decryption = new DecryptionResponder(_session);
        _models = new ModelFetcher(_session);
    }

    /// <summary>The local state directory.</summary>
    public ParticipantState State => _session.State;

    /// <summary>
    /// Joins the current key epoch: generates and stores the secret-key share, uploads the public-key share exactly
    /// once, relays the Shamir shares of the secret and combines the ones addressed to it, then fetches the collective
    /// key and checks its digest and that its own contribution is included unchanged. Waits while others have not joined yet.
    /// </summary>
    /// <exception cref="InvalidDataException">The aggregator's key does not match its digest or omits this participant's share.</exception>
    public Task<JoinResult> JoinAsync(CancellationToken cancellationToken = default) => _join.JoinAsync(cancellationToken);

    /// <summary>Submits a flat update for a round (0 = the newest) with a public weight (1..max_weight).</summary>
    public Task<SubmitResult> SubmitAsync(ReadOnlyMemory<float> update, ulong weight = 1, ulong round = 0, CancellationToken cancellationToken = default) =>
        _upload.SubmitAsync(update, weight, round, cancellationToken);

    /// <summary>Submits named tensors (flattened in the round's layout order; names and shapes must match it).</summary>
    public Task<SubmitResult> SubmitAsync(IReadOnlyList<NamedTensor> tensors, ulong weight = 1, ulong round = 0, CancellationToken cancellationToken = default) =>
        _upload.SubmitAsync(tensors, weight, round, cancellationToken);

    /// <summary>
    /// Answers a round's decryption requests (waits while the round is still collecting). Returns the number of shares
    /// uploaded (0 when this participant is not in the decryption set or the round ended).
    /// </summary>
    public Task<int> AnswerDecryptionAsync(ulong round, CancellationToken cancellationToken = default) => _decryption.AnswerAsync(round, cancellationToken);

    /// <summary>Waits until a round is published and returns the model version it published.</summary>
    /// <exception cref="InvalidOperationException">The round was aborted (the message says why; nothing was decrypted).</exception>
    public Task<ulong> WaitForPublicationAsync(ulong round, CancellationToken cancellationToken = default) => _models.WaitForPublicationAsync(round, cancellationToken);

    /// <summary>Downloads a published global model (0 = the newest) and checks its digest.</summary>
    /// <exception cref="InvalidDataException">The stream is malformed or the values do not match the header's digest.</exception>
    public Task<GlobalModel> FetchGlobalModelAsync(ulong modelVersion = 0, CancellationToken cancellationToken = default) => _models.FetchAsync(modelVersion, cancellationToken);

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();
}
