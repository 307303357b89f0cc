using System.Numerics;
using SecAgg.Crypto.Ckks.Internal;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Ckks;

/// <summary>
/// The CKKS encoder (canonical embedding): n/2 complex values z_j become the integer polynomial
/// m = round(Δ·σ^−1(z)), where σ(m)_j = m(ζ^(5^j mod 2n)), ζ = exp(iπ/n) (the slot order of the rotation group
/// ⟨5⟩, as SEAL and Lattigo), computed by the special FFT in O(n log n) double arithmetic. Decoding evaluates the
/// polynomial (centered CRT, exact) at the same roots and divides by Δ. Real inputs occupy the real parts.
/// Fewer than n/2 values are padded with zeros.
/// <para>Error: |decode(encode(z))_j − z_j| ≤ n/(2Δ) + (8·log2 n + 1)·2^−53·(√(n/2)·max|z| + n·‖m‖∞/Δ)
/// (<see cref="CkksElement.SlotErrorBound"/>); with n = 8192, Δ = 2^40, |z| ≤ 1 this is about 2^−28.</para>
/// Not thread-safe (it reuses a work buffer); use one encoder per thread.
/// </summary>
public sealed class CkksEncoder
{
    private readonly CkksParameters _p;
    private readonly SpecialFft _fft;
    private readonly Complex[] _work;
    private readonly double[] _real;
    private readonly long[] _small;
    private readonly CrtToDouble?[] _crt;
    private ulong[][]? _pow2;

    /// <summary>Creates the encoder for <paramref name="parameters"/>.</summary>
    public CkksEncoder(CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _p = parameters;
        _fft = new SpecialFft(parameters.N);
        _work = new Complex[parameters.Slots];
        _real = new double[parameters.N];
        _small = new long[parameters.N];
        _crt = new CrtToDouble?[parameters.MaxLimbCount + 1];
    }

    /// <summary>The parameters.</summary>
    public CkksParameters Parameters => _p;

    // ------------------------------------------------------------------ encode

    /// <summary>Encodes up to n/2 real values at <paramref name="scale"/> (0 = default) and
    /// <paramref name="limbCount"/> limbs (0 = all).</summary>
    /// <exception cref="ArgumentException">Too many values, a NaN/infinite value, or Δ·|value| too large for q_ℓ/2.</exception>
    public CkksPlaintext Encode(ReadOnlySpan<double> values, double scale = 0, int limbCount = 0)
    {
        CkksPlaintext plain = NewPlaintext(scale, limbCount);
        Encode(values, plain);
        return plain;
    }

    /// <summary>Encodes up to n/2 complex values at <paramref name="scale"/> (0 = default) and
    /// <paramref name="limbCount"/> limbs (0 = all).</summary>
    public CkksPlaintext Encode(ReadOnlySpan<Complex> values, double scale = 0, int limbCount = 0)
    {
        CkksPlaintext plain = NewPlaintext(scale, limbCount);
        Encode(values, plain);
        return plain;
    }

    /// <summary>Encodes real values into <paramref name="destination"/>, keeping its scale and limb count.</summary>
    public void Encode(ReadOnlySpan<double> values, CkksPlaintext destination)
    {
        CheckCount(values.Length);
        for (int i = 0; i < _work.Length; i++)
        {
            _work[i] = i < values.Length ? new Complex(values[i], 0) : Complex.Zero;
        }

        EncodeWork(destination, nameof(values));
    }

    /// <summary>Encodes complex values into <paramref name="destination"/>, keeping its scale and limb count.</summary>
    public void Encode(ReadOnlySpan<Complex> values, CkksPlaintext destination)
    {
        CheckCount(values.Length);
        values.CopyTo(_work);
        _work.AsSpan(values.Length).Clear();
        EncodeWork(destination, nameof(values));
    }

    /// <summary>A zero plaintext at <paramref name="scale"/> (0 = default) and <paramref name="limbCount"/> limbs
    /// (0 = all), to encode into.</summary>
    public CkksPlaintext NewPlaintext(double scale = 0, int limbCount = 0)
    {
        double s = scale == 0 ? _p.DefaultScale : scale;
        if (!(s >= 1) || double.IsInfinity(s))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be a finite number ≥ 1 (0 for the default).");
        }

        int limbs = limbCount == 0 ? _p.MaxLimbCount : limbCount;
        if (limbs < 1 || limbs > _p.MaxLimbCount)
        {
            throw new ArgumentOutOfRangeException(nameof(limbCount), limbCount, $"Must be in [1, {_p.MaxLimbCount}] (or 0 for all).");
        }

