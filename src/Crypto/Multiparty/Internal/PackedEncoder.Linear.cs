using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// The packed encoding as a linear form in the values, four coefficients per 256-bit vector. With s_j = T − j·w and
/// Q = H_j·2^(s_j) + L_j (0 ≤ L_j &lt; 2^(s_j)):
/// <code>
///   Q·M/t = Σ_j v_j·Q·2^(−s_j) = Σ_j v_j·H_j + F,   F = Σ_j v_j·φ_j,  φ_j = L_j / 2^(s_j) ∈ [0, 1)
///   round(Q·M/t) mod q_l = Σ_j v_j·(H_j mod q_l) + round(F)   (mod q_l)
/// </code>
/// Each v_j &lt; 2^b meets 32-bit halves of the constants (η = H_j mod q_l and φ̃_j = ⌊φ_j·2^64⌋), so every product is
/// one vpmuludq and every sum of k of them fits a 64-bit lane when k·(2^b − 1)·(2^32 − 1) &lt; 2^64 (b = 16: any k the
/// planner makes). Per limb one 128-bit Barrett reduction finishes the sum. round(F) is computed from φ̃, which is below
/// φ by less than 2^-64 each: F·2^64 lies in [S, S + k·(2^b − 1)) for the computed S, so the rounding is certain unless
/// the fraction of S is within that margin below 1/2; such a coefficient (about one in 2^31) is encoded by the exact
/// word-level path (<see cref="ScaledResidues"/>). The result is identical to the word-level path for every input.
/// </summary>
internal sealed partial class PackedEncoder
{
    /// <summary>Whether <see cref="EncodeScaled"/> takes the linear form on this machine (tests).</summary>
    internal bool UsesLinearForm => _linear is not null && Avx2.IsSupported;

