using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Rlwe.Internal;

namespace SecAgg.Crypto.Ckks;

/// <summary>
/// CKKS public-key encryption: ct = (p0·u + e1 + m, p1·u + e2), u ternary, e1, e2 from the σ = 3.2 error (|·| ≤ 19),
/// at the plaintext's level; the same RLWE encryption as BFV (shared code), with the message added unscaled (it is
/// already Δ·values). Noise bound: <see cref="CkksPublicKey.FreshNoiseBound"/> = n·B_e + 19 + n·19·B_s.
/// Not thread-safe (one randomness stream).
/// </summary>
public sealed class CkksEncryptor : IDisposable
{
    private readonly CkksParameters _p;
    private readonly CkksPublicKey _pk;
    private readonly Prng _prng;
    private readonly long[] _small;

    /// <summary>Creates the encryptor (randomness from the OS CSPRNG via AES-CTR).</summary>
    public CkksEncryptor(CkksParameters parameters, CkksPublicKey publicKey)
        : this(parameters, publicKey, Prng.CreateSecure())
    {
    }

    internal CkksEncryptor(CkksParameters parameters, CkksPublicKey publicKey, Prng prng)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(publicKey);
        parameters.CheckSame(publicKey.Parameters, nameof(publicKey));
        _p = parameters;
        _pk = publicKey;
        _prng = prng;
        _small = new long[parameters.N];
    }

    /// <summary>Encrypts <paramref name="plaintext"/> at its level.</summary>
    public CkksCiphertext Encrypt(CkksPlaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var ct = new CkksCiphertext(_p, _p.Ring.NewPoly(plaintext.LimbCount), _p.Ring.NewPoly(plaintext.LimbCount), plaintext.Scale);
        Encrypt(plaintext, ct);
        return ct;
    }

    /// <summary>Encrypts into <paramref name="destination"/>, which must have the plaintext's limb count (no allocation).</summary>
    public void Encrypt(CkksPlaintext plaintext, CkksCiphertext destination)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(destination);
        _p.CheckSame(plaintext.Parameters, nameof(plaintext));
        _p.CheckSame(destination.Parameters, nameof(destination));
        if (destination.LimbCount != plaintext.LimbCount)
        {
            throw new ArgumentException($"The destination has {destination.LimbCount} limbs, the plaintext {plaintext.LimbCount}.", nameof(destination));
        }

        if (plaintext.Poly.IsNtt)
        {
            throw new ArgumentException("The plaintext must be in coefficient form.", nameof(plaintext));
        }

        RingQ ring = _p.Ring;
        PublicKeyEncryption.EncryptZero(ring, _prng, _small, DiscreteGaussianSampler.StandardError, _pk.P0, _pk.P0Shoup, _pk.P1, _pk.P1Shoup, destination.C0, destination.C1);
        ring.AddLimbs(destination.C0, plaintext.Poly, destination.C0);
        destination.Scale = plaintext.Scale;
        destination.NoiseBound = _pk.FreshNoiseBound;
        destination.MessageBound = plaintext.MessageBound;
        destination.EncodingErrorBound = plaintext.EncodingErrorBound;
        destination.SummandCount = 1;
    }

    /// <summary>Wipes and releases the randomness source.</summary>
    public void Dispose() => _prng.Dispose();
}
