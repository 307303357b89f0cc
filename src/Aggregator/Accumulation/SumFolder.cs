using SecAgg.Aggregator.Storage;

namespace SecAgg.Aggregator.Accumulation;

/// <summary>
/// The homomorphic fold. Keeps each collecting round's <see cref="RunningSum"/> in memory and brings it up to what the
/// store says the round counts: every counted upload not in it yet is read back from its staged chunks (checked
/// against their SHA-256) and added chunk by chunk. When the running sum is missing (after a restart) or stale
/// (another process counted or sealed), it is rebuilt from the round's durable sum and the staged chunks of the counted
/// uploads, so it is always exactly the durable sum plus the counted uploads folded. <see cref="SealAsync"/> writes it as
/// the round's new durable sum. Memory: one sum per collecting round plus one staged chunk being read.
/// Not thread-safe: <see cref="UploadAccumulator"/> serializes every call.
/// </summary>
internal sealed class SumFolder(IAggregatorStore store, IChunkAdder adder)
{
    /// <summary>Rebuilds in a row before giving up (each one follows a change by another process, or a lost upload taken back).</summary>
    private const int MaxAttempts = 8;

    private readonly Dictionary<long, RunningSum> _sums = [];

    /// <summary>
    /// Folds every counted upload of <paramref name="round"/> that its running sum does not hold yet. A counted upload
    /// whose staged chunk is lost has its count taken back (<see cref="IAggregatorStore.DropLostChunkAsync"/>) and is
    /// returned with where to resume; the others are folded. Returns the round's sum contents as folded.
    /// </summary>
    public async Task<(SumContents Contents, List<StagedChunkLostException> Lost)> CatchUpAsync(long round, CancellationToken ct)
    {
        var lost = new List<StagedChunkLostException>();
        for (int attempt = 1; ; attempt++)
        {
            var contents = await store.GetSumContentsAsync(round, ct).ConfigureAwait(false);
            if (contents.Pending.Count == 0)
            {
                _sums.Remove(round); // the durable sum is the whole sum: nothing to hold in memory
                return (contents, lost);
            }

            try
            {
                var sum = await CurrentAsync(contents, ct).ConfigureAwait(false);
                foreach (string participant in contents.Pending.Where(p => !sum.Members.Contains(p)))
                {
                    await FoldAsync(sum, participant, ct).ConfigureAwait(false);
                }

                return (contents, lost);
            }
            catch (StagedChunkLostException e)
            {
                _sums.Remove(round); // that upload is partly in it
                await store.DropLostChunkAsync(round, e.ParticipantId, e.ChunkIndex, ct).ConfigureAwait(false);
                lost.Add(e);
            }
            catch (StoreConflictException) when (attempt < MaxAttempts)
            {
                _sums.Remove(round); // another process sealed or changed the round meanwhile: read it again
            }
        }
    }

    /// <summary>
    /// Makes the round's durable sum exact: folds what is pending (as <see cref="CatchUpAsync"/>) and stores the running
    /// sum as the new durable sum (<see cref="IAggregatorStore.SealSumAsync"/>); then forgets it. Nothing is written when no
    /// counted upload is pending. Returns the number of uploads in the durable sum.
    /// </summary>
    public async Task<int> SealAsync(long round, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            var (contents, _) = await CatchUpAsync(round, ct).ConfigureAwait(false);
            if (contents.Pending.Count == 0)
            {
                return contents.SealedSummands;
            }

            var sum = _sums[round];
            try
            {
                await store.SealSumAsync(round, sum.SealedSummands, [.. sum.Members], sum.Chunks, ct).ConfigureAwait(false);
                return sum.Summands;
            }
            catch (StoreConflictException) when (attempt < MaxAttempts)
            {
                // Another process counted or sealed meanwhile: catch up again.
            }
            finally
            {
                _sums.Remove(round);
            }
        }
    }

    /// <summary>The round's running sum if it is still part of <paramref name="contents"/>, else one started from the durable sum.</summary>
    private async Task<RunningSum> CurrentAsync(SumContents contents, CancellationToken ct)
    {
        if (_sums.TryGetValue(contents.Round, out var held) && held.IsPartOf(contents))
        {
            return held;
        }

        _sums.Remove(contents.Round);
        var sum = new RunningSum(contents.Round, contents.ChunkCount, contents.SealedSummands);
        for (int i = 0; i < contents.ChunkCount && contents.SealedSummands > 0; i++)
        {
            var sealedChunk = await store.ReadSumChunkAsync(contents.Round, i, ct).ConfigureAwait(false);
            if (sealedChunk is not { } s || s.Summands != contents.SealedSummands)
            {
                throw new StoreConflictException($"round {contents.Round}'s durable sum changed while it was read");
            }

            sum.Start(adder, i, s.Sum);
        }

        _sums[contents.Round] = sum;
        return sum;
    }

    private async Task FoldAsync(RunningSum sum, string participant, CancellationToken ct)
    {
        try
        {
            for (int i = 0; i < sum.ChunkCount; i++)
            {
                int index = i;
                await store.ReadStagedChunkAsync(sum.Round, participant, index, addend => sum.Add(adder, index, addend), ct).ConfigureAwait(false);
            }
        }
        catch
        {
            _sums.Remove(sum.Round); // part of this upload is in it: the next catch-up rebuilds it from the stored bytes
            throw;
        }

        sum.Commit(participant);
    }
}
