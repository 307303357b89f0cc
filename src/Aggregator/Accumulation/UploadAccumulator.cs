using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Aggregator.Logging;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;

namespace SecAgg.Aggregator.Accumulation;

/// <summary>
/// Takes upload chunks off the wire and counts complete uploads into the round's ciphertext sum, exactly once. A
/// chunk is checked, then staged (it survives kill -9); when the last chunk of an upload is staged the upload is
/// counted in one store transaction (<see cref="IAggregatorStore.CountUploadsAsync"/>, with every other upload that
/// completed meanwhile) and then folded into the round's running sum in memory (<see cref="SumFolder"/>). The staged
/// chunks of the counted uploads are the crash story: after a restart the running sum is rebuilt from them.
/// <see cref="SealAsync"/> writes the running sum as the round's one durable sum when collection closes. So an upload
/// counts completely and once, or not at all, whatever crashes when.
/// Memory: the chunks in flight plus one running sum per collecting round, whatever the number of uploads.
/// </summary>
public sealed class UploadAccumulator
{
    private readonly IAggregatorStore _store;
    private readonly IChunkAdder _adder;
    private readonly RoundLifecycle _lifecycle;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GroupCommit _commit;
    private readonly Func<long, string, CancellationToken, Task<bool>>? _readyToCount;

    /// <summary>Creates an accumulator over <paramref name="store"/>.</summary>
    /// <remarks>With <paramref name="readyToCount"/> a complete upload counts only once it says yes (protocol v2: the upload's
    /// signed commitment verified against the held chunks); otherwise (null) as soon as its last chunk is held.</remarks>
    public UploadAccumulator(
        IAggregatorStore store, IChunkAdder adder, RoundLifecycle lifecycle, TimeProvider time, ILogger<UploadAccumulator>? logger = null,
        Func<long, string, CancellationToken, Task<bool>>? readyToCount = null)
    {
        _readyToCount = readyToCount;
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _adder = adder ?? throw new ArgumentNullException(nameof(adder));
        _lifecycle = lifecycle ?? throw new ArgumentNullException(nameof(lifecycle));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _commit = new GroupCommit(store, new SumFolder(store, adder), (r, who) => _lifecycle.CountUpload(r, who, _time.GetUtcNow()));
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

        long t0 = Stopwatch.GetTimestamp();
        bool valid = _adder.TryValidate(chunk.ChunkIndex, chunk.Payload.Span, out string? problem);
        IngestMetrics.Record(IngestMetrics.Validate, t0);
        if (!valid)
        {
            throw new UploadRefusedException(UploadRefusal.Malformed, $"chunk {chunk.ChunkIndex} is malformed: {problem}");
        }

        int next = progress.NextChunkIndex;
        if (chunk.ChunkIndex > next)
        {
            throw new UploadRefusedException(UploadRefusal.OutOfOrder,
                $"chunk {chunk.ChunkIndex} arrived before chunk {next}; chunks are sent in order, resume from chunk {next}");
        }

        t0 = Stopwatch.GetTimestamp();
        var outcome = await _store.StageChunkAsync(chunk, ct).ConfigureAwait(false);
        if (outcome == StageOutcome.Conflict)
        {
            throw new UploadRefusedException(UploadRefusal.ConflictingChunk,
                $"chunk {chunk.ChunkIndex} differs from the chunk {chunk.ChunkIndex} already held; restart the upload to replace it");
        }

        progress = await _store.GetUploadProgressAsync(round.Number, who, ct).ConfigureAwait(false);
        IngestMetrics.Record(IngestMetrics.Stage, t0);
        next = progress.NextChunkIndex;
        if (next < round.ChunkCount)
        {
            return new ChunkReceipt(next, outcome == StageOutcome.AlreadyHeld, Counted: false, round.Summands);
        }

        // Every chunk is held (this one completed it, or a resend after a crash before the count): count it now, unless
        // the count waits for the upload's commitment.
        if (_readyToCount is not null && !await _readyToCount(round.Number, who, ct).ConfigureAwait(false))
        {
            return new ChunkReceipt(next, outcome == StageOutcome.AlreadyHeld, Counted: false, round.Summands);
        }

        var counted = await Count(round.Number, who, ct).ConfigureAwait(false);
        return new ChunkReceipt(next, outcome == StageOutcome.AlreadyHeld, Counted: true, counted.Summands);
    }

    /// <summary>
    /// Counts <paramref name="participant"/>'s upload to the current round if every chunk is held and it is not counted yet
    /// (called once its commitment verified). Returns the round after, or null when chunks are still missing.
    /// </summary>
    /// <exception cref="UploadRefusedException">Not enrolled, not the current round, or the round stopped collecting.</exception>
    public async Task<RoundState?> CountIfCompleteAsync(long round, string participant, CancellationToken cancellationToken = default)
    {
        var progress = await GetProgressAsync(round, participant, cancellationToken).ConfigureAwait(false);
        var r = await CurrentRound(round, cancellationToken).ConfigureAwait(false);
        if (progress.Counted)
        {
            return r;
        }

        if (progress.NextChunkIndex < r.ChunkCount)
        {
            return null;
        }

        if (!RoundLifecycle.IsAcceptingUploads(r, _time.GetUtcNow()))
        {
            throw new UploadRefusedException(UploadRefusal.Late,
                $"round {r.Number} is {RoundStages.Name(r.Stage)} and stopped collecting at {r.CollectDeadline:O}; wait for the next round");
        }

        return await Count(r.Number, participant, cancellationToken).ConfigureAwait(false);
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
    /// At start-up: counts every upload whose chunks were all staged before a crash but not yet counted, and rebuilds
    /// each collecting round's running sum from the staged chunks of its counted uploads. Returns how many were counted.
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
                if (!progress.Counted && progress.NextChunkIndex == round.ChunkCount && _lifecycle.Policy.IsEnrolled(p)
                    && (_readyToCount is null || await _readyToCount(round.Number, p, cancellationToken).ConfigureAwait(false)))
                {
                    await Count(round.Number, p, cancellationToken).ConfigureAwait(false);
                    Log.RecoveredUpload(_logger, round.Number, p);
                    recovered++;
                }
            }

            await _commit.ExclusiveAsync(f => f.CatchUpAsync(round.Number, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        return recovered;
    }

    /// <summary>
    /// Writes the round's running sum as its durable sum (one write, fsynced, per round: call it when collection
    /// closes, before the aggregate is read with <see cref="IAggregatorStore.ReadSumChunkAsync"/>). The counted uploads'
    /// staged chunks are deleted with it. Nothing is written when every counted upload is already in the durable sum.
    /// Returns how many uploads the durable sum holds.
    /// </summary>
    /// <exception cref="StoreCorruptException">A counted upload's bytes or the durable sum are lost or damaged.</exception>
    public Task<int> SealAsync(long round, CancellationToken cancellationToken = default) =>
        _commit.ExclusiveAsync(f => f.SealAsync(round, cancellationToken), cancellationToken);

    /// <summary>Counts a complete upload and folds it into the running sum (<see cref="GroupCommit"/>); a refusal becomes its <see cref="UploadRefusal"/>.</summary>
    private async Task<RoundState> Count(long round, string participant, CancellationToken ct)
    {
        long t0 = Stopwatch.GetTimestamp();
        try
        {
            return await _commit.CountAsync(round, participant, ct).ConfigureAwait(false);
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
        catch (StagedChunkLostException e)
        {
            throw new UploadRefusedException(UploadRefusal.OutOfOrder, e.Message);
        }
        finally
        {
            IngestMetrics.Record(IngestMetrics.Count, t0);
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
