using System.Numerics;
using System.Runtime.CompilerServices;

namespace SecAgg.Crypto.Ckks.Internal;

/// <summary>
/// The "special" FFT of CKKS (HEAAN's fftSpecial, Lattigo's SpecialFFT) for n/2 slots, M = 2n, ζ = exp(2πi/M):
/// <see cref="Forward"/> maps v (v_k = m_k + i·m_{k+n/2}) to z_j = Σ_k v_k·ζ^(k·5^j) = m(ζ^(5^j mod M)), the plaintext
/// polynomial evaluated at the primitive M-th roots of unity of the rotation group ⟨5⟩; <see cref="Inverse"/> is its
/// inverse (including the 1/(n/2) factor). O(n log n), in double precision.
/// </summary>
internal sealed class SpecialFft
{
    private readonly int _slots;
    private readonly int _m;
    private readonly Complex[] _roots;   // ζ^k, k = 0..M
    private readonly int[] _rotGroup;    // 5^j mod M
    private readonly int[] _bitReverse;
    private readonly Complex[] _forwardTwiddles; // per stage len = 2, 4, …: ζ^((5^j mod 4len)·M/(4len)), j < len/2
    private readonly Complex[] _inverseTwiddles; // per stage: ζ^((4len − 5^j mod 4len)·M/(4len))

    public SpecialFft(int n)
    {
        _slots = n / 2;
        _m = 2 * n;
        _roots = new Complex[_m + 1];
        for (int k = 0; k <= _m; k++)
        {
            // Reduce to the first octant for accuracy: angle 2πk/M.
            double angle = 2.0 * Math.PI * k / _m;
            (double sin, double cos) = Math.SinCos(angle);
            _roots[k] = new Complex(cos, sin);
        }

        for (int k = 0; k <= _m; k += _m / 4)
        {
            // Exact values at multiples of π/2.
            int q = k / (_m / 4) % 4;
            _roots[k] = q switch { 0 => Complex.One, 1 => Complex.ImaginaryOne, 2 => -Complex.One, _ => -Complex.ImaginaryOne };
        }

        _rotGroup = new int[Math.Max(_slots, 1)];
        int g = 1;
        for (int j = 0; j < _slots; j++)
        {
            _rotGroup[j] = g;
            g = (int)((long)g * 5 % _m);
        }

        _forwardTwiddles = new Complex[Math.Max(_slots, 1)];
        _inverseTwiddles = new Complex[Math.Max(_slots, 1)];
        for (int len = 2, offset = 0; len <= _slots; offset += len >> 1, len <<= 1)
        {
            int lenq = len << 2;
            for (int j = 0; j < len >> 1; j++)
            {
                int r = _rotGroup[j] & (lenq - 1);
                _forwardTwiddles[offset + j] = _roots[r * (_m / lenq)];
                _inverseTwiddles[offset + j] = _roots[(lenq - r) * (_m / lenq)];
            }
        }

        _bitReverse = new int[_slots];
        int bits = BitOperations.Log2((uint)_slots);
        for (int i = 0; i < _slots; i++)
        {
            _bitReverse[i] = bits == 0 ? 0 : (int)(ReverseBits((uint)i) >> (32 - bits));
        }
    }

    public int Slots => _slots;

    /// <summary>z = SpecialFFT(v) in place (decoding direction).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(Span<Complex> v)
    {
        BitReverse(v);
        for (int len = 2, offset = 0; len <= _slots; offset += len >> 1, len <<= 1)
        {
            int half = len >> 1;
            ReadOnlySpan<Complex> tw = _forwardTwiddles.AsSpan(offset, half);
            for (int i = 0; i < _slots; i += len)
            {
                Span<Complex> lo = v.Slice(i, half), hi = v.Slice(i + half, half);
                for (int j = 0; j < half; j++)
                {
                    Complex u = lo[j];
                    Complex w = hi[j] * tw[j];
                    lo[j] = u + w;
                    hi[j] = u - w;
                }
            }
        }
    }

    /// <summary>v = SpecialFFT^−1(z) in place (encoding direction), divided by n/2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Inverse(Span<Complex> v)
    {
        for (int len = _slots; len >= 2; len >>= 1)
        {
            int half = len >> 1;
            ReadOnlySpan<Complex> tw = _inverseTwiddles.AsSpan(half - 1, half); // stage offset = Σ_{len' < len} len'/2 = half − 1
            for (int i = 0; i < _slots; i += len)
            {
                Span<Complex> lo = v.Slice(i, half), hi = v.Slice(i + half, half);
                for (int j = 0; j < half; j++)
                {
                    Complex u = lo[j] + hi[j];
                    Complex w = (lo[j] - hi[j]) * tw[j];
                    lo[j] = u;
                    hi[j] = w;
                }
            }
        }

        BitReverse(v);
        double inv = 1.0 / _slots;
        for (int i = 0; i < _slots; i++)
        {
            v[i] *= inv;
        }
    }

    private void BitReverse(Span<Complex> v)
    {
        for (int i = 0; i < _slots; i++)
        {
            int r = _bitReverse[i];
            if (r > i)
            {
                (v[i], v[r]) = (v[r], v[i]);
            }
        }
    }

    private static uint ReverseBits(uint x)
    {
        x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
        x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
        x = ((x >> 4) & 0x0F0F0F0Fu) | ((x & 0x0F0F0F0Fu) << 4);
        x = ((x >> 8) & 0x00FF00FFu) | ((x & 0x00FF00FFu) << 8);
        return (x >> 16) | (x << 16);
    }
}
