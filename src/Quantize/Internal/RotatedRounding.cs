using System.Runtime.InteropServices;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Quantize.Internal;

/// <summary>
/// Steps 3–4 of the DDG encoding (docs/quantize.md): the rotation w = H·D·(scale·x) per Hadamard block and the
/// conditional randomized rounding x̃ of w, redrawn while ‖x̃‖₂² exceeds T = ⌊B²(1 − 2^−40)⌋ (exactly: a double sum,
/// and Int128 when it is within 10^−5 of T). Floating point on the data only: the noise is added to x̃ afterwards by
/// <see cref="DdgEncoder"/>, integers only. Whole (one buffer of 8 bytes per padded coordinate) or, for long vectors, in
/// two passes over segments with one bit per coordinate kept between them (<see cref="Decide"/>, then
/// <see cref="Rebuild"/> per segment); both take the random words in the same order and give the same x̃.
/// </summary>
internal sealed class RotatedRounding
{
    private readonly int _maxAttempts;
    private readonly long _normBoundSquared;

    /// <param name="parameters">The DDG parameters.</param>
    /// <param name="maxAttempts">Draws of the rounding before giving up.</param>
    public RotatedRounding(DdgParameters parameters, int maxAttempts)
    {
        Parameters = parameters;
        _maxAttempts = maxAttempts;
        double b2 = parameters.NormBound * parameters.NormBound;
        // conservative integer threshold: sum of squares <= floor(B^2 (1 - 2^-40)) implies norm <= B
        _normBoundSquared = (long)Math.Floor(b2 * (1 - Math.Pow(2, -40)));
    }

    public DdgParameters Parameters { get; }

    /// <summary>The update, the factors of the rotation's first step and the round's signs D (a bit per padded coordinate).</summary>
    internal readonly ref struct RotationInput(ReadOnlySpan<float> update, double inputScale, double scale, ReadOnlySpan<byte> signs)
    {
        public readonly ReadOnlySpan<float> Update = update;
        public readonly double InputScale = inputScale;
        public readonly double Scale = scale;
        public readonly ReadOnlySpan<byte> Signs = signs;
    }

    /// <summary>The whole vector in <paramref name="buffer"/> (PaddedDimension longs): rotated as doubles, rounded in place
    /// into x̃ (not reduced mod 2^b).</summary>
    public int RoundWhole(RotationInput input, Prng random, long[] buffer)
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

        return attempts;
    }

    /// <summary>Pass 1 of the encoding by segments of <paramref name="segment"/> coordinates in <paramref name="buffer"/>:
    /// keeps the rounding decisions (a bit per coordinate) and the norm, redrawn as a whole while ‖x̃‖₂ &gt; B; returns
    /// the draws. <see cref="Rebuild"/> then gives x̃ segment by segment.</summary>
    public int Decide(RotationInput input, Prng random, long[] buffer, int segment, byte[] bits)
    {
        int padded = Parameters.PaddedDimension;
        Span<double> w = MemoryMarshal.Cast<long, double>(buffer.AsSpan(0, segment));
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
                || (approx <= _normBoundSquared * (1 + 1e-5) && ExactSumOfSquares(input, bits, buffer, segment) <= _normBoundSquared))
            {
                return attempts;
            }
        }
    }

    /// <summary>Pass 2 for the segment at <paramref name="start"/>: rotates it again (the same doubles: the same inputs
    /// through the same code) into <paramref name="buffer"/>[..length] and turns them in place into x̃ = ⌊w⌋ + bit (each
    /// double is read before its slot is written; not reduced mod 2^b).</summary>
    public void Rebuild(RotationInput input, int start, long[] buffer, int length, byte[] bits)
    {
        Span<long> ints = buffer.AsSpan(0, length);
        Span<double> w = MemoryMarshal.Cast<long, double>(ints);
        Rotate(input, start, w);
        RandomizedRounding.ApplyBits(w, bits.AsSpan(start / 8, length / 8), ints);
    }

    /// <summary>‖x̃‖₂² exactly, x̃ rebuilt segment by segment from the kept decisions (only when the double sum is too close to call).</summary>
    private Int128 ExactSumOfSquares(RotationInput input, byte[] bits, long[] buffer, int segment)
    {
        int padded = Parameters.PaddedDimension;
        Int128 sum = 0;
        for (int start = 0; start < padded; start += segment)
        {
            int length = Math.Min(segment, padded - start);
            Rebuild(input, start, buffer, length, bits);
            sum += RandomizedRounding.ExactSumOfSquares(buffer.AsSpan(0, length));
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
        SignScaling.Apply(input.Update.Slice(start, valued), input.InputScale, input.Scale, input.Signs[(start >> 3)..], w[..valued]);
        w[valued..].Clear();
        int s = Parameters.RotationBlockSize;
        for (int b = 0; b < w.Length; b += s)
        {
            Fwht.Transform(w.Slice(b, s));
        }
    }
}
