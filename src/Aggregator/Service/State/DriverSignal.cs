namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// Wakes the round driver before its next tick when something it acts on happened (an upload counted, a member's
/// shares complete, the collective key ready, a round published).
/// </summary>
internal sealed class DriverSignal
{
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    /// <summary>Asks the driver to run a step now.</summary>
    public void Wake() => _wake.Release();

    /// <summary>Waits for a wake-up or <paramref name="tick"/>, whichever comes first.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> fired.</exception>
    public async Task WaitAsync(TimeSpan tick, CancellationToken ct)
    {
        await _wake.WaitAsync(tick, ct).ConfigureAwait(false);
    }
}
