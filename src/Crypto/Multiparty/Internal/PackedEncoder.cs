using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Internal;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// Coefficient encoding with k values of w = b + h bits per coefficient and plaintext modulus
/// t = 2^(k·w): value index i goes to coefficient i / k, slot i mod k, as M_c = Σ_j v_{ck+j}·2^(j·w).
/// Encryption uses round(Q·M/t) (exact, so the encoding adds at most 1/2 to the noise even for t &gt; Q^(1/2));
/// decoding computes round(t·x/q') mod t and splits the slots. A sum of at most 2^h values per slot
/// never carries into the next slot.
/// </summary>
internal sealed partial class PackedEncoder
{
    private readonly Layout _p;
    private readonly BigInteger[] _crtBasis;
    private readonly BigInteger _halfWire;
    private readonly int _words;
    private readonly ulong[] _qLow;      // Q mod 2^T, little-endian words
    private readonly ulong[] _rowWeights; // c_{l,i} = −2^(64·i)·(2^T)^-1 mod q_l, key level, row l = words [l·W, (l+1)·W)
    private readonly LinearForm? _linear;  // null where the layout's sums would not fit 64-bit lanes (b + log2 k > 32)

    /// <summary>An encoder for <paramref name="layout"/>: encoding at the key ring's modulus, decoding at the wire
    /// ring's (the same ring when there is one level).</summary>
    public PackedEncoder(Layout layout)
        : this(layout, roundingMargin: null)
    {
    }

    /// <summary>
    /// As <see cref="PackedEncoder(Layout)"/>, with the linear form's rounding margin given (tests widen it so that many
    /// coefficients take the exact word-level path); null: the error bound k·(2^b − 1).
    /// </summary>
    internal PackedEncoder(Layout layout, ulong? roundingMargin)
    {
        _p = layout;
        BigInteger q = layout.WireModulus;
        _crtBasis = new BigInteger[layout.WireLimbCount];
        for (int i = 0; i < layout.WireLimbCount; i++)
        {
            ulong qi = layout.WireRing.Moduli[i].Value;
            BigInteger hat = q / qi;
            ulong hatMod = (ulong)(hat % qi);
            ulong inv = layout.WireRing.Moduli[i].Inverse(hatMod);
            _crtBasis[i] = hat * inv % q;
        }

        _halfWire = q >> 1;

        int logT = layout.PlaintextModulusBits;
        _words = (logT + 63) / 64;
        _qLow = ToWords(layout.KeyModulus & ((BigInteger.One << logT) - 1), _words);
        IReadOnlyList<Modulus> moduli = layout.KeyRing.Moduli;
        _rowWeights = new ulong[moduli.Count * _words];
        for (int l = 0; l < moduli.Count; l++)
        {
            Modulus mod = moduli[l];
            ulong weight = mod.Negate(mod.Inverse(mod.Pow(2, (ulong)logT))); // −t^-1 mod q_l
            ulong wordShift = mod.Pow(2, 64);
            for (int i = 0; i < _words; i++)
            {
                _rowWeights[l * _words + i] = weight;
                weight = mod.Multiply(weight, wordShift);
            }
        }

        _linear = LinearForm.TryCreate(layout, roundingMargin);
    }

    /// <summary>
    /// What the encoder needs: the ring it encodes at (modulus Q), the ring it decodes at (q', whose primes are a prefix
    /// of Q's), b, k and w = b + h (t = 2^(k·w)).
    /// </summary>
    internal sealed record Layout(RingQ KeyRing, RingQ WireRing, int ValueBits, int ValuesPerCoefficient, int SlotBits)
    {
        public int RingDegree => KeyRing.N;

        public int WireLimbCount => WireRing.MaxLimbCount;

        public int PlaintextModulusBits => ValuesPerCoefficient * SlotBits;

        public BigInteger KeyModulus => KeyRing.ModulusAt(KeyRing.MaxLimbCount);

        public BigInteger WireModulus => WireRing.ModulusAt(WireRing.MaxLimbCount);
    }

    private static ulong[] ToWords(BigInteger v, int words)
    {
        var r = new ulong[words];
        for (int i = 0; i < words; i++)
        {
            r[i] = (ulong)(v & ulong.MaxValue);
            v >>= 64;
        }

        return r;
    }

