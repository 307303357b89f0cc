using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Bfv;

/// <summary>
/// Generates a ternary secret key s (each coefficient uniform in {−1, 0, 1}) and public keys
/// (p0, p1) = (−a·s + e, a) with a uniform and e from the error distribution (σ = 3.2, |e| ≤ 19).
/// </summary>
public sealed class KeyGenerator : IDisposable
{
    private readonly BfvContext _context;
    private readonly Prng _prng;

    /// <summary>Creates a generator with a fresh secret key (randomness from the operating system's CSPRNG).</summary>
    public KeyGenerator(BfvContext context)
        : this(context, Prng.CreateSecure())
    {
    }

    /// <summary>Creates a generator for an existing secret key.</summary>
    public KeyGenerator(BfvContext context, SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secretKey);
        if (!ReferenceEquals(secretKey.Context, context) && secretKey.Context.ParameterId != context.ParameterId)
        {
            throw new ArgumentException("The secret key belongs to other parameters.", nameof(secretKey));
        }

        _context = context;
        _prng = Prng.CreateSecure();
        SecretKey = secretKey;
    }

    /// <summary>Deterministic generator for tests: all randomness from <paramref name="prng"/>.</summary>
    internal KeyGenerator(BfvContext context, Prng prng)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _prng = prng;
        SecretKey = CreateTernarySecret(context, prng);
    }

    /// <summary>The secret key (owned by the caller once read: dispose it to wipe it).</summary>
    public SecretKey SecretKey { get; }

    /// <summary>Creates a public key (p0, p1) = (−a·s + e, a) for the secret key, with fresh uniform a.</summary>
    public PublicKey CreatePublicKey()
    {
        Poly a = _context.Ring.NewPoly();
        UniformSampler.Sample(_prng, _context.Ring, a);
        return CreatePublicKey(a);
    }

    /// <summary>Creates the public key for a given uniform <paramref name="a"/> (NTT form, all limbs), e.g. one expanded
    /// from a public seed with <see cref="UniformSampler.ExpandFromSeed"/>.</summary>
    public PublicKey CreatePublicKey(Poly a)
    {
        RingQ ring = _context.Ring;
        _context.CheckPoly(a, nameof(a));
        if (!a.IsNtt || a.LimbCount != _context.MaxLimbCount)
        {
            throw new ArgumentException("a must be in NTT form with every limb.", nameof(a));
        }

        Poly p0 = ring.NewPoly();
        long[] e = new long[ring.N];
        _context.ErrorSampler.Sample(_prng, e);
        ring.SetSigned(e, p0);
        ring.Ntt(p0, p0);
        Poly product = ring.NewPoly();
        ring.MultiplyCoefficientsShoup(a, SecretKey.Poly, SecretKey.PolyShoup, product);
        ring.Subtract(p0, product, p0); // e − a·s
        product.Clear();
        Array.Clear(e);
        return new PublicKey(_context, p0, a.Clone(), SecretKey.InfinityNormBound, _context.ErrorSampler.Bound);
    }

    internal static SecretKey CreateTernarySecret(BfvContext context, Prng prng)
    {
        RingQ ring = context.Ring;
        long[] s = new long[ring.N];
        TernarySampler.Sample(prng, s);
        Poly sp = ring.NewPoly();
        ring.SetSigned(s, sp);
        Array.Clear(s);
        ring.Ntt(sp, sp);
        return new SecretKey(context, sp, 1.0);
    }

    /// <summary>Releases the randomness source (the secret key stays valid).</summary>
    public void Dispose() => _prng.Dispose();
}
