using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

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
