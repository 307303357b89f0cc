using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Serialization;

namespace SecAgg.Benchmarks.Crypto;

/// <summary>
/// CKKS at SEAL's benchmark parameters: n = 8192, primes 60+40+40, scale 2^40, 4096 real slots. <see cref="EncodeEncrypt"/>
/// encrypts at all three primes, <see cref="EncodeEncryptTwoLimbs"/> at SEAL's data level (60+40 bits). SEAL 4.4.3's
/// matching operations are in ../shared/anchors/seal/bench.cpp; <c>perf/run-benchmarks.sh --seal-only</c> alternates
/// them with these cases in one session and reports the ratios (docs/benchmarks.md, "SEAL side by side").
/// Baseline in the same run: the core BFV pk-encryption with the same ring and primes (t = 2^16).
/// </summary>
[ShortRunJob]
[Config(typeof(CpuTimeConfig))]
[MemoryDiagnoser]
public class CkksBenchmarks
{
    private CkksEncoder _encoder = null!;
    private CkksEncryptor _encryptor = null!;
    private CkksDecryptor _decryptor = null!;
    private CkksEvaluator _evaluator = null!;
    private CkksPlaintext _plain = null!;
    private CkksPlaintext _plain2 = null!;
    private CkksCiphertext _ct = null!;
    private CkksCiphertext _ct2 = null!;
    private CkksCiphertext _dest = null!;
    private CkksCiphertext _dest2 = null!;
    private double[] _values = null!;
    private double[] _decoded = null!;
    private byte[] _bytes = null!;
    private CkksParameters _p = null!;
    private Encryptor _bfvEncryptor = null!;
    private SecAgg.Crypto.Bfv.Ciphertext _bfvDest = null!;
    private SecAgg.Crypto.Bfv.Plaintext _bfvPlain = null!;

    /// <summary>Instruction set.</summary>
    [Params("Scalar", "Vector512")]
    public string Simd { get; set; } = "Scalar";

    [GlobalSetup]
    public void Setup()
    {
        SimdMode simd = Enum.Parse<SimdMode>(Simd);
        _p = CkksParameters.Create(CkksPresets.N8192Q140Scale40, simd);
        var keygen = new CkksKeyGenerator(_p, Prng.ForTesting(1));
        _encryptor = new CkksEncryptor(_p, keygen.CreatePublicKey(), Prng.ForTesting(2));
        _decryptor = new CkksDecryptor(_p, keygen.SecretKey);
        _evaluator = new CkksEvaluator(_p);
        _encoder = new CkksEncoder(_p);
        using Prng values = Prng.ForTesting(3);
        _values = new double[_p.Slots];
        for (int i = 0; i < _values.Length; i++)
        {
            _values[i] = (values.NextUInt64() >> 11) * (2.0 / 9007199254740992.0) - 1.0;
        }

        _decoded = new double[_p.Slots];
        _plain = _encoder.Encode(_values);
        _plain2 = _encoder.NewPlaintext(limbCount: 2);
        _ct = _encryptor.Encrypt(_plain);
        _ct2 = _encryptor.Encrypt(_plain);
        _dest = _encryptor.Encrypt(_plain);
        _dest2 = _encryptor.Encrypt(_encoder.Encode(_values, limbCount: 2));
        _bytes = CkksSerializer.Serialize(_ct);

        var bfv = new BfvContext(new EncryptionParameters { PolyModulusDegree = 8192, CoeffModulus = _p.Primes.ToArray(), PlainModulus = 1UL << 16 }, false, simd);
        var bfvKeys = new KeyGenerator(bfv, Prng.ForTesting(4));
        _bfvEncryptor = new Encryptor(bfv, bfvKeys.CreatePublicKey(), bfvKeys.SecretKey, Prng.ForTesting(5));
        _bfvPlain = new SecAgg.Crypto.Bfv.Plaintext(8192);
        _bfvDest = _bfvEncryptor.Encrypt(_bfvPlain);

    }

    [Benchmark(Baseline = true)]
    public void BfvEncryptPublicKey() => _bfvEncryptor.Encrypt(_bfvPlain, _bfvDest);

    [Benchmark]
    public void Encode() => _encoder.Encode(_values, _plain);

    [Benchmark]
    public void EncodeEncrypt()
    {
        _encoder.Encode(_values, _plain);
        _encryptor.Encrypt(_plain, _dest);
    }

    [Benchmark]
    public void EncodeEncryptTwoLimbs()
    {
        _encoder.Encode(_values, _plain2);
        _encryptor.Encrypt(_plain2, _dest2);
    }

    [Benchmark]
    public double[] DecryptDecode()
    {
        _encoder.Decode(_decryptor.Decrypt(_ct), _decoded);
        return _decoded;
    }

    [Benchmark]
    public void Add() => _evaluator.AddInplace(_dest, _ct2);

    [Benchmark]
    public int Serialize() => CkksSerializer.Write(_ct, _bytes);

    [Benchmark]
    public void Deserialize() => CkksSerializer.ReadCiphertext(_p, _bytes, _dest);
}
