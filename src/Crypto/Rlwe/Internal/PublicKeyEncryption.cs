using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Rlwe.Internal;

/// <summary>
/// The RLWE public-key encryption of zero shared by BFV and CKKS: (c0, c1) = (p0·u + e1, p1·u + e2) in coefficient
/// form at c0's limb count, with u ternary and e1, e2 from the error sampler; the key (p0, p1) is in NTT form
/// with its Shoup companions and at least as many limbs. The scheme then adds its encoded message to c0.
/// </summary>
internal static class PublicKeyEncryption
{
    public static void EncryptZero(
        RingQ ring, Prng prng, long[] small, DiscreteGaussianSampler error,
        Poly p0, Poly p0Shoup, Poly p1, Poly p1Shoup, Poly c0, Poly c1)
    {
        int limbs = c0.LimbCount;

        // u ternary, in NTT form, written into c1 first and multiplied limb by limb.
        TernarySampler.Sample(prng, small);
        ring.SetSigned(small, c1);
        ring.Ntt(c1, c1);
        for (int l = 0; l < limbs; l++)
        {
            ulong p = ring.Moduli[l].Value;
            ring.MulShoupLimb(c1.Limb(l), p0.Limb(l), p0Shoup.Limb(l), c0.Limb(l), p);
            ring.MulShoupLimb(c1.Limb(l), p1.Limb(l), p1Shoup.Limb(l), c1.Limb(l), p);
        }

        c0.IsNtt = true;
        ring.InverseNtt(c0, c0);
        ring.InverseNtt(c1, c1);
        error.Sample(prng, small);
        ring.AddSigned(small, c0);
        error.Sample(prng, small);
        ring.AddSigned(small, c1);
        Array.Clear(small);
    }
}
