using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Benchmarks.Multiparty;

/// <summary>
/// One participant's crypto in the protocol v2 key epoch at the load run's shape (N = 20, t = 10, planned for
/// d = 10^6 values of 16 bits): dealing its key share s_i to the N members (<see cref="KeyShareDealer"/>, t − 1 shares
/// seeded), serializing the N shares, the AES-GCM envelope of the N − 1 outgoing blobs (the .NET baseline for moving the
/// same bytes), and parsing and keeping the N shares received (<see cref="KeyShareDealer.AggregateShares"/>).
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*KeyEpoch*' --inProcess
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.CpuTimeConfig))]
[MemoryDiagnoser]
public class KeyEpochBenchmarks
{
    private AggregationParameters _p = null!;
    private KeyShareSecret _secret = null!;
    private DealtKeyShare[] _dealt = null!;
    private byte[][] _serialized = null!;
    private byte[][] _received = null!;
    private readonly byte[] _aesKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>Participants N.</summary>
    [Params(20)]
    public int Parties { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _p = AggregationPlanner.Plan(new AggregationPlanRequest { Parties = Parties, Threshold = Math.Max(2, Parties / 2), ValueBits = 16, ExpectedValues = 1_000_000 }).Parameters;
        _secret = KeyShareSecret.Generate(_p, 1);
        var dealer = new KeyShareDealer(_p);
        _dealt = dealer.GenerateShares(_secret);
        _serialized = [.. _dealt.Select(s => s.Serialize())];

        // What party 1 receives: one share addressed to it from every dealer.
        _received = [.. Enumerable.Range(1, Parties).Select(i =>
        {
            using KeyShareSecret s = KeyShareSecret.Generate(_p, i);
            DealtKeyShare[] d = dealer.GenerateShares(s);
            byte[] mine = d[0].Serialize();
            foreach (DealtKeyShare x in d)
            {
                x.Dispose();
            }

            return mine;
        })];
        Console.WriteLine($"// n = {_p.RingDegree}, primes = {_p.Primes.Count}, full share = {_serialized.Max(b => b.Length)} bytes, seeded = {_dealt.Count(d => d.IsSeeded)}, relayed per dealer = {_serialized.Where((_, j) => j != 0).Sum(b => (long)b.Length) / 1e6:F1} MB");
    }

    /// <summary>Shamir dealing of NTT(s_i) over every prime (degree t − 1, N points), seeds from a keyed stream as the
    /// participant does it (so that a restart re-deals the same shares).</summary>
    [Benchmark]
    public DealtKeyShare[] Deal()
    {
        using Prng prng = Prng.FromSeed(_aesKey, "benchmark");
        return new KeyShareDealer(_p).GenerateShares(_secret, prng);
    }

    /// <summary>The N serialized shares (bit-packed, or a 32-byte seed for the seeded ones).</summary>
    [Benchmark]
    public int SerializeShares()
    {
        int bytes = 0;
        foreach (DealtKeyShare s in _dealt)
        {
            bytes += s.Serialize().Length;
        }

        return bytes;
    }

    /// <summary>AES-256-GCM over the N − 1 outgoing shares (the envelope's cipher; ECDH/HKDF excluded).</summary>
    [Benchmark]
    public int SealShares()
    {
        using var gcm = new AesGcm(_aesKey, 16);
        byte[] nonce = new byte[12];
        byte[] tag = new byte[16];
        int bytes = 0;
        for (int j = 1; j < _serialized.Length; j++)
        {
            byte[] ct = new byte[_serialized[j].Length];
            gcm.Encrypt(nonce, _serialized[j], ct, tag);
            bytes += ct.Length;
        }

        return bytes;
    }

    /// <summary>Parse and check the N shares addressed to this party and keep them, one per dealer.</summary>
    [Benchmark]
    public ThresholdKeyShares Combine()
    {
        var shares = _received.Select(b => DealtKeyShare.Deserialize(_p, b)).ToList();
        return new KeyShareDealer(_p).AggregateShares(1, shares);
    }
}
