using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Ckks;

/// <summary>
/// Single-party CKKS keys: a ternary secret s (OS CSPRNG) and public keys (−a·s + e, a) with a uniform and e from the
/// σ = 3.2 error (|e| ≤ 19). The consortium has no public key: protocol v2 encrypts under each site's own key share
/// (SecAgg.Crypto.Multiparty, docs/multiparty.md).
/// </summary>
public sealed class CkksKeyGenerator : IDisposable
{
    private readonly CkksParameters _p;
    private readonly Prng _prng;

    /// <summary>Creates a generator with a fresh secret key.</summary>
    public CkksKeyGenerator(CkksParameters parameters)
        : this(parameters, Prng.CreateSecure())
    {
    }

    internal CkksKeyGenerator(CkksParameters parameters, Prng prng)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _p = parameters;
        _prng = prng;
        var s = new long[parameters.N];
        TernarySampler.Sample(prng, s);
        Poly sp = parameters.Ring.NewPoly();
        parameters.Ring.SetSigned(s, sp);
        parameters.Ring.Ntt(sp, sp);
        Array.Clear(s);
        SecretKey = new CkksSecretKey(parameters, sp);
    }

    /// <summary>The secret key (dispose it when done).</summary>
    public CkksSecretKey SecretKey { get; }

    /// <summary>A public key (−a·s + e, a) with fresh uniform a.</summary>
    public CkksPublicKey CreatePublicKey()
    {
        RingQ ring = _p.Ring;
        Poly a = ring.NewPoly();
        UniformSampler.Sample(_prng, ring, a);
        a.IsNtt = true;
        var e = new long[_p.N];
        DiscreteGaussianSampler.StandardError.Sample(_prng, e);
        Poly p0 = ring.NewPoly();
        ring.SetSigned(e, p0);
        ring.Ntt(p0, p0);
        Poly t = ring.NewPoly();
        ring.MultiplyCoefficients(a, SecretKey.Poly, t);
        ring.Subtract(p0, t, p0);
        t.Clear();
        Array.Clear(e);
        return new CkksPublicKey(_p, p0, a, 1.0, DiscreteGaussianSampler.StandardError.Bound);
    }

    /// <summary>Releases the randomness source.</summary>
    public void Dispose() => _prng.Dispose();
}
