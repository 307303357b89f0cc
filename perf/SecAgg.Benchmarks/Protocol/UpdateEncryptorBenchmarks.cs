using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Benchmarks.Protocol;

/// <summary>
/// A participant's whole encode + encrypt of one update under the planned (secure) preset for 10
/// parties: DDG encoding, then one collective encryption per chunk. Baseline: chunks encrypted on one core; the other
/// case uses every core (the ratio is the parallel speed-up).
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*UpdateEncryptor*' --job short
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.InProcessShortConfig))]
[MemoryDiagnoser]
public class UpdateEncryptorBenchmarks
{
    private UpdateEncryptor _sequential = null!;
    private UpdateEncryptor _parallel = null!;
    private float[] _update = null!;

    /// <summary>Model size d.</summary>
    [Params(100_000)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int parties = 10;
        ProtocolPreset preset = ProtocolPresets.Planned(parties, parties, Dimension);
        var layout = new TensorLayout([new TensorSpec("w", [Dimension])]);
        RoundParameters round = RoundParameters.Create(1, 0, 1, layout, preset.He, preset.Name, preset.Ddg.Create(parties, Dimension), preset.Ddg.ParameterSetId(false), new byte[32]);
        byte[] seed = CommonReferencePolynomial.NewSeed();
        CommonReferencePolynomial crp = CommonReferencePolynomial.Expand(preset.He, seed);
        var keygen = new PublicKeyGenProtocol(preset.He);
        PublicKeyShare sum = keygen.AllocateShare();
        for (int i = 1; i <= parties; i++)
        {
            using PartySecret s = PartySecret.Generate(preset.He, i);
            PublicKeyShare share = keygen.AllocateShare();
            keygen.GenerateShare(s, crp, share);
            keygen.AggregateShares(sum, share, sum);
        }

        CollectivePublicKey pk = keygen.Finalize(sum, crp);
        _sequential = new UpdateEncryptor(round, pk) { MaxDegreeOfParallelism = 1 };
        _parallel = new UpdateEncryptor(round, pk);
        _update = Enumerable.Range(0, Dimension).Select(i => (float)Math.Sin(i) * 1e-3f).ToArray();
    }

    [Benchmark(Baseline = true)]
    public byte[][] OneCore() => _sequential.Encrypt(_update);

    [Benchmark]
    public byte[][] AllCores() => _parallel.Encrypt(_update);
}
