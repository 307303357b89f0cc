using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
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
public sealed class ExactDiscreteGaussianSampler
{
    /// <summary>Largest supported σ² (σ ≤ 2^20: the table has about 9.5·σ entries of 8 bytes).</summary>
    public const double MaxVariance = 1099511627776.0; // 2^40

    private readonly FoldedGaussianCdf _cdf;
    private readonly ulong[] _table; // f_j >> _shift
    private readonly int[] _guide;   // guide[h] = min{ j : f_j > h << (w - g) }, length 2^g + 1
    private readonly int _wordBits;   // w: bits of U compared in the fast path (64 in production)
    private readonly int _guideShift; // w - g
    private readonly ulong _wordMax;
    private readonly ulong[] _padded;   // _table padded to a power of two with 2^w − 1
    private readonly int _searchSteps;  // log2(_padded.Length)

    private ExactDiscreteGaussianSampler(BigInteger n, BigInteger d, int wordBits, bool fixedStepSearch)
    {
        FixedStepSearch = fixedStepSearch;
        VarianceNumerator = n;
        VarianceDenominator = d;
        _wordBits = wordBits;
        _wordMax = wordBits == 64 ? ulong.MaxValue : (1UL << wordBits) - 1;
        _cdf = new FoldedGaussianCdf(n, d);
        var entries = new List<ulong>();
        int shift = 64 - wordBits;
        for (int j = 0; ; j++)
        {
            ulong f = (ulong)_cdf.FloorScaled(j, 64) >> shift;
            entries.Add(f);
            if (f == _wordMax)
            {
                break;
            }
        }

        _cdf.Trim();
        _table = entries.ToArray();
        // power-of-two copy padded with the last word, for the fixed-step search
        int pow = (int)BitOperations.RoundUpToPowerOf2((uint)_table.Length);
        _padded = new ulong[pow];
        _table.CopyTo(_padded, 0);
        _padded.AsSpan(_table.Length).Fill(_wordMax);
        _searchSteps = BitOperations.Log2((uint)pow);
        int g = Math.Min(Math.Min(16, wordBits), Math.Max(4, BitOperations.Log2((uint)_table.Length) + 3));
        _guideShift = wordBits - g;
        _guide = new int[(1 << g) + 1];
        int k = 0;
        for (int h = 0; h < (1 << g); h++)
        {
            ulong lowU = (ulong)h << _guideShift;
            while (k < _table.Length - 1 && _table[k] <= lowU)
            {
                k++;
            }

            _guide[h] = k;
        }

        _guide[1 << g] = _table.Length - 1;
    }

    /// <summary>The numerator N of σ² = N/D.</summary>
    public BigInteger VarianceNumerator { get; }

    /// <summary>The denominator D of σ² = N/D.</summary>
    public BigInteger VarianceDenominator { get; }

    /// <summary>Whether draws use the fixed-step (value-independent instruction count) search.</summary>
    public bool FixedStepSearch { get; }

    /// <summary>Number of entries in the CDF table (about 9.4·σ + 1 for large σ).</summary>
    public int TableLength => _table.Length;

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

    /// <summary>Bytes the sampler's tables hold (the CDF words, their padded copy and the guide), for the cache's bound.</summary>
    internal long TableBytes => (8L * (_table.Length + _padded.Length)) + (4L * _guide.Length);

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

    /// <summary>One draw of N_Z(0, σ²).</summary>
    public long Sample(Prng random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ulong u = random.NextUInt64() >> (64 - _wordBits);
        int i = FixedStepSearch ? FindFixed(u) : Find(u);
        long magnitude = i >= 0 ? i : SlowPath(u, random);
        long sign = random.NextBit() ? 1 : 0;
        return (magnitude ^ -sign) + sign; // -0 = 0: the sign bit is drawn and ignored for 0
    }

    /// <summary>Fills <paramref name="destination"/> with independent draws.</summary>
    public void Fill(Span<long> destination, Prng random)
    {
        ArgumentNullException.ThrowIfNull(random);
        const int Batch = 256;
        Span<ulong> words = stackalloc ulong[Batch + (Batch / 64)];
        Span<byte> bytes = MemoryMarshal.AsBytes(words);
        int shift = 64 - _wordBits;
        if (FixedStepSearch)
        {
            FillFixed(destination, random, words, bytes, shift);
            CryptographicOperations.ZeroMemory(bytes);
            return;
        }

        while (!destination.IsEmpty)
        {
            int n = Math.Min(Batch, destination.Length);
            random.Fill(bytes);
            ref ulong w0 = ref MemoryMarshal.GetReference(words);
            ref long d0 = ref MemoryMarshal.GetReference(destination);
            for (int k = 0; k < n; k++)
            {
                ulong u = Unsafe.Add(ref w0, k) >> shift;
                int i = Find(u);
                long magnitude = i >= 0 ? i : SlowPath(u, random);
                long sign = (long)((Unsafe.Add(ref w0, Batch + (k >> 6)) >> (k & 63)) & 1);
                Unsafe.Add(ref d0, k) = (magnitude ^ -sign) + sign;
            }

            destination = destination[n..];
        }

        CryptographicOperations.ZeroMemory(bytes); // the words determine the draws
    }