    /// <summary>
    /// round(Q·M/t) mod q_i for all key-level limbs, word-level: with Q·M = t·A + R (0 ≤ R &lt; t = 2^T),
    /// round(Q·M/t) = A + [R ≥ t/2] and, since q_i | Q, A ≡ −R·t^-1 (mod q_i). Only R = (Q mod t)·M mod t is
    /// needed: a truncated multi-word product.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void ScaledResidues(ReadOnlySpan<ulong> m, Span<ulong> r, Span<ulong> residues)
    {
        int words = _words, logT = _p.PlaintextModulusBits;
        r.Clear();
        for (int i = 0; i < words; i++)
        {
            ulong qi = _qLow[i];
            if (qi == 0)
            {
                continue;
            }

            ulong carry = 0;
            for (int j = 0; i + j < words; j++)
            {
                ulong hi = Math.BigMul(qi, m[j], out ulong lo);
                ulong s = r[i + j] + lo;
                hi += s < lo ? 1UL : 0UL;
                ulong s2 = s + carry;
                hi += s2 < carry ? 1UL : 0UL;
                r[i + j] = s2;
                carry = hi;
            }
        }

        int topBits = logT - 64 * (words - 1);
        if (topBits < 64)
        {
            r[words - 1] &= (1UL << topBits) - 1;
        }

        ulong half = (r[words - 1] >> (topBits - 1)) & 1;
        IReadOnlyList<Modulus> moduli = _p.KeyRing.Moduli;
        ReadOnlySpan<ulong> weights = _rowWeights;
        for (int l = 0; l < residues.Length; l++)
        {
            // −R·t^-1 mod q_l = Σ_i r_i·c_{l,i} mod q_l: a 192-bit sum (each product < 2^125), then two reductions.
            ReadOnlySpan<ulong> c = weights.Slice(l * words, words);
            ulong lo = 0, hi = 0, top = 0;
            for (int i = 0; i < words; i++)
            {
                ulong pHi = Math.BigMul(r[i], c[i], out ulong pLo);
                lo += pLo;
                pHi += lo < pLo ? 1UL : 0UL; // pHi < 2^61: no overflow
                hi += pHi;
                top += hi < pHi ? 1UL : 0UL;
            }

            Modulus mod = moduli[l];
            ulong acc = mod.Reduce128(mod.Reduce128(top, hi), lo);
            residues[l] = mod.Add(acc, half);
        }
    }

    /// <summary>Writes round(Q·M/t) into every key-level limb of <paramref name="dst"/> (coefficient form).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not below 2^b (dst is then unspecified).</exception>
    public void EncodeScaled(ReadOnlySpan<uint> values, Poly dst)
    {
        if (_linear is { } linear && Avx2.IsSupported)
        {
            EncodeLinearVector256(linear, values, dst);
        }
        else
        {
            EncodeScaledWords(values, dst);
        }
    }

    /// <summary><see cref="EncodeScaled"/> with the word-level product for every coefficient (the scalar path; tests).</summary>
    internal void EncodeScaledWords(ReadOnlySpan<uint> values, Poly dst)
    {
        int n = _p.RingDegree;
        Array.Clear(dst.Data);
        Span<ulong> m = _words <= 64 ? stackalloc ulong[_words] : new ulong[_words];
        Span<ulong> r = _words <= 64 ? stackalloc ulong[_words] : new ulong[_words];
        Span<ulong> residues = stackalloc ulong[dst.LimbCount];
        for (int c = 0; c < n && c * _p.ValuesPerCoefficient < values.Length; c++)
        {
            if (Pack(values, c, m))
            {
                ScaledResidues(m, r, residues);
                for (int i = 0; i < dst.LimbCount; i++)
                {
                    dst.Data[i * n + c] = residues[i];
                }
            }
        }

        r.Clear();
        m.Clear();
    }

