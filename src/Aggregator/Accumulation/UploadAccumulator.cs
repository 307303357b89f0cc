using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Aggregator.Logging;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;

namespace SecAgg.Aggregator.Accumulation;

/// <summary>
/// Takes upload chunks off the wire and folds complete uploads into the round's running ciphertext sum,
/// exactly once. A chunk is checked, then staged durably; when the last chunk of an upload is staged the whole
/// upload is added into the sum in one store transaction (<see cref="IAggregatorStore.FoldUploadAsync"/>), with the
/// record that it counted. So an upload counts completely and once, or not at all, whatever crashes when.
/// Memory is bounded by one chunk (plus one sum chunk during a fold), never by the model size.
/// </summary>
public sealed class UploadAccumulator
{
    private readonly IAggregatorStore _store;
    private readonly IChunkAdder _adder;
    private readonly RoundLifecycle _lifecycle;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates an accumulator over <paramref name="store"/>.</summary>
    public UploadAccumulator(IAggregatorStore store, IChunkAdder adder, RoundLifecycle lifecycle, TimeProvider time, ILogger<UploadAccumulator>? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _adder = adder ?? throw new ArgumentNullException(nameof(adder));
        _lifecycle = lifecycle ?? throw new ArgumentNullException(nameof(lifecycle));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Accepts one chunk. Chunks of an upload arrive in order from index 0; a resent chunk with the same bytes is
    /// acknowledged again without effect. The last chunk counts the upload.
    /// </summary>
    /// <exception cref="UploadRefusedException">The chunk is refused (see <see cref="UploadRefusal"/>); nothing changed.</exception>
    public async Task<ChunkReceipt> ReceiveChunkAsync(ChunkUpload chunk, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        try
        {
            return await ReceiveCore(chunk, cancellationToken).ConfigureAwait(false);
        }
        catch (UploadRefusedException e)
        {
            Log.ChunkRefused(_logger, chunk.Round, chunk.ParticipantId ?? "", chunk.ChunkIndex, e.Refusal.ToString(), e.Message);
            throw;
        }
    }

    private async Task<ChunkReceipt> ReceiveCore(ChunkUpload chunk, CancellationToken ct)
    {
        string who = chunk.ParticipantId;
        if (string.IsNullOrEmpty(who) || !_lifecycle.Policy.IsEnrolled(who))
        {
            throw new UploadRefusedException(UploadRefusal.NotEnrolled, $"'{who}' is not an enrolled participant");
        }

        var round = await CurrentRound(chunk.Round, ct).ConfigureAwait(false);
        var progress = await _store.GetUploadProgressAsync(round.Number, who, ct).ConfigureAwait(false);
        if (progress.Counted)
        {
            throw new UploadRefusedException(UploadRefusal.Duplicate, $"your upload to round {round.Number} is already counted; it is never counted twice");
        }

        if (!RoundLifecycle.IsAcceptingUploads(round, _time.GetUtcNow()))
        {
            throw new UploadRefusedException(UploadRefusal.Late,
                $"round {round.Number} is {RoundStages.Name(round.Stage)} and stopped collecting at {round.CollectDeadline:O}; wait for the next round");
        }

        if (!chunk.ParameterDigest.Span.SequenceEqual(round.ParameterDigest.AsSpan()))
        {
            throw new UploadRefusedException(UploadRefusal.WrongParameters,
                $"the upload was encrypted under different parameters than round {round.Number}'s (parameter digest mismatch); fetch the round's parameters and re-encrypt");
        }

        if (chunk.TotalChunks != round.ChunkCount)
        {
            throw new UploadRefusedException(UploadRefusal.WrongParameters,
                $"the upload says it has {chunk.TotalChunks} chunks; round {round.Number} expects {round.ChunkCount}");
        }

        if (chunk.ChunkIndex < 0 || chunk.ChunkIndex >= round.ChunkCount)
        {
            throw new UploadRefusedException(UploadRefusal.Malformed, $"chunk index {chunk.ChunkIndex} is outside 0..{round.ChunkCount - 1}");
        }

        if (!_adder.TryValidate(chunk.ChunkIndex, chunk.Payload.Span, out string? problem))
        {
            throw new UploadRefusedException(UploadRefusal.Malformed, $"chunk {chunk.ChunkIndex} is malformed: {problem}");
        }

        int next = progress.NextChunkIndex;
        if (chunk.ChunkIndex > next)
        {
            throw new UploadRefusedException(UploadRefusal.OutOfOrder,
                $"chunk {chunk.ChunkIndex} arrived before chunk {next}; chunks are sent in order, resume from chunk {next}");
        }

        var outcome = await _store.StageChunkAsync(chunk, ct).ConfigureAwait(false);
        if (outcome == StageOutcome.Conflict)
        {
            throw new UploadRefusedException(UploadRefusal.ConflictingChunk,
                $"chunk {chunk.ChunkIndex} differs from the chunk {chunk.ChunkIndex} already held; restart the upload to replace it");
        }

        progress = await _store.GetUploadProgressAsync(round.Number, who, ct).ConfigureAwait(false);
        next = progress.NextChunkIndex;
        if (next < round.ChunkCount)
        {
            return new ChunkReceipt(next, outcome == StageOutcome.AlreadyHeld, Counted: false, round.Summands);
        }

        // Every chunk is held (this one completed it, or a resend after a crash before the count): count it now.
        var counted = await Count(round.Number, who, ct).ConfigureAwait(false);
        return new ChunkReceipt(next, outcome == StageOutcome.AlreadyHeld, Counted: true, counted.Summands);
    }

    /// <summary>Which chunks of a participant's upload to the current round are held (to resume after a broken stream).</summary>
    /// <exception cref="UploadRefusedException">Not enrolled, or not the current round.</exception>
    public async Task<UploadProgress> GetProgressAsync(long round, string participant, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(participant) || !_lifecycle.Policy.IsEnrolled(participant))
        {
            throw new UploadRefusedException(UploadRefusal.NotEnrolled, $"'{participant}' is not an enrolled participant");
        }

        var r = await CurrentRound(round, cancellationToken).ConfigureAwait(false);
        return await _store.GetUploadProgressAsync(r.Number, participant, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the participant's staged chunks so it can send its upload again from chunk 0.</summary>
    /// <exception cref="UploadRefusedException">The upload is already counted (Duplicate), or not the current round.</exception>
    public async Task RestartUploadAsync(long round, string participant, CancellationToken cancellationToken = default)
    {
        var progress = await GetProgressAsync(round, participant, cancellationToken).ConfigureAwait(false);
        if (progress.Counted)
        {
            throw new UploadRefusedException(UploadRefusal.Duplicate, $"your upload to round {round} is already counted and cannot be replaced");
        }

        await _store.DiscardStagedChunksAsync(round, participant, cancellationToken).ConfigureAwait(false);
        Log.UploadRestarted(_logger, round, participant, progress.HeldChunks.Count);
    }

    /// <summary>
    /// At start-up: counts every upload whose chunks were all staged before a crash but not yet counted.
    /// Returns how many were counted.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken = default)
    {
        int recovered = 0;
        var now = _time.GetUtcNow();
        foreach (var round in await _store.GetUnfinishedRoundsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!RoundLifecycle.IsAcceptingUploads(round, now))
            {
                continue;
            }

            foreach (string p in await _store.GetParticipantsWithStagedChunksAsync(round.Number, cancellationToken).ConfigureAwait(false))
            {
                var progress = await _store.GetUploadProgressAsync(round.Number, p, cancellationToken).ConfigureAwait(false);
                if (!progress.Counted && progress.NextChunkIndex == round.ChunkCount && _lifecycle.Policy.IsEnrolled(p))
                {
                    await Count(round.Number, p, cancellationToken).ConfigureAwait(false);
                    Log.RecoveredUpload(_logger, round.Number, p);
                    recovered++;
                }
            }
        }

        return recovered;
    }

    private async Task<RoundState> Count(long round, string participant, CancellationToken ct)
    {
        try
        {
            return await _store.FoldUploadAsync(round, participant, _adder, r => _lifecycle.CountUpload(r, participant, _time.GetUtcNow()), ct).ConfigureAwait(false);
        }
        catch (RoundStateException e)
        {
            throw new UploadRefusedException(e.Error switch
            {
                RoundError.Duplicate => UploadRefusal.Duplicate,
                RoundError.NotAMember => UploadRefusal.NotEnrolled,
                _ => UploadRefusal.Late,
            }, e.Message);
        }
    }

    private async Task<RoundState> CurrentRound(long number, CancellationToken ct)
    {
        var latest = await _store.GetLatestRoundAsync(ct).ConfigureAwait(false);
        if (latest is null || number > latest.Number || number < 1)
        {
            throw new UploadRefusedException(UploadRefusal.NoSuchRound,
                latest is null ? $"no round is open yet (round {number} requested)" : $"round {number} does not exist; the current round is {latest.Number}");
        }

        if (number < latest.Number)
        {
            throw new UploadRefusedException(UploadRefusal.Replayed, $"round {number} is over; the current round is {latest.Number} (an upload from an earlier round is never counted)");
        }

        return latest;
    }
}
