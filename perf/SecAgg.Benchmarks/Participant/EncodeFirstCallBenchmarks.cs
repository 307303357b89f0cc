using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Ddg;

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
    private DdgEncoder _ddg = null!;
    private float[] _update = null!;
    private long[] _workspace = null!;
    private Prng _rng = null!;
    private readonly byte[] _roundSeed = new byte[32];

    [GlobalSetup]
    public void Setup()
    {
        DdgParameters ddg = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 10, Dimension = 1_000_000, NoiseMultiplier = 1 });
        _ddg = new DdgEncoder(ddg);
        _update = new float[ddg.Dimension];
        for (int i = 0; i < _update.Length; i++)
        {
            _update[i] = (float)Math.Sin(i);
        }

        _workspace = new long[ddg.PaddedDimension];
        Array.Fill(_workspace, 1); // touched: the first call measures code, not page faults
        _rng = Prng.CreateSecure();
    }

    [GlobalCleanup]
    public void Cleanup() => _rng.Dispose();

    /// <summary>The first DDG encode of the process.</summary>
    [Benchmark]
    public long DdgEncodeScaledFirstCall()
    {
        _ddg.EncodeInPlace(_update, 0.75, _roundSeed, _rng, _workspace);
        return _workspace[0];
    }
}
