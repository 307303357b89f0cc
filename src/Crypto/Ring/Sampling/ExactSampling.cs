using System.Numerics;

namespace SecAgg.Crypto.Ring.Sampling;

/// <summary>
/// The exact samplers of Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential
/// Privacy" (NeurIPS 2020, Algorithms 1-3), in integer arithmetic only: every probability is a
/// rational p/q and is realised by comparing a uniform integer in [0, q) with p.
/// </summary>
/// <remarks>
/// These are the reference building blocks. Their running time depends on the value drawn
/// (the loops run longer for larger |Y| and for rejected proposals; CKS section 5.4), which is a
/// timing side channel. The fast sampler is <see cref="ExactDiscreteGaussianSampler"/>.
/// </remarks>
public static class ExactSampling
{
    /// <summary>Bernoulli(p/q): true with probability exactly p/q, for 0 ≤ p ≤ q, q &gt; 0.</summary>
    public static bool Bernoulli(BigInteger p, BigInteger q, Prng random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (q.Sign <= 0 || p.Sign < 0 || p > q)
        {
            throw new ArgumentOutOfRangeException(nameof(p), $"Bernoulli(p/q) needs 0 <= p <= q and q > 0; got {p}/{q}.");
        }

        return random.NextBelow(q) < p;
    }

    /// <summary>
    /// Bernoulli(exp(−γ)) for rational γ = <paramref name="numerator"/>/<paramref name="denominator"/> ≥ 0
    /// (CKS Algorithm 1): for γ ≤ 1, draw A_k ~ Bernoulli(γ/k) for k = 1, 2, … until the first
    /// failure at K and return [K odd]; for γ &gt; 1, return true iff ⌊γ⌋ draws of Bernoulli(exp(−1))
    /// and one of Bernoulli(exp(−(γ−⌊γ⌋))) all succeed.
    /// </summary>
    public static bool BernoulliExpMinus(BigInteger numerator, BigInteger denominator, Prng random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (denominator.Sign <= 0 || numerator.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numerator), $"gamma = {numerator}/{denominator} must be a non-negative rational with positive denominator.");
        }

        while (numerator > denominator)
        {
            if (!BernoulliExpMinusAtMostOne(BigInteger.One, BigInteger.One, random))
            {
                return false;
            }

            numerator -= denominator;
        }

        return BernoulliExpMinusAtMostOne(numerator, denominator, random);
    }

    private static bool BernoulliExpMinusAtMostOne(BigInteger n, BigInteger d, Prng random)
    {
        // K = 1; while Bernoulli(gamma / K): K++. Return K odd.
        BigInteger k = BigInteger.One;
        while (true)
        {
            if (!Bernoulli(n, d * k, random))
            {
                return !k.IsEven;
            }

            k += BigInteger.One;
        }
    }

    /// <summary>
    /// Discrete Laplace with scale t/s: P(Y = y) ∝ exp(−|y|·s/t) (CKS Algorithm 2). Draw U uniform in
    /// [0, t) and accept it with probability exp(−U/t); V geometric by repeated Bernoulli(exp(−1));
    /// Y = ⌊(U + t·V)/s⌋ with a random sign; reject (negative, 0).
    /// </summary>
    public static BigInteger DiscreteLaplace(BigInteger s, BigInteger t, Prng random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (s.Sign <= 0 || t.Sign <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(t), $"The discrete Laplace scale t/s needs positive integers s and t; got s = {s}, t = {t}.");
        }

        while (true)
        {
            BigInteger u = random.NextBelow(t);
            if (!BernoulliExpMinus(u, t, random))
            {
                continue;
            }

            BigInteger v = BigInteger.Zero;
            while (BernoulliExpMinus(BigInteger.One, BigInteger.One, random))
            {
                v += BigInteger.One;
            }

            BigInteger x = u + (t * v);
            BigInteger y = x / s;
            bool negative = random.NextBit();
            if (negative && y.IsZero)
            {
                continue;
            }

            return negative ? -y : y;
        }
    }

    /// <summary>
    /// The discrete Gaussian N_Z(0, σ²) for σ² = <paramref name="varianceNumerator"/>/<paramref name="varianceDenominator"/>
    /// (CKS Algorithm 3): t = ⌊σ⌋ + 1; propose Y from the discrete Laplace with scale t and accept with
    /// probability exp(−(|Y| − σ²/t)² / (2σ²)). This is the slow reference; see <see cref="ExactDiscreteGaussianSampler"/>.
    /// </summary>
    public static BigInteger DiscreteGaussian(BigInteger varianceNumerator, BigInteger varianceDenominator, Prng random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (varianceNumerator.Sign <= 0 || varianceDenominator.Sign <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(varianceNumerator), $"sigma^2 = {varianceNumerator}/{varianceDenominator} must be a positive rational.");
        }

        BigInteger n = varianceNumerator, d = varianceDenominator;
        BigInteger t = IntegerSqrt(n / d) + BigInteger.One;
        while (true)
        {
            BigInteger y = DiscreteLaplace(BigInteger.One, t, random);
            BigInteger ay = BigInteger.Abs(y);
            // gamma = (|y| - n/(d t))^2 / (2 n / d) = (|y| d t - n)^2 / (2 n d t^2)
            BigInteger diff = (ay * d * t) - n;
            BigInteger gn = diff * diff;
            BigInteger gd = 2 * n * d * t * t;
            if (BernoulliExpMinus(gn, gd, random))
            {
                return y;
            }
        }
    }

    /// <summary>⌊√x⌋ for x ≥ 0 (Newton's method on integers).</summary>
    internal static BigInteger IntegerSqrt(BigInteger x)
    {
        if (x.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(x));
        }

        if (x < 2)
        {
            return x;
        }

        BigInteger r = BigInteger.One << (int)((x.GetBitLength() + 1) / 2);
        while (true)
        {
            BigInteger next = (r + (x / r)) >> 1;
            if (next >= r)
            {
                return r;
            }

            r = next;
        }
    }
}