    /// <summary>Adds independent draws to each element of <paramref name="values"/> (wrapping on overflow is impossible for |x| &lt; 2^62).</summary>
    public void AddTo(Span<long> values, Prng random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<long> noise = stackalloc long[256];
        while (!values.IsEmpty)
        {
            int n = Math.Min(noise.Length, values.Length);
            Fill(noise[..n], random);
            for (int k = 0; k < n; k++)
            {
                values[k] += noise[k];
            }

            values = values[n..];
        }

        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(noise));
    }

    /// <summary>
    /// Fills <paramref name="destination"/> on up to <paramref name="degreeOfParallelism"/> cores:
    /// chunk c of 65536 draws uses the c-th <see cref="Prng.Fork"/> of <paramref name="random"/>
    /// (forked in order, so the output is the same for every degree of parallelism).
    /// </summary>
    public unsafe void FillParallel(Span<long> destination, Prng random, int degreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (degreeOfParallelism == -1)
        {
            degreeOfParallelism = Environment.ProcessorCount;
        }

        if (degreeOfParallelism < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(degreeOfParallelism), "Use -1 for all cores or a positive count.");
        }

        const int Chunk = 1 << 16;
        int chunks = (destination.Length + Chunk - 1) / Chunk;
        int length = destination.Length;
        var forks = new Prng[chunks];
        for (int c = 0; c < chunks; c++)
        {
            forks[c] = random.Fork();
        }

        fixed (long* p = destination)
        {
            nint basePtr = (nint)p;
            Parallel.For(
                0,
                chunks,
                new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism },
                c =>
                {
                    using Prng r = forks[c];
                    int start = c * Chunk;
                    int n = Math.Min(Chunk, length - start);
                    Fill(new Span<long>((long*)basePtr + start, n), r);
                });
        }
    }

    /// <summary>Test switch: false forces the scalar fixed-step search.</summary>
    internal static bool UseVectors = true;

    private unsafe void FillFixed(Span<long> destination, Prng random, Span<ulong> words, Span<byte> bytes, int shift)
    {
        const int Batch = 256;
        bool vector = UseVectors && Avx2.IsSupported;
        fixed (ulong* table = _padded)
        {
            while (!destination.IsEmpty)
            {
                int n = Math.Min(Batch, destination.Length);
                random.Fill(bytes);
                int k = 0;
                if (vector)
                {
                    for (; k + 8 <= n; k += 8)
                    {
                        // two independent groups of four in flight: the gathers' latency overlaps
                        Vector256<ulong> u0 = Vector256.ShiftRightLogical(Vector256.Create(words.Slice(k, 4)), shift);
                        Vector256<ulong> u1 = Vector256.ShiftRightLogical(Vector256.Create(words.Slice(k + 4, 4)), shift);
                        (Vector256<long> a0, Vector256<long> a1) = FindFixed8(table, u0, u1, out Vector256<long> bad0, out Vector256<long> bad1);
                        a0.CopyTo(destination.Slice(k, 4));
                        a1.CopyTo(destination.Slice(k + 4, 4));
                        if ((bad0 | bad1) != Vector256<long>.Zero)
                        {
                            for (int lane = 0; lane < 8; lane++)
                            {
                                long flag = lane < 4 ? bad0.GetElement(lane) : bad1.GetElement(lane - 4);
                                if (flag != 0)
                                {
                                    destination[k + lane] = SlowPath(words[k + lane] >> shift, random);
                                }
                            }
                        }
                    }
                }

                for (; k < n; k++)
                {
                    ulong u = words[k] >> shift;
                    int i = FindFixed(u);
                    destination[k] = i >= 0 ? i : SlowPath(u, random);
                }

                for (k = 0; k < n; k++)
                {
                    long sign = (long)((words[Batch + (k >> 6)] >> (k & 63)) & 1);
                    destination[k] = (destination[k] ^ -sign) + sign;
                }

                destination = destination[n..];
            }
        }
    }

    /// <summary>
    /// Eight fixed-step searches at once (two groups of four, AVX2 gathers), the same steps as
    /// <see cref="FindFixed"/>; <c>bad</c> is all-ones in lanes that need the tie path.
    /// </summary>
    private unsafe (Vector256<long>, Vector256<long>) FindFixed8(ulong* table, Vector256<ulong> u0, Vector256<ulong> u1, out Vector256<long> bad0, out Vector256<long> bad1)
    {
        Vector256<long> flip = Vector256.Create(long.MinValue);
        Vector256<long> us0 = u0.AsInt64() ^ flip, us1 = u1.AsInt64() ^ flip; // unsigned order as signed order
        Vector256<long> b0 = Vector256<long>.Zero, b1 = Vector256<long>.Zero;
        long half = _padded.Length;
        long* t = (long*)table;
        for (int step = 0; step < _searchSteps; step++)
        {
            half >>= 1;
            Vector256<long> off = Vector256.Create(half - 1), h = Vector256.Create(half);
            Vector256<long> t0 = Avx2.GatherVector256(t, b0 + off, 8) ^ flip;
            Vector256<long> t1 = Avx2.GatherVector256(t, b1 + off, 8) ^ flip;
            b0 += ~Vector256.GreaterThan(t0, us0) & h; // t <= u
            b1 += ~Vector256.GreaterThan(t1, us1) & h;
        }

        return (Finish(t, b0, us0, flip, out bad0), Finish(t, b1, us1, flip, out bad1));
    }

    private unsafe Vector256<long> Finish(long* t, Vector256<long> b, Vector256<long> us, Vector256<long> flip, out Vector256<long> bad)
    {
        Vector256<long> mask = Vector256.Create((long)_padded.Length - 1);
        Vector256<long> atB = Avx2.GatherVector256(t, b, 8) ^ flip;
        Vector256<long> ans = b + (~Vector256.GreaterThan(atB, us) & Vector256<long>.One);
        Vector256<long> before = Avx2.GatherVector256(t, (ans - Vector256<long>.One) & mask, 8) ^ flip;
        Vector256<long> tie = Vector256.Equals(before, us) & Vector256.GreaterThan(ans, Vector256<long>.Zero);
        Vector256<long> past = Vector256.GreaterThan(ans, Vector256.Create((long)_table.Length - 1));
        bad = tie | past;
        return ans;
    }

    /// <summary>
    /// Fixed-step path: upper bound by a binary search of exactly log2(padded length) halvings with
    /// conditional moves; −1 on a tie or when the answer falls in the padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindFixed(ulong u)
    {
        ref ulong t = ref MemoryMarshal.GetArrayDataReference(_padded);
        int b = 0;
        int half = _padded.Length;
        for (int step = 0; step < _searchSteps; step++)
        {
            half >>= 1;
            // b += half when t[b + half − 1] <= u (branch-free select)
            int take = -(int)(uint)(Unsafe.Add(ref t, b + half - 1) <= u ? 1 : 0);
            b += half & take;
        }

        // b <= answer <= b + 1: the answer (number of entries <= u) is b + [t[b] <= u]
        int mask = _padded.Length - 1;
        int ans = b + (Unsafe.Add(ref t, b) <= u ? 1 : 0);
        ulong before = Unsafe.Add(ref t, (ans - 1) & mask);
        bool bad = (ans >= _table.Length) | ((ans > 0) & (before == u));
        return bad ? -1 : ans;
    }

    /// <summary>Fast path: min{ j : f_j &gt; u } when that answer is decided by u alone, else −1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(ulong u)
    {
        ulong[] t = _table;
        int h = (int)(u >> _guideShift);
        ref int g = ref MemoryMarshal.GetArrayDataReference(_guide);
        int lo = Unsafe.Add(ref g, h);
        int hi = Unsafe.Add(ref g, h + 1);
        if (hi - lo > 8)
        {
            // binary search: smallest j in [lo, hi] with t[j] > u (t[hi] > u unless u is the last word)
            while (lo < hi)
            {
                int mid = (int)((uint)(lo + hi) >> 1);
                if (t[mid] > u)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }
        }
        else
        {
            while (lo < hi && t[lo] <= u)
            {
                lo++;
            }
        }

        if (t[lo] <= u || (lo > 0 && t[lo - 1] == u))
        {
            return -1;
        }

        return lo;
    }

    /// <summary>
    /// Exact resolution of a tie: U's first w bits equal u. Returns min{ j : U &lt; F_j } by comparing
    /// ever longer prefixes of U with enclosures of F_j.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long SlowPath(ulong u, Prng random)
    {
        Interlocked.Increment(ref SlowPathCount);
        // Every j with f_j < u has F_j < (f_j + 1)/2^w <= U: start at the first j with f_j >= u.
        int j = 0;
        while (j < _table.Length && _table[j] < u)
        {
            j++;
        }

        BigInteger v = u;       // U's known prefix, as an integer of k bits
        int k = _wordBits;
        int p = _wordBits + 64;
        while (true)
        {
            v = (v << (p - k)) | random.NextBits(p - k);
            k = p;
            while (true)
            {
                (BigInteger a, BigInteger b) = _cdf.Bounds(j, p);
                if (v + 1 <= a)
                {
                    return j; // U < (v+1)/2^p <= a/2^p <= F_j
                }

                if (v > b)
                {
                    j++; // U >= v/2^p >= (b+1)/2^p > F_j
                    continue;
                }

                break; // undecided at this precision
            }

            p += 64;
        }
    }

    /// <summary>Number of tie resolutions so far (diagnostics for tests).</summary>
    internal long SlowPathCount;
}
