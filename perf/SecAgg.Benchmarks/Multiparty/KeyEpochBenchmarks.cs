using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Benchmarks.Multiparty;

/// <summary>
/// One participant's crypto in the key-epoch join at the load run's parameters (N = 20, t = 10, planned for d = 10^6:
/// n = 32768): the public-key share, dealing the Shamir shares of s_i (one per party), serializing them, the AES-GCM
/// envelope of the N−1 blobs (the .NET baseline for moving the same bytes), and combining the N shares received.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*KeyEpoch*'
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class KeyEpochBenchmarks
{
    private MultipartyParameters _p = null!;
    private PartySecret _secret = null!;
    private CommonReferencePolynomial _crp = null!;
    private ShamirShare[] _dealt = null!;
    private byte[][] _serialized = null!;
    private byte[][] _received = null!;
    private readonly byte[] _aesKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>Participants N.</summary>
    [Params(20)]
    public int Parties { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _p = ParameterPlanner.Plan(new PlannerRequest { Parties = Parties, Threshold = Math.Max(2, Parties / 2), ValueBits = 16, ExpectedValues = 1_000_000 }).Parameters;
        _secret = PartySecret.Generate(_p, 1);
        _crp = CommonReferencePolynomial.Expand(_p, CommonReferencePolynomial.NewSeed());
        _dealt = new Thresholdizer(_p).GenerateShares(_secret);
        _serialized = [.. _dealt.Select(s => s.Serialize())];

        // What party 1 receives: one share addressed to it from every dealer.
        _received = [.. Enumerable.Range(1, Parties).Select(i =>
        {
            using PartySecret s = PartySecret.Generate(_p, i);
            ShamirShare[] d = new Thresholdizer(_p).GenerateShares(s);
            return d[0].Serialize();
        })];
        Console.WriteLine($"// n = {_p.RingDegree}, primes = {_p.Primes.Count} (wire {_p.WireLimbCount}), full share = {_serialized.Max(b => b.Length)} bytes, seeded = {_dealt.Count(d => d.IsSeeded)}, relayed per dealer = {_serialized.Where((_, j) => j != 0).Sum(b => (long)b.Length) / 1e6:F1} MB");
    }

    /// <summary>p_i = −a·s_i + e_i, serialized.</summary>
    [Benchmark]
    public byte[] PublicKeyShare()
    {
        var protocol = new PublicKeyGenProtocol(_p);
        PublicKeyShare share = protocol.AllocateShare();
        protocol.GenerateShare(_secret, _crp, share);
        return share.Serialize();
    }

    /// <summary>Shamir dealing of s_i over every prime (degree t−1, N points), deterministic from a seed as the participant does it.</summary>
    [Benchmark]
    public ShamirShare[] Deal()
    {
        using Prng prng = Prng.FromSeed(_aesKey, "benchmark");
        return new Thresholdizer(_p).GenerateShares(_secret, prng);
    }

    /// <summary>The N serialized shares (bit-packed limbs).</summary>
    [Benchmark]
    public int SerializeShares()
    {
        int bytes = 0;
        foreach (ShamirShare s in _dealt)
        {
            bytes += s.Serialize().Length;
        }

        return bytes;
    }

    /// <summary>AES-256-GCM over the N−1 outgoing shares (the envelope's cipher; ECDH/HKDF excluded).</summary>
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

    /// <summary>Parse and check the N shares addressed to this party and sum them into its threshold share.</summary>
    [Benchmark]
    public ThresholdSecretShare Combine()
    {
        var shares = _received.Select(b => ShamirShare.Deserialize(_p, b)).ToList();
        return new Thresholdizer(_p).AggregateShares(1, shares);
    }
}
