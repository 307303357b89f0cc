using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using SecAgg.Crypto.Multiparty;

namespace SecAgg.Benchmarks.Multiparty;

/// <summary>
/// Protocol v2 (masked uploads under each site's key share, set-bound decryption, statistical flooding) against v1
/// (collective public key, c1-bound decryption) at each version's planned parameters for the same N, b and largest ring
/// degree, in one class so that every ratio is same-run: per category the v1 method is the baseline and the Ratio
/// column is v2 / v1. One chunk/ciphertext per operation: a participant's encryption, one member's decryption share
/// (v2 also: the once-per-session precompute λ_j·Σ_{i∈U} f_i(j)), the aggregator's combine (t = N shares + decode), and
/// adding one upload into a sum (v2 also: straight from the upload's bytes, validated, in place). The v1 methods run
/// <see cref="MultipartyProtocolBenchmarks"/>' own code (v1 decodes the exact slot sums, v2 the sums mod 2^b: the same
/// decode plus a mask). Jobs: the command line's (wall clock) and the shared thread-CPU-time job.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*AggregationBenchmarks*' --job short --inProcess
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.CpuTimeConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class AggregationBenchmarks
{
    private readonly byte[] _epochSeed = new byte[32];
    private readonly MultipartyProtocolBenchmarks _v1 = new();
    private CompactCiphertext _v1Upload = null!;

    private AggregationParameters _v2 = null!;
    private MaskedEncryptor _v2Encryptor = null!;
    private SetDecryptionProtocol _v2Protocol = null!;
    private ThresholdKeyShares _v2Member = null!;
    private SessionKeyShare[] _v2Keys = null!;
    private SetDecryptionSession _v2Session = null!;
    private RoundPolynomial _v2A = null!;
    private MaskedUpload _v2Sum = null!;
    private MaskedUpload _v2Upload = null!;
    private MaskedUpload _v2Fold = null!;
    private byte[] _v2UploadBytes = null!;
    private SetDecryptionShare[] _v2Shares = null!;
    private uint[] _v2Values = null!;

    /// <summary>Largest ring degree either planner may use.</summary>
    [Params(16384, 32768)]
    public int MaxRingDegree { get; set; }

    /// <summary>Participants (threshold = N).</summary>
    [Params(10)]
    public int Parties { get; set; }

    /// <summary>Bits per value.</summary>
    [Params(16)]
    public int ValueBits { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        SetupV1();
        SetupV2();
    }

    /// <summary>v1 exactly as <see cref="MultipartyProtocolBenchmarks"/> sets it up (its planner, keys, sum and shares).</summary>
    private void SetupV1()
    {
        _v1.MaxRingDegree = MaxRingDegree;
        _v1.Parties = Parties;
        _v1.ValueBits = ValueBits;
        _v1.Setup();
        _v1Upload = _v1.Encrypt();
    }

    private void SetupV2()
    {
        _v2 = AggregationPlanner.Plan(new AggregationPlanRequest { Parties = Parties, ValueBits = ValueBits, MaxRingDegree = MaxRingDegree }).Parameters;
        System.Security.Cryptography.RandomNumberGenerator.Fill(_epochSeed);
        KeyShareSecret[] secrets = [.. Enumerable.Range(1, Parties).Select(i => KeyShareSecret.Generate(_v2, i))];
        var dealer = new KeyShareDealer(_v2);
        DealtKeyShare[][] dealt = [.. secrets.Select(dealer.GenerateShares)];
        _v2A = RoundPolynomial.Expand(_v2, _epochSeed, 1, 0);
        _v2Values = Values(_v2.ValuesPerChunk);
        MaskedEncryptor[] encryptors = [.. secrets.Select(s => new MaskedEncryptor(_v2, s))];
        _v2Encryptor = encryptors[0];
        _v2Upload = _v2Encryptor.Encrypt(_v2Values, _v2A);
        _v2UploadBytes = _v2Upload.Serialize();
        _v2Fold = MaskedUpload.Add(MaskedUpload.CreateEmptySum(_v2), _v2Upload);
        _v2Sum = MaskedUpload.CreateEmptySum(_v2);
        foreach (MaskedEncryptor e in encryptors)
        {
            _v2Sum.AddInplace(e.Encrypt(_v2Values, _v2A));
        }

        _v2Protocol = new SetDecryptionProtocol(_v2);
        _v2Session = new SetDecryptionSession(_v2, 1, 1, 1, Enumerable.Range(1, Parties), Enumerable.Range(1, Parties));
        _v2Keys = new SessionKeyShare[Parties];
        for (int j = 1; j <= Parties; j++)
        {
            ThresholdKeyShares mine = dealer.AggregateShares(j, [.. dealt.Select(d => d[j - 1])]);
            _v2Keys[j - 1] = _v2Protocol.PrepareSession(mine, _v2Session);
            if (j == 1)
            {
                _v2Member = mine;
            }
            else
            {
                mine.Dispose();
            }
        }

        _v2Shares = [.. _v2Keys.Select(k =>
        {
            SetDecryptionShare h = _v2Protocol.AllocateShare();
            _v2Protocol.GenerateShare(k, _v2A, h);
            return h;
        })];
    }

    private uint[] Values(int count) => [.. Enumerable.Range(0, count).Select(i => (uint)(i * 2654435761u) & ((1u << ValueBits) - 1))];

    /// <summary>v1: pk-encrypt n·k values and switch to q' (one upload).</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Encrypt")]
    public CompactCiphertext V1Encrypt() => _v1.Encrypt();

    /// <summary>v2: c0 = −a·s_i + NTT(e + Encode(M)) for one chunk.</summary>
    [Benchmark]
    [BenchmarkCategory("Encrypt")]
    public MaskedUpload V2Encrypt() => _v2Encryptor.Encrypt(_v2Values, _v2A);

    /// <summary>v1: one member's flooded share c1·s_j + e_flood.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Share")]
    public DecryptionShare V1Share() => _v1.ShareCost();

    /// <summary>v2: one member's share a·K_j + NTT(F_j) for one chunk (σ_flood(10) from the sampler).</summary>
    [Benchmark]
    [BenchmarkCategory("Share")]
    public SetDecryptionShare V2Share()
    {
        SetDecryptionShare h = _v2Protocol.AllocateShare();
        _v2Protocol.GenerateShare(_v2Keys[0], _v2A, h);
        return h;
    }

    /// <summary>v2: the once-per-session precompute K_j = λ_j·Σ_{i∈U} f_i(j) (and its Shoup companions), |U| = N.</summary>
    [Benchmark]
    [BenchmarkCategory("Share")]
    public int V2SessionPrecompute()
    {
        using SessionKeyShare key = _v2Protocol.PrepareSession(_v2Member, _v2Session);
        return key.PartyId;
    }

    /// <summary>v1: sum N shares and decode the n·k slot sums.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Combine")]
    public ulong[] V1Combine() => _v1.Combine();

    /// <summary>v2: sum t = N shares, add Σc0, inverse NTT and decode.</summary>
    [Benchmark]
    [BenchmarkCategory("Combine")]
    public uint[] V2Combine()
    {
        SetDecryptionShare agg = _v2Protocol.AllocateShare();
        foreach (SetDecryptionShare h in _v2Shares)
        {
            _v2Protocol.AggregateShares(agg, h, agg);
        }

        return _v2Protocol.Finalize(_v2Session, _v2Sum, agg);
    }

    /// <summary>v1: a new sum of two uploads (copy + add of c0 and c1).</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Add")]
    public CompactCiphertext V1Add() => CompactCiphertext.Add(_v1Upload, _v1Upload);

    /// <summary>v2: a new sum of two uploads (copy + add of c0).</summary>
    [Benchmark]
    [BenchmarkCategory("Add")]
    public MaskedUpload V2Add() => MaskedUpload.Add(_v2Upload, _v2Upload);

    /// <summary>v2: fold one upload's bytes into a running sum in place (parse, check every residue, add).</summary>
    [Benchmark]
    [BenchmarkCategory("Add")]
    public int V2AddBytesInPlace()
    {
        _v2Fold.AddInplace(_v2UploadBytes);
        _v2Fold.ResetToOneUpload(); // keep the count below K across iterations; the residues need no reset
        return _v2Fold.SummandCount;
    }
}
