using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// Noise-aware flooding for collective decryption.
/// <para>
/// A decryption share is h_i = c1·s_i + e_flood,i with each coefficient of e_flood,i a Gaussian of
/// standard deviation σ_flood = 2^(λ/2) · B_ct, where B_ct is the rigorous ∞-norm bound tracked for
/// the ciphertext being decrypted (so σ_flood² = 2^λ·B_ct² ≥ 2^λ·σ_ct², Mouchet et al. PETS 2021).
/// Every member of the decryption set adds the full σ_flood, because up to threshold−1 members may
/// collude and know their own flooding; one honest member's flooding must hide the noise alone.
/// </para>
/// <para>
/// Default λ = 40, argued with the Rényi divergence (Bai–Langlois–Lepoint–Stehlé–Steinfeld 2015;
/// Boudgoust–Scholl, eprint 2023/016): for one coefficient shifted by |x| ≤ B_ct,
/// R_2(N(x,σ²) ‖ N(0,σ²)) = exp(x²/σ²) ≤ exp(2^-λ). Over n coefficients and Q decryptions per key
/// epoch, R_2 ≤ exp(Q·n·2^-λ); with n ≤ 2^15 and Q ≤ 2^20 shares per party per epoch this is
/// ≤ exp(2^-5) ≈ 1.03, so any key-recovery (search) attack that succeeds with probability ε against the
/// real shares succeeds with probability at least ε²/1.03 against shares that carry no ciphertext noise
/// at all: flooding costs the attacker almost nothing in the search setting, which is the setting of
/// the known attacks (eprint 2024/194, 2025/409, 2026/031). It is not a statistical-distance
/// (decisional) guarantee: by Pinsker that would need λ ≈ 2κ + log2(n·Q) for distance 2^-κ; callers
/// who want that set <see cref="MultipartyParametersLiteral.FloodingLambda"/> higher (e.g. 80-100),
/// and the planner pays for it with bits of q'.
/// </para>
/// </summary>
public static class NoiseFlooding
{
    /// <summary>Default statistical parameter λ (bits): σ_flood = 2^(λ/2)·B_ct.</summary>
    public const int DefaultLambda = 40;

    /// <summary>σ_flood = 2^(λ/2) · <paramref name="ciphertextNoiseBound"/>.</summary>
    public static double Sigma(double ciphertextNoiseBound, int lambda)
    {
        if (!(ciphertextNoiseBound > 0) || double.IsInfinity(ciphertextNoiseBound))
        {
            throw new ArgumentOutOfRangeException(nameof(ciphertextNoiseBound), ciphertextNoiseBound, "The noise bound must be a positive finite number.");
        }

        if (lambda < 0 || lambda > 128)
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be in [0, 128].");
        }

        return Math.Ceiling(ciphertextNoiseBound * Math.Pow(2.0, lambda / 2.0));
    }

    /// <summary>Truncation bound of the small RLWE error (σ = 3.2): |e| ≤ 19, the core's
    /// <see cref="DiscreteGaussianSampler.StandardError"/>.</summary>
    internal const int ErrorBound = 19;

    /// <summary>Flooding samples are truncated at this many σ (tail mass &lt; 2^−100 per sample).</summary>
    internal const double TailSigmas = 12.0;

    /// <summary>Largest flooding σ accepted (2^50; the core sampler reaches 2^60, the planner never needs more than
    /// about 2^47.3).</summary>
    internal const double MaxSigma = 1125899906842624.0;

    /// <summary>Fills <paramref name="destination"/> with flooding noise: the core's large-σ discrete Gaussian
    /// (<see cref="DiscreteGaussianSampler"/>) of standard deviation σ truncated at ⌊12σ⌋; σ &lt; 1/12 gives zeros.</summary>
    internal static void Sample(Prng prng, double sigma, Span<long> destination) => Sample(prng, sigma, MaxSigma, destination);

    /// <summary><see cref="Sample(Prng, double, Span{long})"/> with another largest σ (CKKS accepts up to 2^56).</summary>
    internal static void Sample(Prng prng, double sigma, double maxSigma, Span<long> destination)
    {
        if (!(sigma >= 0) || sigma > maxSigma)
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"The flooding σ must be in [0, 2^{Math.Log2(maxSigma):F0}].");
        }

        long bound = (long)PerPartyBound(sigma);
        if (bound == 0)
        {
            destination.Clear(); // σ < 1/12: truncated at ⌊12σ⌋ = 0, every sample is 0
            return;
        }

        new DiscreteGaussianSampler(sigma, bound).Sample(prng, destination);
    }

    /// <summary>target += flooding noise of σ (≤ <paramref name="maxSigma"/>) in every limb of target (coefficient form);
    /// the samples are wiped afterwards.</summary>
    internal static void AddTo(RingQ ring, Prng prng, double sigma, double maxSigma, Poly target)
    {
        var flood = new long[ring.N];
        Sample(prng, sigma, maxSigma, flood);
        Poly f = new(ring.N, target.LimbCount);
        ring.FromSigned(flood, f);
        ring.AddLimbs(target, f, target);
        Array.Clear(flood);
        f.Clear();
    }

    /// <summary>The truncation bound of one party's flooding noise: ⌊12·σ⌋ (the sampler rejects beyond it).</summary>
    public static double PerPartyBound(double sigma) => Math.Floor(NoiseFlooding.TailSigmas * sigma);
}
