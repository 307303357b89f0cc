using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using SecAgg.Crypto.Multiparty;

namespace SecAgg.Benchmarks.Multiparty;

/// <summary>
/// Per-ciphertext costs of the multiparty protocol at planned parameters (N = 10, b = 16):
/// a participant's encryption (upload), a member's decryption share (with flooding), and the
/// aggregator's combine (sum of N shares + decode). The custom columns give the sizes on the wire.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*MultipartyProtocol*' --job short
/// </summary>
[ShortRunJob]
[Config(typeof(ProtocolConfig))]
public class MultipartyProtocolBenchmarks
{
    private MultipartyParameters _p = null!;
    private CollectiveEncryptor _encryptor = null!;
    private DecryptionSecret[] _members = null!;
    private DecryptionShareProtocol _protocol = null!;
    private CompactCiphertext _sum = null!;
    private DecryptionShare[] _shares = null!;
    private uint[] _values = null!;
    private SecAgg.Crypto.Bfv.Encryptor _coreEncryptor = null!;
    private SecAgg.Crypto.Bfv.Plaintext _corePlain = null!;

    /// <summary>Largest ring degree the planner may use.</summary>
    [Params(8192, 16384, 32768)]
    public int MaxRingDegree { get; set; }

    /// <summary>Participants.</summary>
    [Params(10)]
    public int Parties { get; set; }

    /// <summary>Bits per value.</summary>
    [Params(16)]
    public int ValueBits { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _p = ParameterPlanner.Plan(new PlannerRequest { Parties = Parties, ValueBits = ValueBits, MaxRingDegree = MaxRingDegree }).Parameters;
        var crp = CommonReferencePolynomial.Expand(_p, CommonReferencePolynomial.NewSeed());
        PartySecret[] secrets = Enumerable.Range(1, Parties).Select(i => PartySecret.Generate(_p, i)).ToArray();
        var pkg = new PublicKeyGenProtocol(_p);
        PublicKeyShare agg = pkg.AllocateShare();
        foreach (PartySecret s in secrets)
        {
            PublicKeyShare share = pkg.AllocateShare();
            pkg.GenerateShare(s, crp, share);
            pkg.AggregateShares(agg, share, agg);
        }

        _encryptor = new CollectiveEncryptor(pkg.Finalize(agg, crp));
        _values = Enumerable.Range(0, _p.ValuesPerCiphertext).Select(i => (uint)(i * 2654435761u) & ((1u << ValueBits) - 1)).ToArray();
        _sum = _encryptor.Encrypt(_values);
        for (int i = 1; i < Parties; i++)
        {
            _sum.AddInplace(_encryptor.Encrypt(_values));
        }

        // Baseline in the same run: the single-key core BFV pk-encryption at SEAL's n = 4096, q = 72 bits,
        // t = 2^16 (4096 values per ciphertext, no modulus switch). Compare per value: divide by 4096.
        var ctx = new SecAgg.Crypto.Bfv.BfvContext(SecAgg.Crypto.Bfv.BfvPresets.N4096Q72(1UL << 16));
        using var keygen = new SecAgg.Crypto.Bfv.KeyGenerator(ctx);
        _coreEncryptor = new SecAgg.Crypto.Bfv.Encryptor(ctx, keygen.CreatePublicKey());
        _corePlain = new SecAgg.Crypto.Bfv.CoefficientEncoder(ctx).Encode(_values.Take(4096).Select(v => (ulong)v).ToArray());

        _members = secrets.Select(DecryptionSecret.ForAllParties).ToArray();
        _protocol = new DecryptionShareProtocol(_p);
        _shares = _members.Select(m =>
        {
            DecryptionShare h = _protocol.AllocateShare();
            _protocol.GenerateShare(m, _sum, h);
            return h;
        }).ToArray();
    }

    /// <summary>Baseline: single-key core BFV pk-encrypt, n = 4096, 4096 values of 16 bits.</summary>
    [Benchmark(Baseline = true)]
    public SecAgg.Crypto.Bfv.Ciphertext CoreBfvEncryptN4096() => _coreEncryptor.Encrypt(_corePlain);

    /// <summary>Encrypt n·k values and switch to q' (one upload).</summary>
    [Benchmark]
    public CompactCiphertext Encrypt() => _encryptor.Encrypt(_values);

    /// <summary>One member's flooded decryption share for one aggregate ciphertext.</summary>
    [Benchmark]
    public DecryptionShare ShareCost()
    {
        DecryptionShare h = _protocol.AllocateShare();
        _protocol.GenerateShare(_members[0], _sum, h);
        return h;
    }

    /// <summary>Aggregator: sum the N shares and decode the n·k slot sums.</summary>
    [Benchmark]
    public ulong[] Combine()
    {
        DecryptionShare agg = _protocol.AllocateShare();
        foreach (DecryptionShare h in _shares)
        {
            _protocol.AggregateShares(agg, h, agg);
        }

        return _protocol.Finalize(_sum, agg);
    }

    /// <summary>Serialize one upload (bit-packed).</summary>
    [Benchmark]
    public byte[] Serialize() => _sum.Serialize();
}

/// <summary>Wire sizes of the planner's choice for each (N, b): one cheap benchmark (the planner itself) per case.</summary>
[ShortRunJob]
[Config(typeof(WireColumnsConfig))]
public class MultipartyWireBenchmarks
{
    /// <summary>Participants.</summary>
    [Params(3, 10, 100)]
    public int Parties { get; set; }

    /// <summary>Bits per value.</summary>
    [Params(12, 16, 20)]
    public int ValueBits { get; set; }

    /// <summary>Largest ring degree the planner may use.</summary>
    [Params(8192, 16384, 32768)]
    public int MaxRingDegree { get; set; }

    /// <summary>Plan the parameters.</summary>
    [Benchmark]
    public ParameterPlan Plan() => ParameterPlanner.Plan(new PlannerRequest { Parties = Parties, ValueBits = ValueBits, MaxRingDegree = MaxRingDegree });
}

/// <summary>Wire columns plus the shared thread-CPU-time job (stable on the overloaded build machines).</summary>
internal sealed class ProtocolConfig : ManualConfig
{
    public ProtocolConfig()
    {
        Add(new WireColumnsConfig());
        Add(new SecAgg.Benchmarks.Crypto.CpuTimeConfig());
    }
}

internal sealed class WireColumnsConfig : ManualConfig
{
    public WireColumnsConfig()
    {
        AddColumn(new PlanColumn("n·k", p => $"{p.Parameters.RingDegree}·{p.Parameters.ValuesPerCoefficient}"));
        AddColumn(new PlanColumn("log q'", p => $"{p.Parameters.WireModulusBits:F0}"));
        AddColumn(new PlanColumn("CtBytes", p => p.CiphertextBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        AddColumn(new PlanColumn("B/value", p => p.BytesPerValue.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)));
        AddColumn(new PlanColumn("Expansion", p => p.Expansion.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + "x"));
    }
}

internal sealed class PlanColumn(string name, Func<ParameterPlan, string> value) : IColumn
{
    public string Id => "Plan." + name;

    public string ColumnName => name;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => false;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"{name} of the planner's parameters for this case";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        int Get(string param, int fallback) => benchmarkCase.Parameters.Items.FirstOrDefault(i => i.Name == param)?.Value is int v ? v : fallback;
        ParameterPlan plan = ParameterPlanner.Plan(new PlannerRequest
        {
            Parties = Get("Parties", 10),
            ValueBits = Get("ValueBits", 16),
            MaxRingDegree = Get("MaxRingDegree", 32768),
        });
        return value(plan);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
