using System.Runtime.ExceptionServices;

namespace SecAgg.Crypto.Ring.Internal;

/// <summary>
/// Runs <c>body(state, i)</c> for i in [0, count) on up to <c>degree</c> threads: the calling thread and
/// <c>degree − 1</c> thread-pool helpers claim indices one at a time (dynamic partitioning, so 13 limbs on 2 cores
/// split 7/6 and a descheduled helper costs at most one index). The caller never waits for a helper that has not
/// claimed an index, so a saturated thread pool only makes the caller do all the work itself (no starvation). Each
/// index runs exactly once; the order across threads is unspecified, so bodies must write disjoint data.
/// <para>No allocation per call in steady state: jobs are pooled per state type, the state is a struct stored in the
/// job, and bodies are expected to be static lambdas (cached by the compiler). The first exception a body throws
/// is rethrown on the caller after every claimed index finished.</para>
/// </summary>
internal static class LimbScheduler
{
    /// <summary>Runs the body for every index in [0, <paramref name="count"/>), in parallel when
    /// <paramref name="degree"/> ≥ 2 and <paramref name="count"/> ≥ 2, else sequentially on the caller.</summary>
    public static void For<TState>(int count, int degree, in TState state, Action<TState, int> body)
    {
        if (degree < 2 || count < 2)
        {
            for (int i = 0; i < count; i++)
            {
                body(state, i);
            }

            return;
        }

        if (LimbJob<TState>.TryRent() is { } job)
        {
            job.Run(count, Math.Min(degree, count), state, body);
            return;
        }

        // Every pooled job is still held by helpers that have not run yet: the pool is behind, so another helper
        // would not help either. Run on the caller rather than allocate.
        for (int i = 0; i < count; i++)
        {
            body(state, i);
        }
    }
}

/// <summary>One parallel loop of <see cref="LimbScheduler"/>; pooled, reused once the caller and every queued helper
/// released it (a late helper of a finished loop only sees that no index is left). At most <see cref="PoolSize"/>
/// jobs per state type ever exist.</summary>
internal sealed class LimbJob<TState> : IThreadPoolWorkItem
{
    private static readonly int PoolSize = Math.Max(8, 4 * Environment.ProcessorCount);
    private static readonly LimbJob<TState>?[] Pool = new LimbJob<TState>?[PoolSize];
    private static int _created;

    private readonly ManualResetEventSlim _finished = new(false);
    private TState _state = default!;
    private Action<TState, int>? _body;
    private int _count;
    private int _next;
    private int _done;
    private int _references;
    private ExceptionDispatchInfo? _error;

    /// <summary>A free job, a new one while fewer than <see cref="PoolSize"/> exist, else null.</summary>
    public static LimbJob<TState>? TryRent()
    {
        for (int i = 0; i < PoolSize; i++)
        {
            if (Volatile.Read(ref Pool[i]) is not null && Interlocked.Exchange(ref Pool[i], null) is { } job)
            {
                return job;
            }
        }

        return Interlocked.Increment(ref _created) <= PoolSize ? new LimbJob<TState>() : null;
    }

    public void Run(int count, int degree, in TState state, Action<TState, int> body)
    {
        _state = state;
        _body = body;
        _count = count;
        _next = 0;
        _done = 0;
        _error = null;
        _finished.Reset();
        int helpers = degree - 1;
        _references = 1 + helpers;
        for (int h = 0; h < helpers; h++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        Work();
        if (Volatile.Read(ref _done) < _count)
        {
            _finished.Wait();
        }

        ExceptionDispatchInfo? error = _error;
        Release();
        error?.Throw();
    }

    void IThreadPoolWorkItem.Execute()
    {
        Work();
        Release();
    }

    private void Work()
    {
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _count)
        {
            try
            {
                _body!(_state, i);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
            }

            if (Interlocked.Increment(ref _done) == _count)
            {
                _finished.Set();
            }
        }
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return;
        }

        // Last one out: drop the operands (they may be secret polynomials) and go back to the pool (which has a slot
        // for every job that exists).
        _state = default!;
        _body = null;
        for (int i = 0; i < PoolSize; i++)
        {
            if (Interlocked.CompareExchange(ref Pool[i], this, null) is null)
            {
                return;
            }
        }
    }
}
