using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Benchmarks.Protocol;

/// <summary>
/// A participant's whole quantize + encrypt of one update on one core, BFV (planned preset, the baseline) against CKKS
/// (ckks-n8192-aggregation-v1) for 10 parties: the same DDG encoding, then the scheme's chunk encryption. Also reports
/// the upload bytes of each (see docs/ckks-integration.md).
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*SchemeEncrypt*' --job short
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class SchemeEncryptBenchmarks
{
    private UpdateEncryptor _bfv = null!;
    private UpdateEncryptor _ckks = null!;
    private float[] _update = null!;

    /// <summary>Model size d.</summary>
    [Params(100_000)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int parties = 10;
        _bfv = Create(ProtocolPresets.Planned(parties, parties, Dimension), parties);
        _ckks = Create(ProtocolPresets.PlannedCkks(parties, parties), parties);
        _update = [.. Enumerable.Range(0, Dimension).Select(i => (float)Math.Sin(i) * 1e-3f)];
        Console.WriteLine($"// upload bytes for d = {Dimension}: BFV {_bfv.ChunkCount} x {_bfv.ChunkBytes} = {(long)_bfv.ChunkCount * _bfv.ChunkBytes}, CKKS {_ckks.ChunkCount} x {_ckks.ChunkBytes} = {(long)_ckks.ChunkCount * _ckks.ChunkBytes}");
    }

    [Benchmark(Baseline = true)]
    public byte[][] Bfv() => _bfv.Encrypt(_update);

    [Benchmark]
    public byte[][] Ckks() => _ckks.Encrypt(_update);

    private UpdateEncryptor Create(ProtocolPreset preset, int parties)
    {
        var layout = new TensorLayout([new TensorSpec("w", [Dimension])]);
        RoundParameters round = RoundParameters.Create(1, 0, 1, layout, preset.Scheme, preset.Name, preset.Ddg.Create(parties, Dimension), preset.Ddg.ParameterSetId(false), new byte[32]);
        MultipartyParameters he = preset.He;
        CommonReferencePolynomial crp = CommonReferencePolynomial.Expand(he, CommonReferencePolynomial.NewSeed());
        var keygen = new PublicKeyGenProtocol(he);
        PublicKeyShare sum = keygen.AllocateShare();
        for (int i = 1; i <= parties; i++)
        {
            using PartySecret s = PartySecret.Generate(he, i);
            PublicKeyShare share = keygen.AllocateShare();
            keygen.GenerateShare(s, crp, share);
            keygen.AggregateShares(sum, share, sum);
        }

        return new UpdateEncryptor(round, keygen.Finalize(sum, crp)) { MaxDegreeOfParallelism = 1 };
    }
}
