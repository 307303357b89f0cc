using SecAgg.Quantize.Internal;
using System.Runtime.CompilerServices;

namespace SecAgg.Quantize.Ddg;

/// <summary>
/// The aggregator's inverse of <see cref="DdgEncoder"/> on the decrypted sum: lift each coefficient
/// mod 2^b to [−2^(b−1), 2^(b−1)), multiply by γ, invert the rotation (Walsh-Hadamard per block
/// normalised by 1/√s, then the signs), drop the padding and divide by the divisor (the number of
/// participants for the mean, the total weight for a weighted mean, 1 for the sum).
/// </summary>
/// <remarks>Allocation-free after construction; not thread-safe.</remarks>
public sealed class DdgDecoder
{
    private readonly double[] _work;

    /// <summary>Creates the decoder and its scratch space.</summary>
    public DdgDecoder(DdgParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        _work = new double[parameters.PaddedDimension];
    }

    /// <summary>The parameters.</summary>
    public DdgParameters Parameters { get; }

    /// <summary>Decodes a sum of coefficients mod 2^b (only the low b bits of each word are read).</summary>
    /// <param name="aggregate">Length PaddedDimension.</param>
    /// <param name="roundSeed">The round's public 32-byte rotation seed.</param>
    /// <param name="divisor">Participants (mean), total weight (weighted mean) or 1 (sum); positive.</param>
    /// <param name="destination">Length Dimension.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Decode(ReadOnlySpan<ulong> aggregate, ReadOnlySpan<byte> roundSeed, double divisor, Span<float> destination)
    {
        Check(aggregate.Length, divisor, destination.Length);
        for (int i = 0; i < aggregate.Length; i++)
        {
            _work[i] = CenteredLift(aggregate[i], Parameters.Bits);
        }

        Finish(roundSeed, divisor, destination);
    }

    /// <summary>Decodes 32-bit coefficients mod 2^b (b ≤ 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Decode(ReadOnlySpan<uint> aggregate, ReadOnlySpan<byte> roundSeed, double divisor, Span<float> destination)
    {
        if (Parameters.Bits > 32)
        {
            throw new InvalidOperationException($"Bits (b) = {Parameters.Bits} does not fit 32-bit coefficients; use the ulong overload.");
        }

        Check(aggregate.Length, divisor, destination.Length);
        for (int i = 0; i < aggregate.Length; i++)
        {
            _work[i] = CenteredLift(aggregate[i], Parameters.Bits);
        }

        Finish(roundSeed, divisor, destination);
    }

    /// <summary>Allocating convenience: the mean over <paramref name="participants"/>.</summary>
    public float[] DecodeMean(ReadOnlySpan<ulong> aggregate, ReadOnlySpan<byte> roundSeed, int participants)
    {
        var result = new float[Parameters.Dimension];
        Decode(aggregate, roundSeed, participants, result);
        return result;
    }

    /// <summary>The representative of v mod 2^b in [−2^(b−1), 2^(b−1)).</summary>
    internal static long CenteredLift(ulong v, int bits)
    {
        ulong m = 1UL << bits;
        long r = (long)(v & (m - 1));
        return r >= (long)(m >> 1) ? r - (long)m : r;
    }

    private void Check(int aggregateLength, double divisor, int destinationLength)
    {
        if (aggregateLength != Parameters.PaddedDimension)
        {
            throw new ArgumentException($"The aggregate must hold PaddedDimension = {Parameters.PaddedDimension} coefficients, got {aggregateLength}.", "aggregate");
        }

        if (destinationLength != Parameters.Dimension)
        {
            throw new ArgumentException($"The destination must hold Dimension = {Parameters.Dimension} values, got {destinationLength}.", "destination");
        }

        if (!(divisor > 0) || !double.IsFinite(divisor))
        {
            throw new ArgumentOutOfRangeException(nameof(divisor), $"The divisor {divisor} must be positive (participants, total weight, or 1 for the sum).");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Finish(ReadOnlySpan<byte> roundSeed, double divisor, Span<float> destination)
    {
        int s = Parameters.RotationBlockSize;
        RotationSigns.Kept kept = RotationSigns.Rent(roundSeed, (Parameters.PaddedDimension + 7) / 8);
        byte[] signs = kept.Bits;
        Span<double> w = _work;
        for (int start = 0; start < w.Length; start += s)
        {
            Fwht.Transform(w.Slice(start, s));
        }

        double scale = Parameters.Gamma / Math.Sqrt(s) / divisor;
        for (int i = 0; i < destination.Length; i++)
        {
            ulong bit = (ulong)(signs[i >> 3] >> (i & 7)) & 1;
            double v = w[i] * scale;
            destination[i] = (float)BitConverter.UInt64BitsToDouble(BitConverter.DoubleToUInt64Bits(v) ^ (bit << 63));
        }

        RotationSigns.Return(kept);
    }
}
