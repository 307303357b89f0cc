using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SecAgg.RoundBench.Wan;

/// <summary>
/// Ends waits at a given monotonic time with sub-millisecond precision, for <see cref="DelayProxy"/>: one thread keeps
/// the pending waits in a priority queue by due time and sleeps with <c>clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)</c>
/// until the earliest, in slices of at most 1 ms so a wait registered meanwhile with an earlier due time is at most
/// that late. A due wait's continuation runs on this thread (a segment's send, which does not block); .NET's own
/// timers (Task.Delay) end 1–2 ms late and would add 2–4 ms to a 20 ms RTT. <see cref="Stopwatch"/> timestamps are
/// CLOCK_MONOTONIC nanoseconds on Linux, the clock slept on.
/// </summary>
internal sealed class DueTimer
{
    private const int ClockMonotonic = 1, TimerAbsolute = 1;
    private static readonly long Slice = Stopwatch.Frequency / 1000;
    private readonly PriorityQueue<TaskCompletionSource, long> _pending = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _work = new(0);

    private DueTimer()
    {
        if (!OperatingSystem.IsLinux() || Stopwatch.Frequency != 1_000_000_000)
        {
            throw new PlatformNotSupportedException("The delay proxy needs Linux (clock_nanosleep on the monotonic clock).");
        }

        new Thread(Run) { IsBackground = true, Name = "delay proxy timer" }.Start();
    }

    /// <summary>The process's timer (its thread starts on first use).</summary>
    public static DueTimer Shared { get; } = new();

    /// <summary>A task that completes when <see cref="Stopwatch.GetTimestamp"/> reaches <paramref name="due"/>.</summary>
    public Task WaitUntil(long due)
    {
        var wait = new TaskCompletionSource();
        bool wasEmpty;
        lock (_gate)
        {
            wasEmpty = _pending.Count == 0;
            _pending.Enqueue(wait, due);
        }

        if (wasEmpty)
        {
            _work.Release();
        }

        return wait.Task;
    }

    private void Run()
    {
        while (true)
        {
            TaskCompletionSource? ready = null;
            long until = 0;
            lock (_gate)
            {
                if (_pending.TryPeek(out TaskCompletionSource? head, out long due))
                {
                    if (due <= Stopwatch.GetTimestamp())
                    {
                        ready = _pending.Dequeue();
                    }
                    else
                    {
                        until = Math.Min(due, Stopwatch.GetTimestamp() + Slice);
                    }
                }
            }

            if (ready is not null)
            {
                ready.SetResult();
            }
            else if (until == 0)
            {
                _work.Wait();
            }
            else
            {
                var time = new Timespec { Seconds = until / 1_000_000_000, Nanoseconds = until % 1_000_000_000 };
                _ = ClockNanosleep(ClockMonotonic, TimerAbsolute, ref time, IntPtr.Zero);
            }
        }
    }

    [DllImport("libc", EntryPoint = "clock_nanosleep")]
    private static extern int ClockNanosleep(int clock, int flags, ref Timespec request, IntPtr remaining);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
