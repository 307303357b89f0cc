using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace SecAgg.Crypto.Ring.Sampling;

/// <summary>Drawing from the table (the search, the guide lookup, the exact tie resolution): see the algorithm in
/// ExactDiscreteGaussianSampler.cs; construction and the process-wide cache are there too.</summary>
public sealed partial class ExactDiscreteGaussianSampler
{
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
        Vector256<long> past = Vector256.GreaterThan(ans, Vector256.Create((long)_length - 1));
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
        bool bad = (ans >= _length) | ((ans > 0) & (before == u));
        return bad ? -1 : ans;
    }

    /// <summary>Fast path: min{ j : f_j &gt; u } when that answer is decided by u alone, else −1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(ulong u)
    {
        ulong[] t = _padded;
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
        while (j < _length && _padded[j] < u)
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
