using SecAgg.Crypto.Bfv.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Rlwe.Internal;

namespace SecAgg.Crypto.Bfv;

/// <summary>
/// BFV encryption. Public key: ct = (p0·u + e1 + round(q·m/t), p1·u + e2) with u ternary and e1, e2 errors;
/// symmetric: ct = (−a·s + e + round(q·m/t), a) with a uniform. Every ciphertext carries its rigorous noise bound
/// (<see cref="PublicKey.FreshNoiseBound"/>; symmetric: 19 + 1/2). Not thread-safe (one randomness stream).
/// </summary>
public sealed class Encryptor : IDisposable
{
    private readonly BfvContext _context;
    private readonly PublicKey? _publicKey;
    private readonly SecretKey? _secretKey;
    private readonly Prng _prng;
    private readonly CoefficientEncoder _encoder;
    private readonly long[] _small;

    /// <summary>Creates a public-key encryptor.</summary>
    public Encryptor(BfvContext context, PublicKey publicKey)
        : this(context, publicKey, null, Prng.CreateSecure())
    {
        ArgumentNullException.ThrowIfNull(publicKey);
    }

    /// <summary>Creates a symmetric (secret-key) encryptor.</summary>
    public Encryptor(BfvContext context, SecretKey secretKey)
        : this(context, null, secretKey, Prng.CreateSecure())
    {
        ArgumentNullException.ThrowIfNull(secretKey);
    }

    /// <summary>Deterministic encryptor for tests: all randomness from <paramref name="prng"/>.</summary>
    internal Encryptor(BfvContext context, PublicKey? publicKey, SecretKey? secretKey, Prng prng)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (publicKey is not null && publicKey.Context.ParameterId != context.ParameterId)
        {
            throw new ArgumentException("The public key belongs to other parameters.", nameof(publicKey));
        }

        if (secretKey is not null && secretKey.Context.ParameterId != context.ParameterId)
        {
            throw new ArgumentException("The secret key belongs to other parameters.", nameof(secretKey));
        }

        _context = context;
        _publicKey = publicKey;
        _secretKey = secretKey;
        _prng = prng;
        _encoder = new CoefficientEncoder(context);
        _small = new long[context.N];
    }

    /// <summary>Encrypts under the public key at <paramref name="limbCount"/> limbs (0 = all).</summary>
    /// <exception cref="InvalidOperationException">The encryptor has no public key.</exception>
    public Ciphertext Encrypt(Plaintext plaintext, int limbCount = 0)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        int limbs = ResolveLimbs(limbCount);
        var ct = new Ciphertext(_context, new Poly(_context.N, limbs), new Poly(_context.N, limbs), 0, 1);
        Encrypt(plaintext, ct);
        return ct;
    }

    /// <summary>Encrypts under the public key into <paramref name="destination"/> (its limb count is kept).</summary>
    public void Encrypt(Plaintext plaintext, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(destination);
        PublicKey pk = _publicKey ?? throw new InvalidOperationException("This encryptor was created without a public key.");
        if (destination.ParameterId != _context.ParameterId)
        {
            throw new ArgumentException("The destination ciphertext belongs to other parameters.", nameof(destination));
        }

        if (plaintext.N != _context.N)
        {
            throw new ArgumentException($"The plaintext has {plaintext.N} coefficients, the parameters {_context.N}.", nameof(plaintext));
        }

        Poly c0 = destination.C0;
        PublicKeyEncryption.EncryptZero(_context.Ring, _prng, _small, _context.ErrorSampler, pk.P0, pk.P0Shoup, pk.P1, pk.P1Shoup, c0, destination.C1);
        _encoder.AddScaled(plaintext, c0);
        destination.NoiseBound = pk.FreshNoiseBound;
        destination.SecretNormBound = pk.SecretNormBound;
    }

    /// <summary>Encrypts with the secret key at <paramref name="limbCount"/> limbs (0 = all).</summary>
    /// <exception cref="InvalidOperationException">The encryptor has no secret key.</exception>
    public Ciphertext EncryptSymmetric(Plaintext plaintext, int limbCount = 0)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        int limbs = ResolveLimbs(limbCount);
        var ct = new Ciphertext(_context, new Poly(_context.N, limbs), new Poly(_context.N, limbs), 0, 1);
        EncryptSymmetric(plaintext, ct);
        return ct;
    }

    /// <summary>Encrypts with the secret key into <paramref name="destination"/> (its limb count is kept).</summary>
    /// <exception cref="InvalidOperationException">The encryptor has no secret key.</exception>
    public void EncryptSymmetric(Plaintext plaintext, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(destination);
        SecretKey sk = _secretKey ?? throw new InvalidOperationException("This encryptor was created without a secret key.");
        if (destination.ParameterId != _context.ParameterId)
        {
            throw new ArgumentException("The destination ciphertext belongs to other parameters.", nameof(destination));
        }

        RingQ ring = _context.Ring;
        Poly c0 = destination.C0, a = destination.C1;
        int limbs = c0.LimbCount;
        UniformSampler.Sample(_prng, ring, a);
        for (int l = 0; l < limbs; l++)
        {
            ring.MulShoupLimb(a.Limb(l), sk.Poly.Limb(l), sk.PolyShoup.Limb(l), c0.Limb(l), ring.Moduli[l].Value);
        }

        c0.IsNtt = true;
        ring.Negate(c0, c0);
        ring.InverseNtt(c0, c0);
        ring.InverseNtt(a, a);
        _context.ErrorSampler.Sample(_prng, _small);
        ring.AddSigned(_small, c0);
        Array.Clear(_small);
        _encoder.AddScaled(plaintext, c0);
        destination.NoiseBound = NoiseMath.AddUp(_context.ErrorSampler.Bound, 0.5);
        destination.SecretNormBound = sk.InfinityNormBound;
    }

    private int ResolveLimbs(int limbCount)
    {
        if (limbCount == 0)
        {
            return _context.MaxLimbCount;
        }

        if (limbCount < 1 || limbCount > _context.MaxLimbCount)
        {
            throw new ArgumentOutOfRangeException(nameof(limbCount), limbCount, $"Must be in [1, {_context.MaxLimbCount}] (or 0 for all).");
        }

        return limbCount;
    }

    /// <summary>Wipes and releases the randomness source.</summary>
    public void Dispose() => _prng.Dispose();
}