        return new CkksPlaintext(_p, _p.Ring.NewPoly(limbs), s, 0, 0, 0);
    }

    private void CheckCount(int count)
    {
        if (count > _p.Slots)
        {
            throw new ArgumentException($"At most {_p.Slots} values fit one plaintext (n/2), got {count}.", "values");
        }
    }

    private void EncodeWork(CkksPlaintext destination, string paramName)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _p.CheckSame(destination.Parameters, nameof(destination));
        double maxAbs = 0;
        foreach (Complex z in _work)
        {
            if (!double.IsFinite(z.Real) || !double.IsFinite(z.Imaginary))
            {
                throw new ArgumentException("Values must be finite (no NaN or infinity).", paramName);
            }

            maxAbs = Math.Max(maxAbs, Complex.Abs(z));
        }

        _fft.Inverse(_work);
        int slots = _p.Slots;
        double scale = destination.Scale;
        double maxCoefficient = 0;
        for (int k = 0; k < slots; k++)
        {
            double re = Math.Round(_work[k].Real * scale, MidpointRounding.ToEven);
            double im = Math.Round(_work[k].Imaginary * scale, MidpointRounding.ToEven);
            _real[k] = re;
            _real[k + slots] = im;
            maxCoefficient = Math.Max(maxCoefficient, Math.Max(Math.Abs(re), Math.Abs(im)));
        }

        Poly poly = destination.Poly;
        double half = (double)_p.Ring.ModulusAt(poly.LimbCount) / 2;
        if (!(maxCoefficient < half * (1 - 1e-12)))
        {
            throw new ArgumentException(
                $"Δ·|value| reaches 2^{Math.Log2(maxCoefficient):F1}, beyond q_ℓ/2 = 2^{Math.Log2(half):F1}: lower the scale, encode smaller values or use more limbs.",
                paramName);
        }

        if (maxCoefficient < 4.0e18)
        {
            for (int j = 0; j < _real.Length; j++)
            {
                _small[j] = (long)_real[j];
            }

            _p.Ring.SetSigned(_small, poly);
        }
        else
        {
            SetLarge(poly);
        }

        poly.IsNtt = false;
        destination.MessageBound = maxCoefficient;
        destination.NoiseBound = 0;
        destination.EncodingErrorBound = ErrorModel.EncodingError(_p.N, scale, maxAbs);
    }

    /// <summary>Reduces integer-valued doubles of any size: |x| = mant·2^e gives (mant mod p)·(2^e mod p).</summary>
    private void SetLarge(Poly poly)
    {
        _pow2 ??= BuildPowersOfTwo();
        for (int l = 0; l < poly.LimbCount; l++)
        {
            Modulus m = _p.Ring.Moduli[l];
            Span<ulong> r = poly.Limb(l);
            for (int j = 0; j < _real.Length; j++)
            {
                double x = _real[j];
                double ax = Math.Abs(x);
                ulong v;
                if (ax < 4.0e18)
                {
                    v = m.Reduce((ulong)ax);
                }
                else
                {
                    long bits = BitConverter.DoubleToInt64Bits(ax);
                    int exp = (int)((bits >> 52) & 0x7FF) - 1075;
                    ulong mant = ((ulong)bits & ((1UL << 52) - 1)) | (1UL << 52);
                    v = m.Multiply(m.Reduce(mant), _pow2[l][exp]);
                }

                r[j] = x < 0 ? m.Negate(v) : v;
            }
        }
    }

    private ulong[][] BuildPowersOfTwo()
    {
        var table = new ulong[_p.MaxLimbCount][];
        for (int l = 0; l < table.Length; l++)
        {
            Modulus m = _p.Ring.Moduli[l];
            table[l] = new ulong[1024];
            ulong x = 1;
            for (int e = 0; e < 1024; e++)
            {
                table[l][e] = x;
                x = m.Add(x, x);
            }
        }

        return table;
    }

    // ------------------------------------------------------------------ decode

    /// <summary>Decodes the real parts of the n/2 slots.</summary>
    public double[] Decode(CkksPlaintext plaintext)
    {
        var values = new double[_p.Slots];
        Decode(plaintext, values);
        return values;
    }

    /// <summary>Decodes the real parts of the first destination.Length (≤ n/2) slots into <paramref name="destination"/>.</summary>
    public void Decode(CkksPlaintext plaintext, Span<double> destination)
    {
        DecodeWork(plaintext, destination.Length, nameof(destination));
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = _work[i].Real;
        }
    }

    /// <summary>Decodes the n/2 complex slots.</summary>
    public Complex[] DecodeComplex(CkksPlaintext plaintext)
    {
        var values = new Complex[_p.Slots];
        DecodeComplex(plaintext, values);
        return values;
    }

    /// <summary>Decodes the first destination.Length (≤ n/2) complex slots into <paramref name="destination"/>.</summary>
    public void DecodeComplex(CkksPlaintext plaintext, Span<Complex> destination)
    {
        DecodeWork(plaintext, destination.Length, nameof(destination));
        _work.AsSpan(0, destination.Length).CopyTo(destination);
    }

    private void DecodeWork(CkksPlaintext plaintext, int count, string paramName)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        _p.CheckSame(plaintext.Parameters, nameof(plaintext));
        if (count > _p.Slots)
        {
            throw new ArgumentException($"At most {_p.Slots} slots exist, the destination has {count}.", paramName);
        }

        if (plaintext.Poly.IsNtt)
        {
            throw new ArgumentException("The plaintext must be in coefficient form.", nameof(plaintext));
        }

        int limbs = plaintext.LimbCount;
        CrtToDouble crt = _crt[limbs] ??= new CrtToDouble(_p.Ring, limbs);
        crt.Convert(plaintext.Poly, 1.0 / plaintext.Scale, _real);
        int slots = _p.Slots;
        for (int k = 0; k < slots; k++)
        {
            _work[k] = new Complex(_real[k], _real[k + slots]);
        }

        _fft.Forward(_work);
    }
}
