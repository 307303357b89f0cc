using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Serialization;

namespace SecAgg.Crypto;

/// <summary>A quick end-to-end check of the BFV core: encrypt a batch, sum it, decrypt the sum, verify, report speed.</summary>
public static class SelfCheck
{
    /// <summary>
    /// Encrypts <paramref name="ciphertextCount"/> random vectors of n = 4096 values mod 2^16 under a fresh key
    /// (<see cref="BfvPresets.N4096Q109"/>), sums them homomorphically, switches down one prime, decrypts, compares
    /// with the plaintext sum and prints throughput (wall clock, after a short warm-up) and wire size to
    /// <paramref name="output"/>.
    /// </summary>
    /// <returns>True when the decrypted sum is right.</returns>
    public static bool Run(TextWriter output, int ciphertextCount = 64)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ciphertextCount);
        const ulong t = 1UL << 16;
        var context = new BfvContext(BfvPresets.N4096Q109(t));
        int n = context.N;
        using var keygen = new KeyGenerator(context);
        using SecretKey secret = keygen.SecretKey;
        PublicKey publicKey = keygen.CreatePublicKey();
        using var encryptor = new Encryptor(context, publicKey);
        var evaluator = new Evaluator(context);
        var decryptor = new Decryptor(context, secret);
        var encoder = new CoefficientEncoder(context);

        // Warm up (the JIT compiles hot loops fully optimized only after a few calls).
        var warm = new Plaintext(n);
        Ciphertext warmCt = encryptor.Encrypt(warm);
        for (int i = 0; i < 30; i++)
        {
            encryptor.Encrypt(warm, warmCt);
            evaluator.AddInplace(warmCt, warmCt);
        }

        decryptor.Decrypt(evaluator.ModSwitchToNext(encryptor.Encrypt(warm)), warm);

        var expected = new ulong[n];
        var bytes = new byte[n * 2];
        var plaintexts = new Plaintext[ciphertextCount];
        for (int i = 0; i < ciphertextCount; i++)
        {
            RandomNumberGenerator.Fill(bytes);
            var values = new ulong[n];
            for (int j = 0; j < n; j++)
            {
                values[j] = (ulong)(bytes[2 * j] | (bytes[(2 * j) + 1] << 8));
                expected[j] = (expected[j] + values[j]) % t;
            }

            plaintexts[i] = encoder.Encode(values);
        }

        // Streaming pattern: encrypt into one reusable ciphertext, add it into the running sum.
        Ciphertext ct = encryptor.Encrypt(plaintexts[0]);
        Ciphertext sum = ct.Clone();
        var encryptTime = new Stopwatch();
        var addTime = new Stopwatch();
        TimeSpan cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < ciphertextCount; i++)
        {
            encryptTime.Start();
            encryptor.Encrypt(plaintexts[i], i == 0 ? sum : ct);
            encryptTime.Stop();
            if (i > 0)
            {
                addTime.Start();
                evaluator.AddInplace(sum, ct);
                addTime.Stop();
            }
        }

        TimeSpan loopCpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;

        var decryptTime = Stopwatch.StartNew();
        Ciphertext small = evaluator.ModSwitchToNext(sum);
        Plaintext result = decryptor.Decrypt(small);
        decryptTime.Stop();
        bool ok = result.Coefficients.AsSpan().SequenceEqual(expected);
        int wire = BfvSerializer.GetSize(small);
        double values_ = (double)ciphertextCount * n;
        var ci = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(ci, $"SecAgg.Crypto self-check: BFV n={n}, log2 q={context.TotalCoeffModulusBits}, t=2^16, {ciphertextCount} ciphertexts"));
        output.WriteLine(string.Create(ci, $"  pk-encrypt: {values_ / encryptTime.Elapsed.TotalSeconds / 1e6:F2} M values/s ({encryptTime.Elapsed.TotalMilliseconds * 1000 / ciphertextCount:F0} us per ciphertext; encrypt+add loop used {loopCpu.TotalMilliseconds * 1000 / ciphertextCount:F0} us process CPU time per ciphertext)"));
        output.WriteLine(string.Create(ci, $"  add:        {values_ / Math.Max(addTime.Elapsed.TotalSeconds, 1e-9) / 1e6:F0} M values/s"));
        output.WriteLine(string.Create(ci, $"  mod-switch + decrypt: {decryptTime.Elapsed.TotalMilliseconds:F2} ms"));
        output.WriteLine(string.Create(ci, $"  noise bound after sum: 2^{Math.Log2(sum.NoiseBound):F1} of capacity 2^{Math.Log2(context.NoiseCapacity(sum.LimbCount)):F1}; after mod switch 2^{Math.Log2(small.NoiseBound):F1} of 2^{Math.Log2(context.NoiseCapacity(small.LimbCount)):F1}"));
        output.WriteLine(string.Create(ci, $"  wire size at {small.LimbCount} limb(s): {wire} bytes for {n} values ({wire * 8.0 / (n * 16):F2} bits per plaintext bit)"));
        output.WriteLine(ok ? "  decrypted sum: CORRECT" : "  decrypted sum: WRONG");
        return ok;
    }
}
