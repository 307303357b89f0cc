using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;

namespace SecAgg.Benchmarks.Participant;

/// <summary>
/// The participant's per-upload plaintext kernels of issue 17 at the planner's parameters (N = 10, b = 16, n = 2^15):
/// the BFV packed encoding round(Q·M/t) mod q_l of one chunk (n·k values, ~12 words × 13 limbs per coefficient) and the
/// flooding width σ_flood the session key share asks the parameters for. Jobs: the command line's and thread CPU time.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*EncodeKernelBenchmarks*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SecAgg.Benchmarks.Crypto.CpuTimeConfig))]
public class EncodeKernelBenchmarks
{
    private AggregationParameters _p = null!;
    private IAggregationCodec _codec = null!;
    private PackedEncoder _words = null!;
    private uint[] _values = null!;
    private Poly _plain = null!;
    private DdgEncodeInput _ddg = null!;

    [GlobalSetup]
    public void Setup()
    {
        _p = AggregationPlanner.Plan(new AggregationPlanRequest { Parties = 10, ValueBits = 16, MaxRingDegree = 32768 }).Parameters;
        _codec = _p.CreateCodec();
        _words = new PackedEncoder(new PackedEncoder.Layout(_p.Ring, _p.Ring, _p.ValueBits, _p.ValuesPerCoefficient, _p.SlotBits));
        _values = new uint[_p.ValuesPerChunk];
        for (int i = 0; i < _values.Length; i++)
        {
            _values[i] = ((uint)i * 2654435761u) >> 16; // spread over [0, 2^16)
        }

        _plain = _p.Ring.NewPoly();
        _ddg = new DdgEncodeInput();
    }

    [GlobalCleanup]
    public void Cleanup() => _ddg.Dispose();

    /// <summary>One chunk's packed encoding (the participant does this once per upload): the linear form, four
    /// coefficients per AVX2 vector, where the machine has it.</summary>
    [Benchmark]
    public ulong EncodeChunk()
    {
        _codec.Encode(_values, _plain);
        return _plain.Data[0];
    }

    /// <summary>The same chunk through the word-level product for every coefficient (the scalar path; the linear form's
    /// baseline in the same run).</summary>
    [Benchmark]
    public ulong EncodeChunkWordLevel()
    {
        _words.EncodeScaledWords(_values, _plain);
        return _plain.Data[0];
    }

    /// <summary>The whole DDG encode of d = 10^6 values on one core, with a weight factor (inputScale ≠ 1, as a
    /// participant below max-weight does): clip, scale, signs, FWHT, rounding, exact noise, wrap.</summary>
    [Benchmark]
    public long DdgEncodeScaled() => _ddg.Encode();

    /// <summary>σ_flood for all N summands (asked once per decryption session).</summary>
    [Benchmark]
    public int FloodingLog2Sigma() => _p.FloodingLog2Sigma(_p.Parties);
}