    /// <summary>Coefficients per 256-bit vector of 64-bit lanes.</summary>
    private const int Lanes = 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EncodeLinearVector256(LinearForm f, ReadOnlySpan<uint> values, Poly dst)
    {
        int n = _p.RingDegree, k = _p.ValuesPerCoefficient, limbs = dst.LimbCount, stride = f.Limbs;
        uint limit = _p.ValueBits == 32 ? uint.MaxValue : (1u << _p.ValueBits) - 1;
        Array.Clear(dst.Data);
        ulong[] data = dst.Data;
        Span<ulong> lanes = k * Lanes <= 2048 ? stackalloc ulong[k * Lanes] : new ulong[k * Lanes]; // v_j of 4 coefficients, j-major
        Span<ulong> sums = limbs <= 64 ? stackalloc ulong[limbs * 2 * Lanes] : new ulong[limbs * 2 * Lanes]; // per limb: 4 low, 4 high
        Span<ulong> rounded = stackalloc ulong[Lanes];
        Span<ulong> m = _words <= 64 ? stackalloc ulong[_words] : new ulong[_words];
        Span<ulong> r = _words <= 64 ? stackalloc ulong[_words] : new ulong[_words];
        Span<ulong> residues = stackalloc ulong[limbs];
        ref ulong v0 = ref MemoryMarshal.GetReference(lanes);
        ref ulong s0 = ref MemoryMarshal.GetReference(sums);
        ref ulong phi = ref MemoryMarshal.GetArrayDataReference(f.Phi);
        ref ulong eta = ref MemoryMarshal.GetArrayDataReference(f.Eta);
        for (int c = 0; c < n && c * k < values.Length; c += Lanes)
        {
            if (!Gather(values, c, k, limit, lanes))
            {
                continue;
            }

            // S = Σ_j v_j·φ̃_j as (high·2^32 + low) per lane; round(F) where certain, else the lane takes the exact path.
            // Each constant half (< 2^32) is broadcast as a uint: vpmuludq reads the low 32 bits of each 64-bit lane. The
            // earlier `Vector256.Create((ulong)half).AsUInt32()` gave wrong products in optimized code on an AVX-512
            // machine (.NET 10's JIT folds the broadcast into the instruction; found 2026-12-07 by PackedEncodingTests in
            // a Release build on AMD Zen 5; right with DOTNET_EnableAVX512=0 and on AVX2 machines).
            Vector256<ulong> fLo = Vector256<ulong>.Zero, fHi = Vector256<ulong>.Zero;
            for (int j = 0; j < k; j++)
            {
                Vector256<uint> v = Vector256.LoadUnsafe(ref v0, (nuint)(j * Lanes)).AsUInt32();
                fLo += Avx2.Multiply(v, Vector256.Create((uint)(Unsafe.Add(ref phi, 2 * j))));
                fHi += Avx2.Multiply(v, Vector256.Create((uint)(Unsafe.Add(ref phi, (2 * j) + 1))));
            }

            fLo.StoreUnsafe(ref s0);
            fHi.StoreUnsafe(ref s0, Lanes);
            int exact = 0; // bit i: lane i takes the word-level path
            for (int i = 0; i < Lanes; i++)
            {
                ulong hi = sums[Lanes + i], lo = sums[i];
                ulong fraction = (hi << 32) + lo;
                ulong whole = (hi >> 32) + (fraction < lo ? 1UL : 0UL);
                if (fraction >= 1UL << 63)
                {
                    rounded[i] = whole + 1;
                }
                else if (fraction <= (1UL << 63) - f.Margin)
                {
                    rounded[i] = whole;
                }
                else
                {
                    rounded[i] = 0;
                    exact |= 1 << i;
                }
            }

            // Σ_j v_j·η_{l,j} per limb, four limbs at a time (eight accumulators), halves interleaved per (j, l) in Eta.
            int l0 = 0;
            for (; l0 + 4 <= limbs; l0 += 4)
            {
                Vector256<ulong> lo0 = Vector256<ulong>.Zero, hi0 = Vector256<ulong>.Zero, lo1 = Vector256<ulong>.Zero, hi1 = Vector256<ulong>.Zero;
                Vector256<ulong> lo2 = Vector256<ulong>.Zero, hi2 = Vector256<ulong>.Zero, lo3 = Vector256<ulong>.Zero, hi3 = Vector256<ulong>.Zero;
                for (int j = 0; j < k; j++)
                {
                    Vector256<uint> v = Vector256.LoadUnsafe(ref v0, (nuint)(j * Lanes)).AsUInt32();
                    ref ulong e = ref Unsafe.Add(ref eta, 2 * ((j * stride) + l0));
                    lo0 += Avx2.Multiply(v, Vector256.Create((uint)e));
                    hi0 += Avx2.Multiply(v, Vector256.Create((uint)(Unsafe.Add(ref e, 1))));
                    lo1 += Avx2.Multiply(v, Vector256.Create((uint)(Unsafe.Add(ref e, 2))));
                    hi1 += Avx2.Multiply(v, Vector256.Create((uint)(Unsafe.Add(ref e, 3))));
                    lo2 += Avx2.Multiply(v, Vector256.Create((uint)(Unsafe.Add(ref e, 4))));
                    hi2 += Avx2.Multiply(v, Vector256.Create((uint)(Unsafe.Add(ref e, 5))));
                    lo3 += Avx2.Multiply(v, Vector256.Create((uint)(Unsafe.Add(ref e, 6))));
                    hi3 += Avx2.Multiply(v, Vector256.Create((uint)(Unsafe.Add(ref e, 7))));
                }

                int at = l0 * 2 * Lanes;
                lo0.StoreUnsafe(ref s0, (nuint)at);
                hi0.StoreUnsafe(ref s0, (nuint)(at + Lanes));
                lo1.StoreUnsafe(ref s0, (nuint)(at + (2 * Lanes)));
                hi1.StoreUnsafe(ref s0, (nuint)(at + (3 * Lanes)));
                lo2.StoreUnsafe(ref s0, (nuint)(at + (4 * Lanes)));
                hi2.StoreUnsafe(ref s0, (nuint)(at + (5 * Lanes)));
                lo3.StoreUnsafe(ref s0, (nuint)(at + (6 * Lanes)));
                hi3.StoreUnsafe(ref s0, (nuint)(at + (7 * Lanes)));
            }

            for (; l0 < limbs; l0++)
            {
                Vector256<ulong> lo = Vector256<ulong>.Zero, hi = Vector256<ulong>.Zero;
                for (int j = 0; j < k; j++)
                {
                    Vector256<uint> v = Vector256.LoadUnsafe(ref v0, (nuint)(j * Lanes)).AsUInt32();
                    ref ulong e = ref Unsafe.Add(ref eta, 2 * ((j * stride) + l0));
                    lo += Avx2.Multiply(v, Vector256.Create((uint)e));
                    hi += Avx2.Multiply(v, Vector256.Create((uint)(Unsafe.Add(ref e, 1))));
                }

                lo.StoreUnsafe(ref s0, (nuint)(l0 * 2 * Lanes));
                hi.StoreUnsafe(ref s0, (nuint)((l0 * 2 * Lanes) + Lanes));
            }

            // Per limb and lane: Σ = high·2^32 + low = (high + ⌊low/2^32⌋)·2^32 + (low mod 2^32); the first term by Shoup
            // (any 64-bit factor, result in [0, 2q)), then + (low mod 2^32) + round(F) (< 2^33 < q): below 3q.
            for (int l = 0; l < limbs; l++)
            {
                ulong q = f.Moduli[l], w = f.TwoTo32Shoup[l];
                int row = l * n + c, at = l * 2 * Lanes;
                for (int i = 0; i < Lanes; i++)
                {
                    ulong low = sums[at + i];
                    ulong x = Modulus.MultiplyShoupLazy(sums[at + Lanes + i] + (low >> 32), 1UL << 32, w, q) + (low & uint.MaxValue) + rounded[i];
                    x = Math.Min(x, x - q);
                    data[row + i] = Math.Min(x, x - q);
                }
            }

            for (int i = 0; exact != 0 && i < Lanes; i++)
            {
                if ((exact & (1 << i)) != 0 && Pack(values, c + i, m))
                {
                    ScaledResidues(m, r, residues);
                    for (int l = 0; l < limbs; l++)
                    {
                        data[(l * n) + c + i] = residues[l];
                    }
                }
            }
        }

        lanes.Clear();
        sums.Clear();
        rounded.Clear();
        r.Clear();
        m.Clear();
    }