    /// <summary>M_c = Σ_j v_{ck+j}·2^(j·w) as words (values past the end are 0); false when M_c = 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not below 2^b.</exception>
    private bool Pack(ReadOnlySpan<uint> values, int c, Span<ulong> m)
    {
        int k = _p.ValuesPerCoefficient, w = _p.SlotBits, start = c * k;
        uint limit = _p.ValueBits == 32 ? uint.MaxValue : (1u << _p.ValueBits) - 1;
        m.Clear();
        bool any = false;
        int count = Math.Min(k, values.Length - start);
        for (int j = 0; j < count; j++)
        {
            uint v = values[start + j];
            if (v > limit)
            {
                throw new ArgumentOutOfRangeException(nameof(values), v, $"Value {start + j} is {v}, not below 2^{_p.ValueBits}.");
            }

            if (v == 0)
            {
                continue;
            }

            any = true;
            int bit = j * w;
            int word = bit >> 6, shift = bit & 63;
            m[word] |= (ulong)v << shift;
            if (shift + w > 64 && shift != 0)
            {
                m[word + 1] |= (ulong)v >> (64 - shift);
            }
        }

        return any;
    }

    /// <summary>Reference: round(Q·M/t) mod q_i with BigInteger (tests compare the word-level path against it).</summary>
    internal ulong[] ScaledResiduesReference(BigInteger m)
    {
        int logT = _p.PlaintextModulusBits;
        BigInteger y = (_p.KeyModulus * m + (BigInteger.One << (logT - 1))) >> logT;
        return _p.KeyRing.Moduli.Select(mod => (ulong)(y % mod.Value)).ToArray();
    }

    internal int Words => _words;

    private const int GuardBits = 128;
    private ulong[][]? _fixedPoint; // F_i = floor(2^(T+G)/q_i) as (T+G)/64 words
    private ulong[]? _crtInverse;   // (q'/q_i)^-1 mod q_i

    private void EnsureDecodeTables()
    {
        if (_fixedPoint is not null)
        {
            return;
        }

        int logT = _p.PlaintextModulusBits;
        int fpWords = (logT + GuardBits + 63) / 64;
        var f = new ulong[_p.WireLimbCount][];
        var inv = new ulong[_p.WireLimbCount];
        BigInteger q = _p.WireModulus;
        for (int i = 0; i < _p.WireLimbCount; i++)
        {
            ulong qi = _p.WireRing.Moduli[i].Value;
            f[i] = ToWords((BigInteger.One << (logT + GuardBits)) / qi, fpWords);
            inv[i] = _p.WireRing.Moduli[i].Inverse((ulong)(q / qi % qi));
        }

        _crtInverse = inv;
        _fixedPoint = f;
    }

    /// <summary>
    /// Decodes x = Δ'm + E (wire level, coefficient form) into slot sums mod 2^b: destination[i] = (slot i) AND
    /// <paramref name="valueMask"/> for the first destination.Length slots (valueMask below 2^w), word-level:
    /// with y_i = x_i·(q'/q_i)^-1 mod q_i, x = Σ y_i·q'/q_i − v·q' for an integer v, so
    /// t·x/q' ≡ Σ_i t·y_i/q_i (mod t); each term is computed as y_i·⌊2^(T+G)/q_i⌋ with G = 128 guard bits
    /// (total error &lt; L·2^(61−G) ≪ the noise margin), then rounded and reduced mod t = 2^T. Coefficients are
    /// independent: a large ring decodes ranges of them on several cores (<see cref="RingParallelism"/>), nothing
    /// allocated.
    /// </summary>
    public unsafe void Decode(Poly x, Span<uint> destination, uint valueMask)
    {
        EnsureDecodeTables();
        int k = _p.ValuesPerCoefficient;
        if (destination.Length > _p.RingDegree * k)
        {
            throw new ArgumentException($"A polynomial carries {_p.RingDegree * k} slots; the destination has {destination.Length}.", nameof(destination));
        }

        int coefficients = (destination.Length + k - 1) / k;
        int degree = RingParallelism.DegreeFor(x.LimbCount, (long)coefficients * x.LimbCount, RingQ.NttMinResidues);
        fixed (uint* d = destination)
        {
            var job = new DecodeJob(this, x, d, destination.Length, valueMask, coefficients, degree == 1 ? 1 : 4 * degree);
            LimbScheduler.For(job.Blocks, degree, job, static (j, b) =>
                j.Encoder.DecodeRange(j.X, j.Coefficients * b / j.Blocks, j.Coefficients * (b + 1) / j.Blocks, new Span<uint>(j.Destination, j.Length), j.ValueMask));
        }
    }

