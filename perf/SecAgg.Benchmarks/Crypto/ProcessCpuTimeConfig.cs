using System.Runtime.InteropServices;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace SecAgg.Benchmarks.Crypto;

/// <summary>
/// Two in-process short jobs for benchmarks that spread one operation over several threads: wall-clock, and the
/// CPU time of the whole process (clock_gettime(CLOCK_PROCESS_CPUTIME_ID), every thread counted). On the shared
/// 2-core machine the wall-clock mostly measures waiting for a core; the process CPU time says what the parallel path
/// costs in CPU against the sequential one (equal means no waste), which does not depend on the neighbours' load.
/// The process job is skipped off Linux.
/// </summary>
public sealed class ProcessCpuTimeConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public ProcessCpuTimeConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-Wall"));
        if (ProcessCpuClock.Instance.IsAvailable)
        {
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithClock(ProcessCpuClock.Instance).WithId("ShortRun-ProcessCpuTime"));
        }
    }
}

/// <summary>Process CPU-time clock (nanoseconds, all threads).</summary>
public sealed class ProcessCpuClock : IClock
{
    private const int ClockProcessCpuTimeId = 2;

    /// <summary>The single instance.</summary>
    public static ProcessCpuClock Instance { get; } = new();

    /// <inheritdoc />
    public string Title => "ProcessCpuTime";

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
                return ClockGetTime(ClockProcessCpuTimeId, out _) == 0;
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
        ClockGetTime(ClockProcessCpuTimeId, out Timespec ts);
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
