using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;

namespace SecAgg.Aggregator.Accumulation;

/// <summary>
/// Counts complete uploads and folds them into the running sum, one batch at a time. Uploads completing while a batch
/// runs wait and are then counted together in one store transaction (group commit:
/// <see cref="IAggregatorStore.CountUploadsAsync"/>) and folded (<see cref="SumFolder.CatchUpAsync"/>). Every use of the
/// <see cref="SumFolder"/> (batches, recovery, seals) runs under one gate, so it is never used concurrently.
/// </summary>
internal sealed class GroupCommit(IAggregatorStore store, SumFolder folder, Func<RoundState, string, RoundState> countUpload)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<PendingCount> _pending = [];

    /// <summary>Runs <paramref name="fold"/> alone with the folder (no batch runs meanwhile).</summary>
    public async Task<T> ExclusiveAsync<T>(Func<SumFolder, Task<T>> fold, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await fold(folder).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Counts <paramref name="participant"/>'s complete upload (with whatever else is pending) and folds it; returns the
    /// round state after its batch. The upload counts completely or not at all.
    /// </summary>
    /// <exception cref="RoundStateException">It cannot count (already counted, late, not enrolled).</exception>
    /// <exception cref="StagedChunkLostException">A staged chunk of it was lost; its count was taken back.</exception>
    /// <exception cref="InvalidOperationException">Not every chunk is staged.</exception>
    public async Task<RoundState> CountAsync(long round, string participant, CancellationToken ct)
    {
        var mine = new PendingCount(round, participant);
        lock (_pending)
        {
            _pending.Add(mine);
        }

        try
        {
            // The batch itself is not cancelled by one caller: it may carry other participants' uploads.
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (!mine.Result.Task.IsCompleted)
                {
                    await RunPendingAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                _gate.Release();
            }

            return await mine.Result.Task.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!mine.Result.Task.IsCompleted)
        {
            lock (_pending)
            {
                _pending.Remove(mine);
            }

            throw;
        }
    }

    /// <summary>Counts and folds every pending upload, one batch per round. Runs under the gate.</summary>
    private async Task RunPendingAsync()
    {
        List<PendingCount> batch;
        lock (_pending)
        {
            batch = [.. _pending];
            _pending.Clear();
        }

        foreach (var group in batch.GroupBy(p => p.Round))
        {
            // A participant may be pending twice (two streams completing at once): the second waits for the next batch.
            var first = group.DistinctBy(p => p.Participant, StringComparer.Ordinal).ToList();
            var again = group.Except(first).ToList();
            if (again.Count > 0)
            {
                lock (_pending)
                {
                    _pending.AddRange(again);
                }
            }

            await CountGroupAsync(group.Key, first).ConfigureAwait(false);
            if (again.Count > 0)
            {
                await RunPendingAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task CountGroupAsync(long round, List<PendingCount> group)
    {
        IReadOnlyList<CountOutcome> outcomes;
        try
        {
            // The running sum first (a rebuild after a restart reads the durable sum: if that fails, nothing is counted).
            await folder.CatchUpAsync(round, CancellationToken.None).ConfigureAwait(false);
            outcomes = await store.CountUploadsAsync(round, [.. group.Select(p => p.Participant)], countUpload, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception) when (group.Count > 1)
        {
            // Something failed for the batch (nothing committed): count one by one so only the culprit fails.
            foreach (var p in group)
            {
                await CountGroupAsync(round, [p]).ConfigureAwait(false);
            }

            return;
        }
        catch (Exception e)
        {
            group[0].Result.TrySetException(e);
            return;
        }

        // Counted: add them into the running sum. One whose staged chunk turns out lost (a power cut, a damaged disk)
        // is taken back and told where to resume.
        Dictionary<string, StagedChunkLostException> lost;
        try
        {
            lost = (await folder.CatchUpAsync(round, CancellationToken.None).ConfigureAwait(false)).Lost.ToDictionary(e => e.ParticipantId, StringComparer.Ordinal);
        }
        catch (Exception e)
        {
            // The counts stand (a retry is answered as a duplicate); the sum is rebuilt from the staged chunks when sealed.
            group.ForEach(p => p.Result.TrySetException(e));
            return;
        }

        foreach (var (p, o) in group.Zip(outcomes))
        {
            if (lost.TryGetValue(p.Participant, out var gone))
            {
                p.Result.TrySetException(gone);
            }
            else if (o.Error is null)
            {
                p.Result.TrySetResult(o.Round!);
            }
            else
            {
                p.Result.TrySetException(o.Error);
            }
        }
    }

    private sealed class PendingCount(long round, string participant)
    {
        public long Round { get; } = round;

        public string Participant { get; } = participant;

        public TaskCompletionSource<RoundState> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