    /// <summary>One decode split into <see cref="Blocks"/> coefficient ranges (a struct in the pooled job: no allocation).</summary>
    private readonly unsafe struct DecodeJob(PackedEncoder encoder, Poly x, uint* destination, int length, uint valueMask, int coefficients, int blocks)
    {
        public PackedEncoder Encoder { get; } = encoder;

        public Poly X { get; } = x;

        public uint* Destination { get; } = destination;

        public int Length { get; } = length;

        public uint ValueMask { get; } = valueMask;

        public int Coefficients { get; } = coefficients;

        public int Blocks { get; } = blocks;
    }

    /// <summary>Slots of coefficients [<paramref name="first"/>, <paramref name="end"/>) into destination (the whole
    /// destination span; slots past its end are skipped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeRange(Poly x, int first, int end, Span<uint> destination, uint valueMask)
    {
        int n = _p.RingDegree, k = _p.ValuesPerCoefficient, w = _p.SlotBits;
        ulong[][] fixedPoint = _fixedPoint!;
        ulong[] crtInverse = _crtInverse!;
        int fpWords = fixedPoint[0].Length;
        Span<ulong> acc = stackalloc ulong[fpWords];
        IReadOnlyList<Modulus> moduli = _p.WireRing.Moduli;
        for (int c = first; c < end; c++)
        {
            acc.Clear();
            for (int i = 0; i < x.LimbCount; i++)
            {
                ulong y = moduli[i].Multiply(x.Data[i * n + c], crtInverse[i]);
                ulong[] f = fixedPoint[i];
                ulong carry = 0;
                for (int j = 0; j < fpWords; j++)
                {
                    ulong hi = Math.BigMul(y, f[j], out ulong lo);
                    ulong s1 = acc[j] + lo;
                    hi += s1 < lo ? 1UL : 0UL;
                    ulong s2 = s1 + carry;
                    hi += s2 < carry ? 1UL : 0UL;
                    acc[j] = s2;
                    carry = hi;
                }
            }

            // round: add 2^(G-1), then the value is acc >> G (mod 2^T)
            ulong add = 1UL << 63; // G = 128: bit 127 is the top bit of word 1
            ulong prev = acc[1];
            acc[1] += add;
            if (acc[1] < prev)
            {
                for (int j = 2; j < fpWords && ++acc[j] == 0; j++)
                {
                }
            }

            int slots = Math.Min(k, destination.Length - (c * k));
            for (int j = 0; j < slots; j++)
            {
                int bit = GuardBits + j * w;
                int word = bit >> 6, shift = bit & 63;
                ulong v = acc[word] >> shift;
                if (shift + w > 64 && word + 1 < fpWords)
                {
                    v |= acc[word + 1] << (64 - shift);
                }

                destination[c * k + j] = (uint)v & valueMask;
            }
        }
    }

    /// <summary>Decodes a wire-level polynomial x = Δ'm + E into the exact slot sums (each &lt; 2^w).</summary>
    internal ulong[] DecodeReference(Poly x)
    {
        int n = _p.RingDegree, k = _p.ValuesPerCoefficient, w = _p.SlotBits, logT = _p.PlaintextModulusBits;
        BigInteger q = _p.WireModulus;
        BigInteger tMask = (BigInteger.One << logT) - 1;
        ulong slotMask = w == 64 ? ulong.MaxValue : (1UL << w) - 1;
        var result = new ulong[n * k];
        for (int c = 0; c < n; c++)
        {
            BigInteger acc = BigInteger.Zero;
            for (int i = 0; i < x.LimbCount; i++)
            {
                acc += _crtBasis[i] * x.Data[i * n + c];
            }

            acc %= q;
            BigInteger m = (((acc << logT) + _halfWire) / q) & tMask;
            for (int j = 0; j < k; j++)
            {
                result[c * k + j] = (ulong)(m & slotMask);
                m >>= w;
            }
        }

        return result;
    }
}
