using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace SecAgg.Benchmarks.Participant;

/// <summary>
/// The participant's DDG encode (d = 10^6, with a weight factor) as its first call in a fresh process: a participant
/// encodes once per round, so its loops mostly run as tier-0/OSR code, which the steady-state
/// <see cref="EncodeKernelBenchmarks.DdgEncodeScaled"/> does not show. Each launch is a new process (cold start, one
/// invocation, no warm-up); compare medians of builds run back to back.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*EncodeFirstCallBenchmarks*'
/// </summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 7, warmupCount: 0, iterationCount: 1)]
public class EncodeFirstCallBenchmarks
{
    private DdgEncodeInput _input = null!;

    [GlobalSetup]
    public void Setup() => _input = new DdgEncodeInput();

    [GlobalCleanup]
    public void Cleanup() => _input.Dispose();

    /// <summary>The first DDG encode of the process.</summary>
    [Benchmark]
    public long DdgEncodeScaledFirstCall() => _input.Encode();
}
