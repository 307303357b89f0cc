using SecAgg.Aggregator.Cluster.Staging;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>
/// Fault injection at the one place every fold passes, reading the staged chunks, and the one place every combine
/// passes, reading the stored shares. Armed for an upload (or for the combine), the first such read (on whichever silo
/// the partition, or the round grain, lives) reports that silo and never returns, so the test can kill the silo while
/// the fold is between reading and writing, or the round is between combining and publishing.
/// </summary>
internal sealed class FoldGate : IDisposable
{
    private readonly CancellationTokenSource _released = new();
    private Guid? _armed;
    private bool _combineArmed;
    private TaskCompletionSource<string> _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The silo name of the fold that blocked.</summary>
    public Task<string> Blocked => _blocked.Task;

    /// <summary>Blocks the next read of <paramref name="uploadId"/>'s chunks.</summary>
    public void Arm(Guid uploadId)
    {
        lock (_released)
        {
            _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _armed = uploadId;
        }
    }

    /// <summary>Blocks the next read of stored shares (the round grain combining).</summary>
    public void ArmCombine()
    {
        lock (_released)
        {
            _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _combineArmed = true;
        }
    }

    /// <summary>The staged chunks as silo <paramref name="silo"/> sees them.</summary>
    public IStagedChunks On(string silo, IStagedChunks inner) => new Gated(this, silo, inner);

    /// <summary>The stored shares as silo <paramref name="silo"/> sees them.</summary>
    public IStoredShares On(string silo, IStoredShares inner) => new GatedShares(this, silo, inner);

    private bool TripCombine(string silo)
    {
        lock (_released)
        {
            if (!_combineArmed)
            {
                return false;
            }

            _combineArmed = false;
            _blocked.TrySetResult(silo);
            return true;
        }
    }

    private bool Trip(Guid uploadId, string silo)
    {
        lock (_released)
        {
            if (_armed != uploadId)
            {
                return false;
            }

            _armed = null;
            _blocked.TrySetResult(silo);
            return true;
        }
    }

    public void Dispose()
    {
        _released.Cancel();
        _released.Dispose();
    }

    private sealed class Gated(FoldGate gate, string silo, IStagedChunks inner) : IStagedChunks
    {
        public Task<StageResult> StageAsync(long round, Guid uploadId, string participant, int index, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
            inner.StageAsync(round, uploadId, participant, index, payload, cancellationToken);

        public Task<IReadOnlyList<StagedDigest>> DigestsAsync(long round, Guid uploadId, CancellationToken cancellationToken = default) =>
            inner.DigestsAsync(round, uploadId, cancellationToken);

        public async Task<byte[][]> ReadAsync(long round, Guid uploadId, int start, int end, CancellationToken cancellationToken = default)
        {
            byte[][] chunks = await inner.ReadAsync(round, uploadId, start, end, cancellationToken);
            if (gate.Trip(uploadId, silo))
            {
                await Task.Delay(Timeout.Infinite, gate._released.Token);
            }

            return chunks;
        }

        public Task DeleteRoundAsync(long round, CancellationToken cancellationToken = default) => inner.DeleteRoundAsync(round, cancellationToken);
    }

    private sealed class GatedShares(FoldGate gate, string silo, IStoredShares inner) : IStoredShares
    {
        public Task<StageResult> StoreAsync(long round, string member, int index, ReadOnlyMemory<byte> share, CancellationToken cancellationToken = default) =>
            inner.StoreAsync(round, member, index, share, cancellationToken);

        public Task<int> CountAsync(long round, string member, CancellationToken cancellationToken = default) => inner.CountAsync(round, member, cancellationToken);

        public async Task<byte[][]> ReadAsync(long round, int index, IReadOnlyList<string> members, CancellationToken cancellationToken = default)
        {
            byte[][] shares = await inner.ReadAsync(round, index, members, cancellationToken);
            if (gate.TripCombine(silo))
            {
                await Task.Delay(Timeout.Infinite, gate._released.Token);
            }

            return shares;
        }

        public Task DeleteRoundAsync(long round, CancellationToken cancellationToken = default) => inner.DeleteRoundAsync(round, cancellationToken);
    }
}
