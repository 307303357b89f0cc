using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using SecAgg.Crypto.Multiparty;

namespace SecAgg.Benchmarks.Multiparty;

/// <summary>
/// Protocol v2 per chunk at the planner's parameters for N, b and the largest ring degree (masked uploads under each
/// site's key share, set-bound decryption, statistical flooding): a participant's encryption, one member's decryption
/// share (and the once-per-session precompute λ_j·Σ_{i∈U} f_i(j)), the aggregator's combine (t = N shares + decode),
/// and adding one upload into a sum (also straight from the upload's bytes, validated, in place). Jobs: the command
/// line's (wall clock) and the shared thread-CPU-time job. The v1 → v2 comparison this class ran until v1 was deleted is
/// recorded in docs/multiparty.md ("History").
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*AggregationBenchmarks*' --job short --inProcess
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.CpuTimeConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class AggregationBenchmarks
{
    private readonly byte[] _epochSeed = new byte[32];
    private AggregationParameters _p = null!;
    private MaskedEncryptor _encryptor = null!;
    private SetDecryptionProtocol _protocol = null!;
    private ThresholdKeyShares _member = null!;
    private SessionKeyShare[] _keys = null!;
    private SetDecryptionSession _session = null!;
    private RoundPolynomial _a = null!;
    private MaskedUpload _sum = null!;
    private MaskedUpload _upload = null!;
    private MaskedUpload _fold = null!;
    private byte[] _uploadBytes = null!;
    private SetDecryptionShare[] _shares = null!;
    private uint[] _values = null!;

    /// <summary>Largest ring degree the planner may use.</summary>
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
        _p = AggregationPlanner.Plan(new AggregationPlanRequest { Parties = Parties, ValueBits = ValueBits, MaxRingDegree = MaxRingDegree }).Parameters;
        System.Security.Cryptography.RandomNumberGenerator.Fill(_epochSeed);
        KeyShareSecret[] secrets = [.. Enumerable.Range(1, Parties).Select(i => KeyShareSecret.Generate(_p, i))];
        var dealer = new KeyShareDealer(_p);
        DealtKeyShare[][] dealt = [.. secrets.Select(dealer.GenerateShares)];
        _a = RoundPolynomial.Expand(_p, _epochSeed, 1, 0);
        _values = Values(_p.ValuesPerChunk);
        MaskedEncryptor[] encryptors = [.. secrets.Select(s => new MaskedEncryptor(_p, s))];
        _encryptor = encryptors[0];
        _upload = _encryptor.Encrypt(_values, _a);
        _uploadBytes = _upload.Serialize();
        _fold = MaskedUpload.Add(MaskedUpload.CreateEmptySum(_p), _upload);
        _sum = MaskedUpload.CreateEmptySum(_p);
        foreach (MaskedEncryptor e in encryptors)
        {
            _sum.AddInplace(e.Encrypt(_values, _a));
        }

        _protocol = new SetDecryptionProtocol(_p);
        _session = new SetDecryptionSession(_p, 1, 1, 1, Enumerable.Range(1, Parties), Enumerable.Range(1, Parties));
        _keys = new SessionKeyShare[Parties];
        for (int j = 1; j <= Parties; j++)
        {
            ThresholdKeyShares mine = dealer.AggregateShares(j, [.. dealt.Select(d => d[j - 1])]);
            _keys[j - 1] = _protocol.PrepareSession(mine, _session);
            if (j == 1)
            {
                _member = mine;
            }
            else
            {
                mine.Dispose();
            }
        }

        _shares = [.. _keys.Select(k =>
        {
            SetDecryptionShare h = _protocol.AllocateShare();
            _protocol.GenerateShare(k, _a, h);
            return h;
        })];
    }

    private uint[] Values(int count) => [.. Enumerable.Range(0, count).Select(i => (uint)(i * 2654435761u) & ((1u << ValueBits) - 1))];

    /// <summary>c0 = −a·s_i + NTT(e + Encode(M)) for one chunk.</summary>
    [Benchmark]
    [BenchmarkCategory("Encrypt")]
    public MaskedUpload Encrypt() => _encryptor.Encrypt(_values, _a);

    /// <summary>A chunk as a site encrypts it in a round: a_{r,k} expanded from the epoch seed, then
    /// <see cref="Encrypt"/> (the same work on builds that expand a whole and on those that stream it limb by limb, so
    /// two builds compare on it; <see cref="Encrypt"/> itself includes the expansion only where it is streamed).</summary>
    [Benchmark]
    [BenchmarkCategory("Encrypt")]
    public MaskedUpload ExpandAndEncrypt()
    {
        using RoundPolynomial a = RoundPolynomial.Expand(_p, _epochSeed, 2, 0);
        return _encryptor.Encrypt(_values, a);
    }

    /// <summary>A member's share of a chunk as in a round: a_{r,k} expanded, then <see cref="Share"/>.</summary>
    [Benchmark]
    [BenchmarkCategory("Share")]
    public SetDecryptionShare ExpandAndShare()
    {
        using RoundPolynomial a = RoundPolynomial.Expand(_p, _epochSeed, 1, 0);
        SetDecryptionShare h = _protocol.AllocateShare();
        _protocol.GenerateShare(_keys[0], a, h);
        return h;
    }

    /// <summary>one member's share a·K_j + NTT(F_j) for one chunk (σ_flood(10) from the sampler).</summary>
    [Benchmark]
    [BenchmarkCategory("Share")]
    public SetDecryptionShare Share()
    {
        SetDecryptionShare h = _protocol.AllocateShare();
        _protocol.GenerateShare(_keys[0], _a, h);
        return h;
    }

    /// <summary>the once-per-session precompute K_j = λ_j·Σ_{i∈U} f_i(j) (and its Shoup companions), |U| = N.</summary>
    [Benchmark]
    [BenchmarkCategory("Share")]
    public int SessionPrecompute()
    {
        using SessionKeyShare key = _protocol.PrepareSession(_member, _session);
        return key.PartyId;
    }

    /// <summary>sum t = N shares, add Σc0, inverse NTT and decode.</summary>
    [Benchmark]
    [BenchmarkCategory("Combine")]
    public uint[] Combine()
    {
        SetDecryptionShare agg = _protocol.AllocateShare();
        foreach (SetDecryptionShare h in _shares)
        {
            _protocol.AggregateShares(agg, h, agg);
        }

        return _protocol.Finalize(_session, _sum, agg);
    }

    /// <summary>a new sum of two uploads (copy + add of c0).</summary>
    [Benchmark]
    [BenchmarkCategory("Add")]
    public MaskedUpload Add() => MaskedUpload.Add(_upload, _upload);

    /// <summary>fold one upload's bytes into a running sum in place (parse, check every residue, add).</summary>
    [Benchmark]
    [BenchmarkCategory("Add")]
    public int AddBytesInPlace()
    {
        _fold.AddInplace(_uploadBytes);
        _fold.ResetToOneUpload(); // keep the count below K across iterations; the residues need no reset
        return _fold.SummandCount;
    }
}
