using System.Diagnostics;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// The wait of a call with wait_millis (GetApprovalRequest, GetDecryptionSession, GetRoundStatus): the state is checked
/// again when it moves (the single-process service: <see cref="State.RoundCatalog.NextMove"/>, so a waiter answers as soon
/// as the stage it waits for is stored), at the end of the wait, and at least every second besides; without a move
/// signal (the cluster's silos, whose round state lives in grains) every 100 ms. The wait is capped at 60 s; it is a
/// transport-level wait, so real time.
/// </summary>
internal static class LongPoll
{
    /// <summary>The longest wait a caller may ask for.</summary>
    public const uint MaxWaitMillis = 60_000;

    private static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RecheckBesideMoves = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Calls <paramref name="attempt"/> (its argument: whether the wait is over) until it returns an answer; with a
    /// true argument it must answer.
    /// </summary>
    public static Task<T> UntilAsync<T>(uint waitMillis, Func<bool, Task<T?>> attempt, CancellationToken ct)
        where T : class => UntilAsync(waitMillis, attempt, nextMove: null, RecheckBesideMoves, ct);

    /// <summary>
    /// Calls <paramref name="attempt"/> (its argument: whether the wait is over) until it returns an answer; with a
    /// true argument it must answer. <paramref name="nextMove"/> gives a task that completes when the state may have
    /// changed; it is read before each attempt, so a change during the attempt is not missed.
    /// </summary>
    public static Task<T> UntilAsync<T>(uint waitMillis, Func<bool, Task<T?>> attempt, Func<Task> nextMove, CancellationToken ct)
        where T : class => UntilAsync(waitMillis, attempt, nextMove, RecheckBesideMoves, ct);

    /// <summary>The long poll, with the recheck beside the moves given (tests use one far longer than the wait).</summary>
    internal static async Task<T> UntilAsync<T>(uint waitMillis, Func<bool, Task<T?>> attempt, Func<Task>? nextMove, TimeSpan recheckBesideMoves, CancellationToken ct)
        where T : class
    {
        var waited = Stopwatch.StartNew();
        TimeSpan wait = TimeSpan.FromMilliseconds(Math.Min(waitMillis, MaxWaitMillis));
        while (true)
        {
            Task? moved = nextMove?.Invoke();
            if (await attempt(waited.Elapsed >= wait).ConfigureAwait(false) is { } answer)
            {
                return answer;
            }

            if (moved is null)
            {
                await Task.Delay(Recheck, ct).ConfigureAwait(false);
                continue;
            }

            TimeSpan left = wait - waited.Elapsed;
            TimeSpan pause = left < recheckBesideMoves ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : recheckBesideMoves;
            await moved.WaitAsync(pause, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            ct.ThrowIfCancellationRequested();
        }
    }
}
