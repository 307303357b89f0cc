using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Bfv;

/// <summary>
/// Coefficient encoding for any plaintext modulus t ≥ 2 (value j goes into coefficient j), and the two scalings that
/// connect plaintexts with ciphertext phases: <see cref="AddScaled"/> adds round(q_ℓ·m/t) and
/// <see cref="DecodePhase"/> computes round(t·v/q_ℓ) mod t. The multiparty protocols use the latter on the combined
/// phase of a collective decryption.
/// </summary>
public sealed class CoefficientEncoder
{
    private readonly BfvContext _context;

    /// <summary>Creates an encoder for <paramref name="context"/>.</summary>
    public CoefficientEncoder(BfvContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    /// <summary>Encodes unsigned values (each must be &lt; t; at most n of them; the rest are zero).</summary>
    /// <exception cref="ArgumentException">Too many values, or a value ≥ t.</exception>
    public void Encode(ReadOnlySpan<ulong> values, Plaintext destination)
    {
        CheckDestination(values.Length, destination);
        ulong t = _context.PlainModulus;
        for (int j = 0; j < values.Length; j++)
        {
            if (values[j] >= t)
            {
                throw new ArgumentException($"Value {values[j]} at index {j} is not below the plaintext modulus {t}.", nameof(values));
            }
        }

        values.CopyTo(destination.Coefficients);
        destination.Coefficients.AsSpan(values.Length).Clear();
    }

    /// <summary>Encodes signed values, reduced mod t (so −1 becomes t − 1).</summary>
    public void Encode(ReadOnlySpan<long> values, Plaintext destination)
    {
        CheckDestination(values.Length, destination);
        ulong t = _context.PlainModulus;
        for (int j = 0; j < values.Length; j++)
        {
            long r = values[j] % (long)t;
            destination.Coefficients[j] = (ulong)(r < 0 ? r + (long)t : r);
        }

        destination.Coefficients.AsSpan(values.Length).Clear();
    }

    /// <summary>Allocating form of <see cref="Encode(ReadOnlySpan{ulong}, Plaintext)"/>.</summary>
    public Plaintext Encode(ReadOnlySpan<ulong> values)
    {
        var p = new Plaintext(_context.N);
        Encode(values, p);
        return p;
    }

    /// <summary>Copies the coefficients (in [0, t)) into <paramref name="destination"/> (at most n).</summary>
    public void Decode(Plaintext plaintext, Span<ulong> destination)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        if (destination.Length > plaintext.N)
        {
            throw new ArgumentException($"At most {plaintext.N} values can be decoded.", nameof(destination));
        }

        plaintext.Coefficients.AsSpan(0, destination.Length).CopyTo(destination);
    }

    /// <summary>Decodes into the centered range [−t/2, t/2) (t ≤ 2^62).</summary>
    public void DecodeSigned(Plaintext plaintext, Span<long> destination)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        if (destination.Length > plaintext.N)
        {
            throw new ArgumentException($"At most {plaintext.N} values can be decoded.", nameof(destination));
        }