    /// <summary>Copies the values of coefficients c..c+3 into <paramref name="lanes"/> j-major (lane i = coefficient
    /// c + i; past the end: 0), each checked against 2^b; false when they are all zero.</summary>
    private static bool Gather(ReadOnlySpan<uint> values, int c, int k, uint limit, Span<ulong> lanes)
    {
        bool any = false;
        for (int i = 0; i < Lanes; i++)
        {
            int start = (c + i) * k;
            int count = Math.Clamp(values.Length - start, 0, k);
            for (int j = 0; j < count; j++)
            {
                uint v = values[start + j];
                if (v > limit)
                {
                    throw new ArgumentOutOfRangeException(nameof(values), v, $"Value {start + j} is {v}, not below 2^{BitOperations.Log2((ulong)limit + 1)}.");
                }

                lanes[(j * Lanes) + i] = v;
                any |= v != 0;
            }

            for (int j = count; j < k; j++)
            {
                lanes[(j * Lanes) + i] = 0;
            }
        }

        return any;
    }

    /// <summary>The constants of the linear form: η_{l,j} = H_j mod q_l and φ̃_j, each as two 32-bit halves.</summary>
    private sealed class LinearForm
    {
        private LinearForm(ulong[] eta, ulong[] phi, ulong[] moduli, ulong[] twoTo32Shoup, ulong margin)
        {
            Eta = eta;
            Phi = phi;
            Moduli = moduli;
            TwoTo32Shoup = twoTo32Shoup;
            Margin = margin;
        }

        /// <summary>Key-level limbs (the row length of <see cref="Eta"/>).</summary>
        public int Limbs => Moduli.Length;

        /// <summary>η_{l,j} mod 2^32 at [2·(j·Limbs + l)], η_{l,j} >> 32 at the next index.</summary>
        public ulong[] Eta { get; }

        /// <summary>φ̃_j mod 2^32 at [2j], φ̃_j >> 32 at [2j + 1].</summary>
        public ulong[] Phi { get; }

        /// <summary>q_l.</summary>
        public ulong[] Moduli { get; }

        /// <summary>The Shoup companion of 2^32 mod q_l (= 2^32: every q_l is above 2^33).</summary>
        public ulong[] TwoTo32Shoup { get; }

        /// <summary>A bound on F·2^64 − S: the fraction of S must be at least this far below 1/2 to round down.</summary>
        public ulong Margin { get; }

        /// <summary>The form for <paramref name="p"/>, or null when its sums would not fit 64-bit lanes.</summary>
        public static LinearForm? TryCreate(Layout p, ulong? margin)
        {
            int k = p.ValuesPerCoefficient, w = p.SlotBits, logT = p.PlaintextModulusBits;
            BigInteger maxValue = (BigInteger.One << p.ValueBits) - 1;
            BigInteger laneSum = k * maxValue * uint.MaxValue;
            BigInteger errorBound = k * maxValue; // Σ_j v_j·(φ_j·2^64 − φ̃_j) < Σ_j v_j
            IReadOnlyList<Modulus> moduli = p.KeyRing.Moduli;
            if (laneSum >= BigInteger.One << 64 || errorBound >= BigInteger.One << 32 || moduli.Any(q => q.Value < 1UL << 33))
            {
                return null;
            }

            int limbs = moduli.Count;
            BigInteger q = p.KeyModulus;
            var eta = new ulong[2 * k * limbs];
            var phi = new ulong[2 * k];
            for (int j = 0; j < k; j++)
            {
                int s = logT - (j * w);
                BigInteger high = q >> s;
                BigInteger fraction = ((q & ((BigInteger.One << s) - 1)) << 64) >> s; // ⌊L_j·2^64 / 2^s⌋ < 2^64
                phi[2 * j] = (ulong)(fraction & uint.MaxValue);
                phi[(2 * j) + 1] = (ulong)(fraction >> 32);
                for (int l = 0; l < limbs; l++)
                {
                    ulong e = (ulong)(high % moduli[l].Value);
                    eta[2 * ((j * limbs) + l)] = e & uint.MaxValue;
                    eta[(2 * ((j * limbs) + l)) + 1] = e >> 32;
                }
            }

            return new LinearForm(eta, phi, [.. moduli.Select(q => q.Value)], [.. moduli.Select(q => q.ShoupPrecompute(1UL << 32))], margin ?? (ulong)errorBound);
        }
    }
}
