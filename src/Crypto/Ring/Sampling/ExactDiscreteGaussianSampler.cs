using System.Numerics;
using SecAgg.Crypto.Ring.Sampling.Internal;

namespace SecAgg.Crypto.Ring.Sampling;

/// <summary>
/// Fast exact sampler for the discrete Gaussian N_Z(0, σ²), P(X = x) ∝ exp(−x²/(2σ²)), for a
/// rational σ² = N/D ≤ 2^40: inversion of the exact folded CDF with lazily extended precision, integers only.
/// The DP noise of the DDG encoder and the base sampler of <see cref="LargeDiscreteGaussianSampler"/>
/// (σ = 2^m, m ≤ 100, for flooding). Not to be confused with <see cref="DiscreteGaussianSampler"/>, the RLWE
/// error (σ = 3.2 from a double-precision table).
/// </summary>
/// <remarks>
/// <para><b>Algorithm.</b> Let F_j = P(|X| ≤ j) and U uniform in [0, 1) as an infinite bit string;
/// |X| = min{ j : U &lt; F_j } and a fair sign bit for |X| &gt; 0. The table holds
/// f_j = ⌊2^64·F_j⌋ exactly (computed once in BigInteger interval arithmetic, see
/// <c>FoldedGaussianCdf</c>), up to the first j with f_j = 2^64 − 1. A draw takes the first 64 bits u
/// of U, finds i = min{ j : f_j &gt; u } through a guide table indexed by the top bits of u, and
/// returns i unless f_{i−1} = u (or u = 2^64 − 1). That is exact: f_i &gt; u gives
/// U &lt; (u+1)/2^64 ≤ f_i/2^64 ≤ F_i, and f_{i−1} &lt; u gives F_{i−1} &lt; (f_{i−1}+1)/2^64 ≤ u/2^64 ≤ U.
/// On a tie (probability at most (table length)/2^64 per draw, below 2^−46 for σ ≤ 10^4) the
/// sampler draws further bits of U and compares them with F_j enclosed to ever higher precision
/// until the comparison is decided, which returns exactly min{ j : U &lt; F_j }, tails included.
/// Only integers are used: no floating point touches the noise.</para>
/// <para><b>Timing.</b> The common path costs one 64-bit word, one guide-table load and a scan of
/// the guide bucket: buckets near the mode hold one or two entries, buckets in the tails hold
/// more (binary search), so the time and the memory addresses touched depend on the value drawn
/// (a cache-timing side channel on the participant's own machine, a stated non-goal). The tie path
/// is far slower (BigInteger) but happens with probability below 2^−46.</para>
/// <para>Thread-safe: the table is immutable; each thread must use its own <see cref="Prng"/>.</para>
/// </remarks>
public sealed partial class ExactDiscreteGaussianSampler
{
    /// <summary>Largest supported σ² (σ ≤ 2^20: the table has about 9.5·σ entries of 8 bytes).</summary>
    public const double MaxVariance = 1099511627776.0; // 2^40

    private readonly FoldedGaussianCdf _cdf;
    private readonly int _length;     // table entries: f_j >> _shift for j < _length
    private readonly int[] _guide;   // guide[h] = min{ j : f_j > h << (w - g) }, length 2^g + 1
    private readonly int _wordBits;   // w: bits of U compared in the fast path (64 in production)
    private readonly int _guideShift; // w - g
    private readonly ulong _wordMax;
    private readonly ulong[] _padded;   // the table, padded to a power of two with 2^w − 1 (one copy serves both searches)
    private readonly int _searchSteps;  // log2(_padded.Length)

    private ExactDiscreteGaussianSampler(BigInteger n, BigInteger d, int wordBits, bool fixedStepSearch)
    {
        FixedStepSearch = fixedStepSearch;
        VarianceNumerator = n;
        VarianceDenominator = d;
        _wordBits = wordBits;
        _wordMax = wordBits == 64 ? ulong.MaxValue : (1UL << wordBits) - 1;
        _cdf = new FoldedGaussianCdf(n, d);
        // The table is built in place in its power-of-two array (doubled when full), padded with the last word for the
        // fixed-step search; the guided search reads the first _length. No second copy: at σ ≈ 10^5 it is 8 MB.
        ulong[] table = new ulong[1024];
        int shift = 64 - wordBits, length = 0;
        while (true)
        {
            ulong f = (ulong)_cdf.FloorScaled(length, 64) >> shift;
            if (length == table.Length)
            {
                Array.Resize(ref table, 2 * table.Length);
            }

            table[length++] = f;
            if (f == _wordMax)
            {
                break;
            }
        }

        _cdf.Trim();
        _length = length;
        int pow = (int)BitOperations.RoundUpToPowerOf2((uint)length);
        if (pow != table.Length)
        {
            Array.Resize(ref table, pow);
        }

        table.AsSpan(length).Fill(_wordMax);
        _padded = table;
        _searchSteps = BitOperations.Log2((uint)pow);
        int g = Math.Min(Math.Min(16, wordBits), Math.Max(4, BitOperations.Log2((uint)_length) + 3));
        _guideShift = wordBits - g;
        _guide = new int[(1 << g) + 1];
        int k = 0;
        for (int h = 0; h < (1 << g); h++)
        {
            ulong lowU = (ulong)h << _guideShift;
            while (k < _length - 1 && _padded[k] <= lowU)
            {
                k++;
            }

            _guide[h] = k;
        }

        _guide[1 << g] = _length - 1;
    }

