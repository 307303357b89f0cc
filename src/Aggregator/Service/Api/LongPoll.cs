using System.Diagnostics;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// The wait of a call with wait_millis (GetApprovalRequest, GetDecryptionSession): the state is checked again every
/// 100 ms until it answers or the wait (capped at 60 s; a transport-level wait, so real time) has passed.
/// </summary>
internal static class LongPoll
{
    /// <summary>The longest wait a caller may ask for.</summary>
    public const uint MaxWaitMillis = 60_000;

    private static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Calls <paramref name="attempt"/> (its argument: whether the wait is over) until it returns an answer; with a
    /// true argument it must answer.
    /// </summary>
    public static async Task<T> UntilAsync<T>(uint waitMillis, Func<bool, Task<T?>> attempt, CancellationToken ct)
        where T : class
    {
        var waited = Stopwatch.StartNew();
        TimeSpan wait = TimeSpan.FromMilliseconds(Math.Min(waitMillis, MaxWaitMillis));
        while (true)
        {
            if (await attempt(waited.Elapsed >= wait).ConfigureAwait(false) is { } answer)
            {
                return answer;
            }

            await Task.Delay(Recheck, ct).ConfigureAwait(false);
        }
    }
}
