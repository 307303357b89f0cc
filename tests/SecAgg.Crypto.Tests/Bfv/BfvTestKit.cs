using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Bfv;

/// <summary>Deterministic key material for tests (fixed seeds; never for production).</summary>
internal sealed class BfvTestKit : IDisposable
{
    public BfvTestKit(EncryptionParameters parameters, ulong seed = 42, SimdMode simd = SimdMode.Auto, bool insecure = false)
    {
        Context = new BfvContext(parameters, insecure, simd);
        KeyGenerator = new KeyGenerator(Context, Prng.ForTesting(seed));
        SecretKey = KeyGenerator.SecretKey;
        PublicKey = KeyGenerator.CreatePublicKey();
        Encryptor = new Encryptor(Context, PublicKey, SecretKey, Prng.ForTesting(seed + 1));
        Decryptor = new Decryptor(Context, SecretKey);
        Evaluator = new Evaluator(Context);
        Encoder = new CoefficientEncoder(Context);
        Values = Prng.ForTesting(seed + 2);
    }

    public BfvContext Context { get; }

    public KeyGenerator KeyGenerator { get; }

    public SecretKey SecretKey { get; }

    public PublicKey PublicKey { get; }

    public Encryptor Encryptor { get; }

    public Decryptor Decryptor { get; }

    public Evaluator Evaluator { get; }

    public CoefficientEncoder Encoder { get; }

    public Prng Values { get; }

    public ulong[] RandomValues()
    {
        var v = new ulong[Context.N];
        for (int j = 0; j < v.Length; j++)
        {
            v[j] = Values.NextBelow(Context.PlainModulus);
        }

        return v;
    }

    public Plaintext Encode(ulong[] values) => Encoder.Encode(values);

    public void Dispose()
    {
        KeyGenerator.Dispose();
        Encryptor.Dispose();
        SecretKey.Dispose();
        Values.Dispose();
    }
}
