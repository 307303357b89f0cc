using System.Runtime.InteropServices;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Quantize.Internal;

/// <summary>
/// Steps 3–4 of the DDG encoding (docs/quantize.md): the rotation w = H·D·(scale·x) per Hadamard block and the
/// conditional randomized rounding x̃ of w, redrawn while ‖x̃‖₂² exceeds T = ⌊B²(1 − 2^−40)⌋ (exactly: a double sum,
/// and Int128 when it is within 10^−5 of T), written out mod 2^b. Floating point on the data only: the noise is added
/// afterwards by <see cref="DdgEncoder"/>, integers only. Whole (one buffer of 8 bytes per padded coordinate) or, for
/// long vectors, in two passes over segments with one bit per coordinate kept between them; both take the random words
/// in the same order and give the same x̃.
/// </summary>
internal sealed class RotatedRounding
{
    private readonly byte[] _signs;
    private readonly int _maxAttempts;
    private readonly long _normBoundSquared;
    private readonly ulong _mask;

    /// <param name="parameters">The DDG parameters.</param>
    /// <param name="signs">The round's rotation signs D (the encoder regenerates them in place when the round seed changes).</param>
    /// <param name="maxAttempts">Draws of the rounding before giving up.</param>
    public RotatedRounding(DdgParameters parameters, byte[] signs, int maxAttempts)
    {
        Parameters = parameters;
        _signs = signs;
        _maxAttempts = maxAttempts;
        double b2 = parameters.NormBound * parameters.NormBound;
        // conservative integer threshold: sum of squares <= floor(B^2 (1 - 2^-40)) implies norm <= B
        _normBoundSquared = (long)Math.Floor(b2 * (1 - Math.Pow(2, -40)));
        _mask = parameters.Modulus - 1;
    }

    public DdgParameters Parameters { get; }

    /// <summary>The update and the factors of the rotation's first step.</summary>
    internal readonly ref struct RotationInput(ReadOnlySpan<float> update, double inputScale, double scale)
    {
        public readonly ReadOnlySpan<float> Update = update;
        public readonly double InputScale = inputScale;
        public readonly double Scale = scale;
    }

    /// <summary>The whole vector in <paramref name="buffer"/> (PaddedDimension longs): rotated as doubles, rounded in place.</summary>
    public int RoundWhole(RotationInput input, Prng random, long[] buffer, Span<uint> u32, Span<ulong> u64)
    {
        int padded = Parameters.PaddedDimension;
        Span<long> ints = buffer.AsSpan(0, padded);
        Span<double> w = MemoryMarshal.Cast<long, double>(ints);
        int attempts = 0;
        do
        {
            CheckAttempts(++attempts);
            Rotate(input, 0, w);
        }
        while (!RandomizedRounding.RoundWithin(w, ints, random, _normBoundSquared));

        Coefficients.Store(ints, 0, _mask, u32, u64);
        return attempts;
    }

    /// <summary>Segment by segment: pass 1 keeps the decisions and the norm (redrawn while over B), pass 2 rebuilds x̃.</summary>
    public int RoundBySegments(RotationInput input, Prng random, Span<double> w, Span<long> ints, byte[] bits, Span<uint> u32, Span<ulong> u64)
    {
        int padded = Parameters.PaddedDimension, segment = w.Length;
        int attempts = 0;
        while (true)
        {
            CheckAttempts(++attempts);
            double approx = 0;
            for (int start = 0; start < padded; start += segment)
            {
                int length = Math.Min(segment, padded - start);
                Rotate(input, start, w[..length]);
                approx += RandomizedRounding.RoundToBits(w[..length], bits.AsSpan(start / 8, length / 8), random);
            }

            // Double sum of n exact-or-rounded squares: relative error below n·2^−52 < 2^−20 (as RoundWithin).
            if (approx < _normBoundSquared * (1 - 1e-5)
                || (approx <= _normBoundSquared * (1 + 1e-5) && ExactSumOfSquares(input, bits, w, ints) <= _normBoundSquared))
            {
                break;
            }
        }

        for (int start = 0; start < padded; start += segment)
        {
            int length = Math.Min(segment, padded - start);
            Rotate(input, start, w[..length]);
            RandomizedRounding.ApplyBits(w[..length], bits.AsSpan(start / 8, length / 8), ints[..length]);
            Coefficients.Store(ints[..length], start, _mask, u32, u64);
        }

        return attempts;
    }

    /// <summary>‖x̃‖₂² exactly, x̃ rebuilt segment by segment from the kept decisions (only when the double sum is too close to call).</summary>
    private Int128 ExactSumOfSquares(RotationInput input, byte[] bits, Span<double> w, Span<long> ints)
    {
        int padded = Parameters.PaddedDimension, segment = w.Length;
        Int128 sum = 0;
        for (int start = 0; start < padded; start += segment)
        {
            int length = Math.Min(segment, padded - start);
            Rotate(input, start, w[..length]);
            RandomizedRounding.ApplyBits(w[..length], bits.AsSpan(start / 8, length / 8), ints[..length]);
            sum += RandomizedRounding.ExactSumOfSquares(ints[..length]);
        }

        return sum;
    }

    private void CheckAttempts(int attempt)
    {
        if (attempt > _maxAttempts)
        {
            throw new InvalidOperationException($"Conditional randomized rounding exceeded the norm bound B = {Parameters.NormBound:G6} {_maxAttempts} times; raise Beta (a looser bound).");
        }
    }

    /// <summary>
    /// w = H·D·(scale·x) on coordinates [<paramref name="start"/>, start + w.Length) (whole blocks of s; D the round's
    /// signs, H the Walsh-Hadamard transform per block), zero past d.
    /// </summary>
    private void Rotate(RotationInput input, int start, Span<double> w)
    {
        int valued = Math.Clamp(input.Update.Length - start, 0, w.Length);
        SignScaling.Apply(input.Update.Slice(start, valued), input.InputScale, input.Scale, _signs.AsSpan(start >> 3), w[..valued]);
        w[valued..].Clear();
        int s = Parameters.RotationBlockSize;
        for (int b = 0; b < w.Length; b += s)
        {
            Fwht.Transform(w.Slice(b, s));
        }
    }
}
