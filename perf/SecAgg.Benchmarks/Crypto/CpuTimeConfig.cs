using System.Runtime.InteropServices;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace SecAgg.Benchmarks.Crypto;

/// <summary>
/// Adds a second job that measures the benchmark thread's CPU time (clock_gettime(CLOCK_THREAD_CPUTIME_ID)) instead
/// of wall-clock time. The build machines are shared by several busy processes on two cores, so wall-clock means
/// there mostly measure waiting for a core; CPU time stays close to what the operation costs on an idle machine.
/// Runs in-process (the clock is not serializable into a generated project). Linux only; elsewhere the job is skipped.
/// </summary>
public sealed class CpuTimeConfig : ManualConfig
{
    /// <summary>The id of the thread-CPU-time job.</summary>
    public const string JobId = "ShortRun-ThreadCpuTime";

    /// <summary>Creates the config.</summary>
    public CpuTimeConfig()
    {
        if (ThreadCpuClock.Instance.IsAvailable)
        {
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithClock(ThreadCpuClock.Instance).WithId(JobId));
        }
    }
}

/// <summary>A CPU-time clock (clock_gettime, nanoseconds): <see cref="ThreadCpuClock.Instance"/> counts the benchmark
/// thread only, <see cref="ProcessCpuClock.Instance"/> every thread of the process (for benchmarks that fan out).</summary>
public class CpuClock : IClock
{
    private readonly int _clockId;

    private protected CpuClock(int clockId, string title)
    {
        _clockId = clockId;
        Title = title;
    }

    /// <inheritdoc />
    public string Title { get; }

    /// <inheritdoc />
    public bool IsAvailable
    {
        get
        {
            if (!OperatingSystem.IsLinux())
            {
                return false;
            }

            try
            {
                return ClockGetTime(_clockId, out _) == 0;
            }
            catch (DllNotFoundException)
            {
                return false;
            }
            catch (EntryPointNotFoundException)
            {
                return false;
            }
        }
    }

    /// <inheritdoc />
    public Frequency Frequency => Frequency.GHz;

    /// <inheritdoc />
    public long GetTimestamp()
    {
        ClockGetTime(_clockId, out Timespec ts);
        return (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clockId, out Timespec ts);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

/// <summary>Thread CPU-time clock (CLOCK_THREAD_CPUTIME_ID).</summary>
public sealed class ThreadCpuClock : CpuClock
{
    private ThreadCpuClock()
        : base(3, "ThreadCpuTime")
    {
    }

    /// <summary>The single instance.</summary>
    public static ThreadCpuClock Instance { get; } = new();
}

/// <summary>Process CPU-time clock (CLOCK_PROCESS_CPUTIME_ID: every thread counted).</summary>
public sealed class ProcessCpuClock : CpuClock
{
    private ProcessCpuClock()
        : base(2, "ProcessCpuTime")
    {
    }

    /// <summary>The single instance.</summary>
    public static ProcessCpuClock Instance { get; } = new();
}

/// <summary>
/// A short wall-clock job run in-process, for benchmarks that use several threads (thread CPU time would miss the
/// workers): on the shared 2-core machine BenchmarkDotNet's generated out-of-process projects often miss its 2-minute
/// build timeout, so nothing would be measured.
/// </summary>
public sealed class InProcessShortConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public InProcessShortConfig() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"));
}
