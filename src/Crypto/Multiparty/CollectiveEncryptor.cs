using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// Public-key encryption under the collective key, followed at once by modulus switching to the wire
/// modulus q': ct = (p0·u + e1 + round(Q·m/t), p1·u + e2) mod Q, u ternary, e1, e2 small Gaussians;
/// then (c0, c1) ← round(q'/Q·(c0, c1)) by dividing and rounding by each dropped prime.
/// Fresh noise ≤ 19·(2nN + 1) + 1/2; after switching ≤ (q'/Q)(B_fresh + 1/2) + (1/2)(1 + nN).
/// </summary>
public sealed class CollectiveEncryptor
{
    private readonly MultipartyParameters _p;
    private readonly CollectivePublicKey _pk;
    private readonly PackedEncoder _encoder;

    /// <summary>Creates an encryptor for <paramref name="publicKey"/>.</summary>
    public CollectiveEncryptor(CollectivePublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        _pk = publicKey;
        _p = publicKey.Parameters;
        _encoder = new PackedEncoder(_p);
    }

    /// <summary>
    /// Encrypts up to n·k values, each in [0, 2^b) (missing trailing values are zero), and returns the
    /// compact ciphertext ready for the wire.
    /// </summary>
    public CompactCiphertext Encrypt(ReadOnlySpan<uint> values)
    {
        using Prng prng = Prng.CreateSecure();
        return Encrypt(values, prng);
    }

    internal CompactCiphertext Encrypt(ReadOnlySpan<uint> values, Prng prng)
    {
        if (values.Length > _p.ValuesPerCiphertext)
        {
            throw new ArgumentException($"At most {_p.ValuesPerCiphertext} values fit in one ciphertext; got {values.Length}.", nameof(values));
        }

        RingQ ring = _p.KeyRing;
        int n = ring.N;
        var small = new long[n];
        Poly u = ring.NewPoly();
        TernarySampler.Sample(prng, small);
        ring.FromSigned(small, u);
        ring.Ntt(u);

        Poly c0 = ring.NewPoly();
        Poly c1 = ring.NewPoly();
        ring.MulCoeffs(_pk.P0, u, c0);
        ring.MulCoeffs(_pk.P1, u, c1);
        ring.InverseNtt(c0);
        ring.InverseNtt(c1);
        u.Clear();

        Poly tmp = ring.NewPoly();
        DiscreteGaussianSampler.StandardError.Sample(prng, small);
        ring.FromSigned(small, tmp);
        ring.AddLimbs(c0, tmp, c0);
        DiscreteGaussianSampler.StandardError.Sample(prng, small);
        ring.FromSigned(small, tmp);
        ring.AddLimbs(c1, tmp, c1);
        Array.Clear(small);

        _encoder.EncodeScaled(values, tmp);
        ring.AddLimbs(c0, tmp, c0);
        tmp.Clear();

        while (c0.LimbCount > _p.WireLimbCount)
        {
            c0 = ring.DivRoundByLastModulus(c0);
            c1 = ring.DivRoundByLastModulus(c1);
        }

        return new CompactCiphertext(_p, c0, c1, 1);
    }
}
