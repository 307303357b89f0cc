using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Multiparty;

namespace SecAgg.Benchmarks.Multiparty;

/// <summary>
/// The key-epoch side of the multiparty protocol (one-time per epoch, but on every join) at the planner's parameters
/// for N = 10, b = 16: a participant's public-key share p_i = −a·s_i + e_i, the aggregator's sum of one share into the
/// collective key, and the Shamir dealing of s_i to the N members (t = N − 1). Decryption shares and combine are in
/// <see cref="MultipartyProtocolBenchmarks"/>.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*MultipartyShare*' --job short
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.CpuTimeConfig))]
[MemoryDiagnoser]
public class MultipartyShareBenchmarks
{
    private MultipartyParameters _p = null!;
    private CommonReferencePolynomial _crp = null!;
    private PublicKeyGenProtocol _protocol = null!;
    private PartySecret _secret = null!;
    private PublicKeyShare _share = null!;
    private PublicKeyShare _sum = null!;
    private Thresholdizer _thresholdizer = null!;

    /// <summary>Participants N.</summary>
    [Params(10)]
    public int Parties { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _p = ParameterPlanner.Plan(new PlannerRequest { Parties = Parties, Threshold = Parties - 1, ValueBits = 16 }).Parameters;
        _crp = CommonReferencePolynomial.Expand(_p, CommonReferencePolynomial.NewSeed());
        _protocol = new PublicKeyGenProtocol(_p);
        _secret = PartySecret.Generate(_p, 1);
        _share = _protocol.AllocateShare();
        _protocol.GenerateShare(_secret, _crp, _share);
        _sum = _protocol.AllocateShare();
        _thresholdizer = new Thresholdizer(_p);
    }

    [GlobalCleanup]
    public void Cleanup() => _secret.Dispose();

    /// <summary>A participant's public-key share.</summary>
    [Benchmark(Baseline = true)]
    public PublicKeyShare PublicKeyShare()
    {
        _protocol.GenerateShare(_secret, _crp, _share);
        return _share;
    }

    /// <summary>The aggregator adds one public-key share into the collective key.</summary>
    [Benchmark]
    public PublicKeyShare AggregatePublicKeyShare()
    {
        _protocol.AggregateShares(_sum, _share, _sum);
        return _sum;
    }

    /// <summary>A participant deals Shamir shares of its secret to all N members.</summary>
    [Benchmark]
    public int DealThresholdShares()
    {
        ShamirShare[] dealt = _thresholdizer.GenerateShares(_secret);
        foreach (ShamirShare s in dealt)
        {
            s.Dispose();
        }

        return dealt.Length;
    }
}