    /// <summary>The numerator N of σ² = N/D.</summary>
    public BigInteger VarianceNumerator { get; }

    /// <summary>The denominator D of σ² = N/D.</summary>
    public BigInteger VarianceDenominator { get; }

    /// <summary>Whether draws use the fixed-step (value-independent instruction count) search.</summary>
    public bool FixedStepSearch { get; }

    /// <summary>Number of entries in the CDF table (about 9.4·σ + 1 for large σ).</summary>
    public int TableLength => _length;

    /// <summary>Builds the sampler for σ² = <paramref name="numerator"/>/<paramref name="denominator"/> (exact rational).</summary>
    /// <param name="numerator">N.</param>
    /// <param name="denominator">D.</param>
    /// <param name="fixedStepSearch">
    /// true: every draw runs the same instruction sequence (a branch-free binary search of exactly
    /// ⌈log2(table length)⌉ steps with conditional moves, branch-free sign), so the instruction count
    /// and branch pattern do not depend on the value; the memory addresses still do (cache timing),
    /// and a tie (probability &lt; 2^−46) still takes the slow path. false (default): guide-table
    /// lookup, faster and value-dependent.
    /// </param>
    /// <remarks>Samplers are cached process-wide per (σ², search), so a second call for the same σ² returns the
    /// same immutable instance instead of rebuilding its table (<see cref="ExactSamplerCache"/>; the table is a
    /// function of the public σ² only, no secret).</remarks>
    public static ExactDiscreteGaussianSampler Create(BigInteger numerator, BigInteger denominator, bool fixedStepSearch = false)
    {
        CheckVariance(numerator, denominator);
        BigInteger gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
        return ExactSamplerCache.GetOrCreate(
            numerator / gcd,
            denominator / gcd,
            fixedStepSearch,
            static (n, d, fixedStep) => new ExactDiscreteGaussianSampler(n, d, 64, fixedStep));
    }

    /// <summary>
    /// Builds the sampler for σ² equal to the exact value of the double <paramref name="variance"/>
    /// (every finite double is a dyadic rational m·2^e, so no rounding happens here).
    /// </summary>
    /// <param name="variance">σ² (positive, finite, at most 2^40).</param>
    /// <param name="fixedStepSearch">See <see cref="Create(BigInteger, BigInteger, bool)"/>.</param>
    /// <remarks>Cached process-wide like <see cref="Create(BigInteger, BigInteger, bool)"/>.</remarks>
    public static ExactDiscreteGaussianSampler FromVariance(double variance, bool fixedStepSearch = false)
    {
        (BigInteger n, BigInteger d) = ExactRational(variance, nameof(variance));
        return Create(n, d, fixedStepSearch);
    }

    /// <summary>Test hook: the same algorithm comparing only <paramref name="wordBits"/> bits on the fast path, so that
    /// ties (the exact slow path) are frequent. Never cached: each call builds a fresh instance (its own
    /// <see cref="SlowPathCount"/>).</summary>
    internal static ExactDiscreteGaussianSampler Create(BigInteger numerator, BigInteger denominator, int wordBits, bool fixedStepSearch = false)
    {
        CheckVariance(numerator, denominator);
        if (wordBits is < 4 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(wordBits));
        }

        BigInteger gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
        return new ExactDiscreteGaussianSampler(numerator / gcd, denominator / gcd, wordBits, fixedStepSearch);
    }

    /// <summary>Bytes the sampler's tables hold (the padded CDF words and the guide), for the cache's bound.</summary>
    internal long TableBytes => (8L * _padded.Length) + (4L * _guide.Length);

    private static void CheckVariance(BigInteger numerator, BigInteger denominator)
    {
        if (numerator.Sign <= 0 || denominator.Sign <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numerator), $"sigma^2 = {numerator}/{denominator} must be positive (numerator and denominator > 0).");
        }

        if (numerator > denominator << 40)
        {
            throw new ArgumentOutOfRangeException(nameof(numerator), $"sigma^2 = {numerator}/{denominator} exceeds the supported maximum 2^40 (sigma <= 2^20); lower the noise or the scale.");
        }
    }

    /// <summary>The exact rational value of a positive finite double.</summary>
    internal static (BigInteger Numerator, BigInteger Denominator) ExactRational(double value, string paramName)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(paramName, $"Expected a positive finite number, got {value}.");
        }

        long bits = BitConverter.DoubleToInt64Bits(value);
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        int e = exponent - 1075; // value = mantissa * 2^e
        BigInteger n = mantissa, d = BigInteger.One;
        if (e >= 0)
        {
            n <<= e;
        }
        else
        {
            d <<= -e;
        }

        BigInteger g = BigInteger.GreatestCommonDivisor(n, d);
        return (n / g, d / g);
    }
}