        ulong t = _context.PlainModulus;
        for (int j = 0; j < destination.Length; j++)
        {
            ulong v = plaintext.Coefficients[j];
            destination[j] = v >= (t + 1) / 2 ? -(long)(t - v) : (long)v;
        }
    }

    /// <summary>
    /// destination += round(q_ℓ·m/t) (mod q_ℓ, coefficient form), ℓ = destination.LimbCount, computed per limb as
    /// floor(q_ℓ/t)·m + round((q_ℓ mod t)·m/t), which is exact (halves round up).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddScaled(Plaintext plaintext, Poly destination)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        _context.CheckPoly(destination, nameof(destination));
        if (plaintext.N != _context.N)
        {
            throw new ArgumentException("The plaintext has the wrong number of coefficients.", nameof(plaintext));
        }

        if (destination.IsNtt)
        {
            throw new ArgumentException("The destination must be in coefficient form.", nameof(destination));
        }

        BfvContext.LevelConstants level = _context.Level(destination.LimbCount);
        ulong t = _context.PlainModulus;
        ulong r = level.R;
        ulong halfT = t / 2;
        bool powerOfTwo = BitOperations.IsPow2(t);
        int logT = BitOperations.Log2(t);
        ulong[] m = plaintext.Coefficients;
        int n = _context.N;
        Span<ulong> correction = n <= 32768 ? stackalloc ulong[n] : new ulong[n];
        for (int j = 0; j < n; j++)
        {
            ulong v = m[j];
            if (v >= t)
            {
                throw new ArgumentException($"Plaintext coefficient {j} is not below t = {t}.", nameof(plaintext));
            }

            if (r == 0)
            {
                correction[j] = 0;
            }
            else if (powerOfTwo)
            {
                correction[j] = (ulong)((((UInt128)r * v) + halfT) >> logT);
            }
            else if (t <= uint.MaxValue)
            {
                correction[j] = ((r * v) + halfT) / t;
            }
            else
            {
                correction[j] = (ulong)((((UInt128)r * v) + halfT) / t);
            }
        }

        for (int l = 0; l < destination.LimbCount; l++)
        {
            Modulus mod = _context.Ring.Moduli[l];
            ulong p = mod.Value;
            ulong d = level.DeltaMod[l], ds = level.DeltaShoup[l];
            Span<ulong> row = destination.Limb(l);
            int j = 0;
            if (_context.Ring.Simd == SimdMode.Vector512)
            {
                var vp = Vector512.Create(p);
                var vd = Vector512.Create(d);
                var vds = Vector512.Create(ds);
                var vdsHi = Vector512.Create(ds >> 32);
                ref ulong rm = ref m[0];
                ref ulong rc = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(correction);
                ref ulong rr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(row);
                for (; j + 8 <= n; j += 8)
                {
                    var x = Vector512.LoadUnsafe(ref rm, (nuint)j);
                    var scaled = (x * vd) - (Ring.Internal.Ntt.MulHi(x, vds, vdsHi) * vp) + Vector512.LoadUnsafe(ref rc, (nuint)j);
                    scaled = Ring.Internal.Ntt.ReduceOnce(Ring.Internal.Ntt.ReduceOnce(scaled, vp), vp);
                    Ring.Internal.Ntt.ReduceOnce(scaled + Vector512.LoadUnsafe(ref rr, (nuint)j), vp).StoreUnsafe(ref rr, (nuint)j);
                }
            }

            for (; j < n; j++)
            {
                ulong scaled = Modulus.MultiplyShoupLazy(m[j], d, ds, p) + correction[j]; // < 2p + t < 3p
                scaled = Modulus.SubtractIfAtLeast(Modulus.SubtractIfAtLeast(scaled, p), p);
                row[j] = Modulus.SubtractIfAtLeast(row[j] + scaled, p);
            }
        }
    }

    /// <summary>
    /// destination = round(t·v/q_ℓ) mod t for the phase v (coefficient form, ℓ limbs). Per coefficient it uses the CRT
    /// v = Σ_i x_i·(q_ℓ/p_i) − k·q_ℓ with x_i = [v_i·(q_ℓ/p_i)^−1]_{p_i}, so t·v/q_ℓ ≡ Σ_i x_i·t/p_i (mod t), each term
    /// evaluated in 128-bit fixed point (error &lt; ℓ·2^−63 in total, covered by <see cref="BfvContext.NoiseCapacity"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void DecodePhase(Poly phase, Plaintext destination)
    {
        _context.CheckPoly(phase, nameof(phase));
        ArgumentNullException.ThrowIfNull(destination);
        if (phase.IsNtt)
        {
            throw new ArgumentException("The phase must be in coefficient form.", nameof(phase));
        }

        if (destination.N != _context.N)
        {
            throw new ArgumentException("The plaintext has the wrong number of coefficients.", nameof(destination));
        }

        BfvContext.LevelConstants level = _context.Level(phase.LimbCount);
        ulong t = _context.PlainModulus;
        int n = _context.N;
        int limbs = phase.LimbCount;
        ulong[] data = phase.Data;
        ulong[] result = destination.Coefficients;
        Span<ulong> ps = stackalloc ulong[limbs];
        for (int l = 0; l < limbs; l++)
        {
            ps[l] = _context.Ring.Moduli[l].Value;
        }

        int start = 0;
        if (_context.Ring.Simd == SimdMode.Vector512 && t > (ulong)(2 * limbs))
        {
            start = DecodePhaseVector512(data, result, level, ps, n, t);
        }

        for (int j = start; j < n; j++)
        {
            ulong intSum = 0;
            UInt128 fracSum = 0;
            for (int l = 0; l < limbs; l++)
            {
                ulong p = ps[l];
                ulong x = Modulus.MultiplyShoupLazy(data[(l * n) + j], level.QHatInv[l], level.QHatInvShoup[l], p);
                x = Modulus.SubtractIfAtLeast(x, p);
                ulong h1 = Math.BigMul(x, level.TOverPLo[l], out _);
                ulong h2 = Math.BigMul(x, level.TOverPHi[l], out ulong l2);
                ulong mid = l2 + h1;
                ulong intPart = h2 + (mid < l2 ? 1UL : 0UL); // floor(x·t/p) < t
                intSum += intPart;
                intSum = Modulus.SubtractIfAtLeast(intSum, t);
                fracSum += mid;
            }

            ulong carry = (ulong)((fracSum + ((UInt128)1 << 63)) >> 64); // ≤ ℓ
            ulong value = intSum + (carry % t);
            result[j] = value >= t ? value - t : value;
        }
    }

    /// <summary>8-lane form of the scalar loop in <see cref="DecodePhase"/> (requires t &gt; 2ℓ so one conditional
    /// subtraction finishes the reduction mod t); returns the index where the scalar loop continues.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int DecodePhaseVector512(ulong[] data, ulong[] result, BfvContext.LevelConstants level, ReadOnlySpan<ulong> ps, int n, ulong t)
    {
        int limbs = ps.Length;
        var vt = Vector512.Create(t);
        var half = Vector512.Create(1UL << 63);
        int j = 0;
        for (; j + 8 <= n; j += 8)
        {
            var intSum = Vector512<ulong>.Zero;
            var fracLo = Vector512<ulong>.Zero;
            var fracHi = Vector512<ulong>.Zero;
            for (int l = 0; l < limbs; l++)
            {
                var vp = Vector512.Create(ps[l]);
                var v = Vector512.LoadUnsafe(ref data[0], (nuint)((l * n) + j));
                var w = Vector512.Create(level.QHatInv[l]);
                var ws = Vector512.Create(level.QHatInvShoup[l]);
                var x = (v * w) - (Ring.Internal.Ntt.MulHi(v, ws, Vector512.ShiftRightLogical(ws, 32)) * vp);
                x = Ring.Internal.Ntt.ReduceOnce(x, vp);
                var flo = Vector512.Create(level.TOverPLo[l]);
                var fhi = Vector512.Create(level.TOverPHi[l]);
                var h1 = Ring.Internal.Ntt.MulHi(x, flo, Vector512.ShiftRightLogical(flo, 32));
                var h2 = Ring.Internal.Ntt.MulHi(x, fhi, Vector512.ShiftRightLogical(fhi, 32));
                var l2 = x * fhi;
                var mid = l2 + h1;
                var carry = Vector512.LessThan(mid, l2) & Vector512<ulong>.One;
                intSum = Ring.Internal.Ntt.ReduceOnce(intSum + h2 + carry, vt);
                var newLo = fracLo + mid;
                fracHi += Vector512.LessThan(newLo, fracLo) & Vector512<ulong>.One;
                fracLo = newLo;
            }

            var rounded = fracLo + half;
            var round = fracHi + (Vector512.LessThan(rounded, fracLo) & Vector512<ulong>.One); // ≤ ℓ < t/2
            Ring.Internal.Ntt.ReduceOnce(intSum + round, vt).StoreUnsafe(ref result[0], (nuint)j);
        }

        return j;
    }

    private void CheckDestination(int count, Plaintext destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.N != _context.N)
        {
            throw new ArgumentException("The plaintext has the wrong number of coefficients.", nameof(destination));
        }

        if (count > _context.N)
        {
            throw new ArgumentException($"At most n = {_context.N} values fit one plaintext, got {count}.", "values");
        }
    }
}
