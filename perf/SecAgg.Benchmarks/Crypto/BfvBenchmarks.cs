using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Serialization;

namespace SecAgg.Benchmarks.Crypto;

/// <summary>
/// BFV operations at SEAL's data-level moduli (n = 4096: 36+36 bits; n = 8192: 43+43+44+44 bits), t = 2^16.
/// SEAL 4.4.3's matching benchmark is ../shared/anchors/seal/bench.cpp: <c>perf/run-benchmarks.sh --seal-only</c>
/// alternates it with these cases in one session and reports the ratios (docs/benchmarks.md, "SEAL side by side");
/// compare with SEAL only that way, never with a SEAL figure of another run.
/// </summary>
[ShortRunJob]
[Config(typeof(CpuTimeConfig))]
[MemoryDiagnoser]
public class BfvBenchmarks
{
    private BfvContext _context = null!;
    private Encryptor _encryptor = null!;
    private Decryptor _decryptor = null!;
    private Evaluator _evaluator = null!;
    private Plaintext _plain = null!;
    private Ciphertext _ct = null!;
    private Ciphertext _ct2 = null!;
    private Ciphertext _dest = null!;
    private byte[] _bytes = null!;
    private SecretKey _secret = null!;

    /// <summary>Ring degree.</summary>
    [Params(4096, 8192)]
    public int N { get; set; }

    /// <summary>Instruction set.</summary>
    [Params("Scalar", "Vector512")]
    public string Simd { get; set; } = "Scalar";

    [GlobalSetup]
    public void Setup()
    {
        int[] bits = N == 4096 ? [36, 36] : [43, 43, 44, 44];
        var parameters = new EncryptionParameters
        {
            PolyModulusDegree = N,
            CoeffModulus = CoeffModulus.Create(N, bits),
            PlainModulus = 1UL << 16,
        };
        _context = new BfvContext(parameters, false, Enum.Parse<SimdMode>(Simd));
        var keygen = new KeyGenerator(_context, Prng.ForTesting(1));
        _secret = keygen.SecretKey;
        PublicKey pk = keygen.CreatePublicKey();
        _encryptor = new Encryptor(_context, pk, _secret, Prng.ForTesting(2));
        _decryptor = new Decryptor(_context, _secret);
        _evaluator = new Evaluator(_context);
        _plain = new Plaintext(N);
        using Prng values = Prng.ForTesting(3);
        for (int j = 0; j < N; j++)
        {
            _plain.Coefficients[j] = values.NextBelow(1UL << 16);
        }

        _ct = _encryptor.Encrypt(_plain);
        _ct2 = _encryptor.Encrypt(_plain);
        _dest = _encryptor.Encrypt(_plain);
        _bytes = BfvSerializer.Serialize(_ct);
    }

    [Benchmark]
    public void EncryptPublicKey() => _encryptor.Encrypt(_plain, _dest);

    [Benchmark]
    public Ciphertext EncryptSymmetric() => _encryptor.EncryptSymmetric(_plain);

    [Benchmark]
    public void Add() => _evaluator.Add(_ct, _ct2, _dest);

    [Benchmark]
    public Plaintext Decrypt() => _decryptor.Decrypt(_ct);

    [Benchmark]
    public int Serialize() => BfvSerializer.Write(_ct, _bytes);

    [Benchmark]
    public Ciphertext Deserialize() => BfvSerializer.ReadCiphertext(_context, _bytes);
}
