using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using SecAgg.Security;

namespace SecAgg.Benchmarks.Multiparty;

/// <summary>
/// The aggregator's per-round work on ciphertext bytes (issue 17), each before (Baseline: the code path main had
/// until commit cc53aac, written out here with the public APIs) and after, in one run: checking an uploaded chunk
/// (parse into a new polynomial vs one validating pass), folding an upload into the round's running sum (the sum held
/// as bytes: parse sum, parse addend, add, serialize back vs the sum held parsed and the addend decoded straight into
/// it), checking a member's share, combining t = N shares (each share parsed into a new polynomial vs decoded into the
/// aggregate), and authenticating a call (building the client certificate's chain vs looking up its fingerprint).
/// Parameters: the planner's for N = 10, b = 16, n ≤ 32768 (one chunk carries the d = 10^6 update of RoundBench).
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*AggregatorIngestBenchmarks*' --job short --inProcess --memory
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.CpuTimeConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class AggregatorIngestBenchmarks
{
    private const int Parties = 10;
    private AggregationParameters _p = null!;
    private CiphertextScheme _scheme = null!;
    private SetDecryptionSession _session = null!;
    private byte[] _upload = null!;
    private byte[] _sumBytes = null!;
    private MaskedUpload _runningSum = null!;
    private byte[] _sum = null!;
    private byte[][] _shares = null!;
    private CertificateAuthority _ca = null!;
    private X509Certificate2 _client = null!;
    private Dictionary<string, string> _verified = null!;

    [GlobalSetup]
    public void Setup()
    {
        _p = AggregationPlanner.Plan(new AggregationPlanRequest { Parties = Parties, ValueBits = 16, MaxRingDegree = 32768 }).Parameters;
        _scheme = new CiphertextScheme(_p);
        byte[] epochSeed = new byte[32];
        RandomNumberGenerator.Fill(epochSeed);
        KeyShareSecret[] secrets = [.. Enumerable.Range(1, Parties).Select(i => KeyShareSecret.Generate(_p, i))];
        var dealer = new KeyShareDealer(_p);
        DealtKeyShare[][] dealt = [.. secrets.Select(dealer.GenerateShares)];
        RoundPolynomial a = RoundPolynomial.Expand(_p, epochSeed, 1, 0);
        uint[] values = [.. Enumerable.Range(0, _p.ValuesPerChunk).Select(i => (uint)(i * 2654435761u) & 0xFFFF)];
        MaskedUpload sum = MaskedUpload.CreateEmptySum(_p);
        foreach (KeyShareSecret s in secrets)
        {
            sum.AddInplace(new MaskedEncryptor(_p, s).Encrypt(values, a));
        }

        _upload = new MaskedEncryptor(_p, secrets[0]).Encrypt(values, a).Serialize();
        _sum = sum.Serialize();
        _sumBytes = _upload.ToArray();
        _runningSum = _scheme.StartSum(_upload);
        var protocol = new SetDecryptionProtocol(_p);
        _session = new SetDecryptionSession(_p, 1, 1, 1, Enumerable.Range(1, Parties), Enumerable.Range(1, Parties));
        _shares = new byte[Parties][];
        for (int j = 1; j <= Parties; j++)
        {
            using ThresholdKeyShares mine = dealer.AggregateShares(j, [.. dealt.Select(d => d[j - 1])]);
            using SessionKeyShare key = protocol.PrepareSession(mine, _session);
            SetDecryptionShare h = protocol.AllocateShare();
            protocol.GenerateShare(key, a, h);
            _shares[j - 1] = h.Serialize();
        }

        _ca = CertificateAuthority.Create("bench-ca");
        _client = _ca.IssueClientCertificate("hospital-1");
        _verified = new Dictionary<string, string>(StringComparer.Ordinal) { [Fingerprint(_client)] = "hospital-1" };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _ca.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("ValidateUpload")]
    public int ValidateUploadByParsing() => MaskedUpload.Deserialize(_p, _upload).SummandCount;

    [Benchmark]
    [BenchmarkCategory("ValidateUpload")]
    public bool ValidateUploadInOnePass() => _scheme.TryValidateUpload(_upload, out _);

    /// <summary>main until cc53aac: the running sum is bytes; each fold parses it and the addend, adds, serializes back.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Fold")]
    public int FoldIntoByteSum()
    {
        MaskedUpload total = MaskedUpload.Deserialize(_p, _sumBytes);
        MaskedUpload addend = MaskedUpload.Deserialize(_p, _upload);
        _p.Ring.Add(total.C0, addend.C0, total.C0);
        return total.Serialize(_sumBytes);
    }

    [Benchmark]
    [BenchmarkCategory("Fold")]
    public int FoldIntoParsedSum()
    {
        _scheme.Fold(_runningSum, _upload);
        _runningSum.ResetToOneUpload(); // keep the count below K across iterations; the residues need no reset
        return _runningSum.SummandCount;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("CheckShare")]
    public int CheckShareByParsing() => SetDecryptionShare.Deserialize(_p, _shares[0]).Contributors.Count;

    [Benchmark]
    [BenchmarkCategory("CheckShare")]
    public bool CheckShareInOnePass() => _scheme.TryCheckShare(_shares[0], _session, 0, 1, out _);

    /// <summary>main until cc53aac: each share parsed into a new polynomial, then added.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Combine")]
    public uint[] CombineParsedShares()
    {
        MaskedUpload total = MaskedUpload.Deserialize(_p, _sum);
        var protocol = new SetDecryptionProtocol(_p);
        SetDecryptionShare aggregate = protocol.AllocateShare();
        foreach (byte[] bytes in _shares)
        {
            protocol.AggregateShares(aggregate, SetDecryptionShare.Deserialize(_p, bytes), aggregate);
        }

        return protocol.Finalize(_session, total, aggregate);
    }

    [Benchmark]
    [BenchmarkCategory("Combine")]
    public uint[] CombineShareBytes() => _scheme.Combine(_session, 0, _sum, _shares.Select(s => (ReadOnlyMemory<byte>)s));

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Authenticate")]
    public bool AuthenticateByChain() => CertificateAuthority.ChainsTo(_client, _ca.Certificate, X509KeyUsageForPeer.ClientAuthentication);

    [Benchmark]
    [BenchmarkCategory("Authenticate")]
    public bool AuthenticateByFingerprint() => _verified.ContainsKey(Fingerprint(_client));

    private static string Fingerprint(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawDataMemory.Span));
}
