using System.Numerics;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Bfv;

/// <summary>
/// BFV decryption: m = round(t·[c0 + c1·s]_q / q) mod t. <see cref="Decrypt(Ciphertext, Plaintext)"/> refuses a
/// ciphertext whose tracked noise bound does not guarantee exactness (<see cref="NoiseBoundExceededException"/>).
/// Not thread-safe (it reuses a scratch polynomial, wiped after each use).
/// </summary>
public sealed class Decryptor
{
    private readonly BfvContext _context;
    private readonly SecretKey _secretKey;
    private readonly CoefficientEncoder _encoder;
    private readonly Poly?[] _scratch;

    /// <summary>Creates a decryptor for <paramref name="secretKey"/>.</summary>
    public Decryptor(BfvContext context, SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secretKey);
        if (secretKey.Context.ParameterId != context.ParameterId)
        {
            throw new ArgumentException("The secret key belongs to other parameters.", nameof(secretKey));
        }

        _context = context;
        _secretKey = secretKey;
        _encoder = new CoefficientEncoder(context);
        _scratch = new Poly?[context.MaxLimbCount + 1];
    }

    /// <summary>Decrypts into <paramref name="destination"/>.</summary>
    /// <exception cref="NoiseBoundExceededException">The noise bound reaches the level's capacity.</exception>
    public void Decrypt(Ciphertext ciphertext, Plaintext destination)
    {
        CheckCiphertext(ciphertext);
        if (!ciphertext.IsNoiseBoundDecryptable)
        {
            throw new NoiseBoundExceededException(
                $"The ciphertext's noise bound {ciphertext.NoiseBound:G4} reaches the capacity {_context.NoiseCapacity(ciphertext.LimbCount):G4} at {ciphertext.LimbCount} limbs: decryption might be wrong. Sum fewer ciphertexts or use a larger modulus.");
        }

        DecryptIgnoringNoiseBound(ciphertext, destination);
    }

    /// <summary>Allocating form of <see cref="Decrypt(Ciphertext, Plaintext)"/>.</summary>
    public Plaintext Decrypt(Ciphertext ciphertext)
    {
        var p = new Plaintext(_context.N);
        Decrypt(ciphertext, p);
        return p;
    }

    /// <summary>Decrypts without consulting the bound (tests that probe the failure point).</summary>
    internal void DecryptIgnoringNoiseBound(Ciphertext ciphertext, Plaintext destination)
    {
        CheckCiphertext(ciphertext);
        ArgumentNullException.ThrowIfNull(destination);
        Poly phase = _scratch[ciphertext.LimbCount] ??= new Poly(_context.N, ciphertext.LimbCount);
        ComputePhase(ciphertext, phase);
        _encoder.DecodePhase(phase, destination);
        phase.Clear();
    }

    /// <summary>
    /// The measured invariant noise ‖v‖∞ = max_j |[t·(c0 + c1·s)_j]_q| / t (centered mod q). Exact (BigInteger CRT),
    /// slow: for tests and diagnostics. Meaningful while it is below q/(2t).
    /// </summary>
    public double MeasureNoise(Ciphertext ciphertext)
    {
        CheckCiphertext(ciphertext);
        Poly phase = ComputePhase(ciphertext);
        BigInteger[] v = _context.Ring.ToBigIntegers(phase);
        phase.Clear();
        BigInteger q = _context.Ring.ModulusAt(ciphertext.LimbCount);
        BigInteger t = _context.PlainModulus;
        BigInteger max = BigInteger.Zero;
        foreach (BigInteger x in v)
        {
            BigInteger y = x * t % q;
            if (y > q / 2)
            {
                y = q - y;
            }

            if (y > max)
            {
                max = y;
            }
        }

        return (double)max / (double)t;
    }

    /// <summary>SEAL's invariant noise budget in bits: log2(q/(2t)) − log2(measured ‖v‖∞), at least 0.</summary>
    public int InvariantNoiseBudget(Ciphertext ciphertext)
    {
        double noise = Math.Max(MeasureNoise(ciphertext), 1.0);
        double budget = Math.Log2((double)_context.Ring.ModulusAt(ciphertext.LimbCount) / (2.0 * _context.PlainModulus)) - Math.Log2(noise);
        return Math.Max(0, (int)Math.Floor(budget));
    }

    /// <summary>The phase c0 + c1·s (coefficient form).</summary>
    internal Poly ComputePhase(Ciphertext ciphertext)
    {
        var phase = new Poly(_context.N, ciphertext.LimbCount);
        ComputePhase(ciphertext, phase);
        return phase;
    }

    private void ComputePhase(Ciphertext ciphertext, Poly phase)
    {
        RingQ ring = _context.Ring;
        int limbs = ciphertext.LimbCount;
        ciphertext.C1.CopyTo(phase);
        ring.Ntt(phase, phase);
        for (int l = 0; l < limbs; l++)
        {
            ring.MulShoupLimb(phase.Limb(l), _secretKey.Poly.Limb(l), _secretKey.PolyShoup.Limb(l), phase.Limb(l), ring.Moduli[l].Value);
        }

        ring.InverseNtt(phase, phase);
        ring.Add(phase, ciphertext.C0, phase);
    }

    private void CheckCiphertext(Ciphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (ciphertext.ParameterId != _context.ParameterId)
        {
            throw new ArgumentException("The ciphertext belongs to other parameters.", nameof(ciphertext));
        }
    }
}
