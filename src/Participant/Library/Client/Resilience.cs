using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace SecAgg.Participant.Client;

/// <summary>
/// The client's retry policies (Polly): transient failures of unary calls (UNAVAILABLE; DEADLINE_EXCEEDED too for
/// idempotent reads) are retried a bounded number of times with exponential backoff and jitter, each retry logged with
/// its attempt number; waits for the aggregator's progress (others joining, a round opening, decryption, publication)
/// ask again at the poll interval until the condition holds or the caller cancels. Streams keep their own
/// application-level resume.
/// </summary>
internal sealed class Resilience(ParticipantClientOptions options, ILogger logger)
{
    /// <summary>Runs a unary call that changes state, retrying UNAVAILABLE (the call did not reach the aggregator, or is safe to repeat).</summary>
    public Task<T> CallAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken ct) =>
        Transient<T>(operation, idempotentRead: false).ExecuteAsync(async token => await call(token).ConfigureAwait(false), ct).AsTask();

    /// <summary>Runs an idempotent read, retrying UNAVAILABLE and DEADLINE_EXCEEDED.</summary>
    public Task<T> ReadAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken ct) =>
        Transient<T>(operation, idempotentRead: true).ExecuteAsync(async token => await call(token).ConfigureAwait(false), ct).AsTask();

    /// <summary>
    /// Repeats an idempotent read at the poll interval while <paramref name="again"/> says the aggregator is not there
    /// yet (by result, or by a refusal meaning "not yet"), each read itself retried on transient failures.
    /// </summary>
    /// <param name="operation">What is waited for (logged).</param>
    /// <param name="read">The read.</param>
    /// <param name="again">Null when the outcome is final; otherwise what is still awaited (logged).</param>
    /// <param name="maxChecks">Most reads (int.MaxValue: until cancelled).</param>
    /// <param name="ct">Cancels the wait.</param>
    public Task<T> WaitAsync<T>(string operation, Func<CancellationToken, Task<T>> read, Func<Outcome<T>, string?> again, int maxChecks, CancellationToken ct)
    {
        var builder = new ResiliencePipelineBuilder<T>();
        string? lastWaiting = null;
        int retries = maxChecks == int.MaxValue ? int.MaxValue : maxChecks - 1;
        if (retries < 1)
        {
            return Transient<T>(operation, idempotentRead: true).ExecuteAsync(async token => await read(token).ConfigureAwait(false), ct).AsTask();
        }

        builder.AddRetry(new RetryStrategyOptions<T>
        {
            ShouldHandle = args => ValueTask.FromResult(again(args.Outcome) is not null),
            MaxRetryAttempts = retries,
            BackoffType = DelayBackoffType.Constant,
            Delay = options.PollInterval,
            UseJitter = false,
            OnRetry = args =>
            {
                // A person reads these lines: the first check, every change of what is awaited, then every 20th check.
                string waiting = again(args.Outcome) ?? "";
                if (args.AttemptNumber % 20 == 0 || waiting != lastWaiting)
                {
                    ParticipantLog.Waiting(logger, operation, waiting, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds);
                    lastWaiting = waiting;
                }

                return default;
            },
        });
        ResiliencePipeline<T> pipeline = AddTransient(builder, operation, idempotentRead: true).Build();
        return pipeline.ExecuteAsync(async token => await read(token).ConfigureAwait(false), ct).AsTask();
    }

    /// <summary>
    /// The wait before resuming after the <paramref name="attempt"/>-th broken stream: the transient retry delay doubled
    /// per attempt (at least the poll interval, at most 30 s), so an aggregator that needs seconds to come back (a restart,
    /// a cluster noticing that a silo died) is ridden out instead of the attempts being spent in the first second.
    /// </summary>
    public static TimeSpan ResumeDelay(ParticipantClientOptions options, int attempt)
    {
        double first = Math.Max(options.TransientRetryDelay.TotalMilliseconds, options.PollInterval.TotalMilliseconds);
        double ms = first * Math.Pow(2, Math.Clamp(attempt - 1, 0, 16));
        return TimeSpan.FromMilliseconds(Math.Min(ms, 30_000));
    }

    private ResiliencePipeline<T> Transient<T>(string operation, bool idempotentRead) =>
        AddTransient(new ResiliencePipelineBuilder<T>(), operation, idempotentRead).Build();

    /// <summary>Adds the bounded transient retry (none when <see cref="ParticipantClientOptions.MaxTransientAttempts"/> is 1).</summary>
    private ResiliencePipelineBuilder<T> AddTransient<T>(ResiliencePipelineBuilder<T> builder, string operation, bool idempotentRead)
    {
        int max = options.MaxTransientAttempts - 1;
        if (max < 1)
        {
            return builder;
        }

        return builder.AddRetry(new RetryStrategyOptions<T>
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is RpcException e && IsTransient(e.StatusCode, idempotentRead) && !args.Context.CancellationToken.IsCancellationRequested),
            MaxRetryAttempts = max,
            BackoffType = DelayBackoffType.Exponential,
            Delay = options.TransientRetryDelay,
            MaxDelay = TimeSpan.FromSeconds(30),
            UseJitter = true,
            OnRetry = args =>
            {
                var e = (RpcException)args.Outcome.Exception!;
                string detail = AggregatorUnreachableException.From(e)?.Message ?? e.Status.Detail;
                ParticipantLog.Retrying(logger, operation, e.StatusCode.ToString(), detail, args.AttemptNumber + 1, max, args.RetryDelay.TotalSeconds);
                return default;
            },
        });
    }

    private static bool IsTransient(StatusCode code, bool idempotentRead) =>
        code == StatusCode.Unavailable || (idempotentRead && code == StatusCode.DeadlineExceeded);
}
