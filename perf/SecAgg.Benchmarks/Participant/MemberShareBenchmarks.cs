using BenchmarkDotNet.Attributes;
using SecAgg.Benchmarks.Protocol;
using SecAgg.Crypto.Multiparty;

namespace SecAgg.Benchmarks.Participant;

/// <summary>
/// A member's decryption share of one chunk as the participant computes it each round (issue 17), at N = 10 (t = 7,
/// c = 1; the planned preset), d = 10^6 (one chunk), with site 1's real epoch keys and its session key K_j for U = all,
/// D = the first t (prepared once in the setup):
/// <list type="bullet">
/// <item><see cref="ExpandRoundPolynomial"/>: a_{r,k} from the epoch seed (<see cref="RoundPolynomial.Expand"/>);</item>
/// <item><see cref="GenerateShare"/>: a_{r,k} and h_j = a_{r,k}·K_j + NTT(F_j), serialized, through a ledger that
/// records nothing (the crypto alone);</item>
/// <item><see cref="ShareThroughFileLedger"/>: the same through a fresh <see cref="FileDecryptionLedger"/> (what
/// <c>MemberSession.Share</c> does: the answer recorded durably, fsync'd, before the share is computed); the ledger folder of
/// each call is deleted by the next;</item>
/// <item><see cref="ReplayFromFileLedger"/>: a repeated request (its record found in the ledger, the share derived again).</item>
/// </list>
/// Each call disposes its round polynomial as <c>MemberSession.Share</c> does (from issue 17's pooling on, that gives its
/// buffer back). Allocated bytes (MemoryDiagnoser) are the churn figure; times are wall-clock on a shared machine.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*MemberShare*'
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.InProcessShortConfig))]
[MemoryDiagnoser]
public class MemberShareBenchmarks
{
    private BenchmarkRound _round = null!;
    private SetDecryptionProtocol _protocol = null!;
    private SessionKeyShare _key = null!;
    private byte[] _epochSeed = null!;
    private string _root = null!;
    private FileDecryptionLedger _recorded = null!;
    private IDecryptionLedger _unrecorded = null!;
    private int _calls;

    /// <summary>Model size d.</summary>
    [Params(1_000_000)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _round = BenchmarkRound.WithKeyEpoch(10, Dimension);
        AggregationParameters p = _round.Preset.Aggregation;
        var session = new SetDecryptionSession(p, _round.Round.KeyEpochId, _round.Round.Round, _round.Round.TotalChunks, Enumerable.Range(1, p.Parties), Enumerable.Range(1, p.Threshold));
        _protocol = new SetDecryptionProtocol(p);
        _key = _protocol.PrepareSession(_round.Keys[0].Shares, session);
        _epochSeed = _round.Keys[0].EpochSeed.ToArray();
        _unrecorded = new PassThroughLedger();
        _root = Path.Combine(Path.GetTempPath(), $"secagg-member-share-{Environment.ProcessId}");
        _recorded = new FileDecryptionLedger(Path.Combine(_root, "recorded"), p);
        using (RoundPolynomial a = Expand())
        {
            _protocol.GetOrCreateShare(_recorded, _key, a);
        }

        Console.WriteLine($"// n = {p.RingDegree}, primes = {p.Primes.Count}, share = {p.ShareBytes} bytes");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _key.Dispose();
        _round.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark]
    public int ExpandRoundPolynomial()
    {
        using RoundPolynomial a = Expand();
        return a.Chunk;
    }

    [Benchmark]
    public int GenerateShare()
    {
        using RoundPolynomial a = Expand();
        return _protocol.GetOrCreateShare(_unrecorded, _key, a).Length;
    }

    [Benchmark]
    public int ShareThroughFileLedger()
    {
        string previous = Path.Combine(_root, $"fresh-{_calls}");
        if (Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
        }

        var ledger = new FileDecryptionLedger(Path.Combine(_root, $"fresh-{++_calls}"), _round.Preset.Aggregation);
        using RoundPolynomial a = Expand();
        return _protocol.GetOrCreateShare(ledger, _key, a).Length;
    }

    [Benchmark]
    public int ReplayFromFileLedger()
    {
        using RoundPolynomial a = Expand();
        return _protocol.GetOrCreateShare(_recorded, _key, a).Length;
    }

    private RoundPolynomial Expand() => RoundPolynomial.Expand(_round.Preset.Aggregation, _epochSeed, _round.Round.Round, 0);

    private sealed class PassThroughLedger : IDecryptionLedger
    {
        public void CheckSession(SetDecryptionSession session)
        {
        }

        public byte[]? Record(SetDecryptionSession session, int chunk) => null;

        public long IssuedCount(ulong epoch) => 0;
    }
}
