using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SecAgg.Quantize.Internal;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Quantize.Ddg;

/// <summary>What one encode did: the input's norm, the clip factor applied, the rounding attempts.</summary>
/// <param name="InputNorm">‖x‖₂ of the flattened update.</param>
/// <param name="ClipFactor">min(1, c/‖x‖₂).</param>
/// <param name="RoundingAttempts">Draws of the randomized rounding until ‖x̃‖₂ ≤ B (1 almost always).</param>
public readonly record struct DdgEncodeReport(double InputNorm, double ClipFactor, int RoundingAttempts);

/// <summary>
/// The participant's side of the distributed discrete Gaussian mechanism (privacy.md): clip to c,
/// scale by 1/γ, rotate (random signs from the round seed, then the Walsh-Hadamard transform
/// normalised by 1/√s per block of s), conditionally randomized rounding to ‖x̃‖₂ ≤ B, add
/// N_Z(0, σ_int²) to every padded coordinate with the exact sampler, wrap mod 2^b.
/// </summary>
/// <remarks>
/// The output coefficients are in [0, 2^b): the BFV plaintext coefficients for t = 2^b. The noise
/// is integer and exact; floating point is used only on the data before rounding (clip, scale,
/// rotation), never on the noise or on the sum. Memory: one pooled buffer of 8 bytes per padded
/// coordinate per call (the rotated doubles are rounded in place into the integers, and a rare
/// second rounding attempt recomputes the rotation from the input), wiped and returned to a pool
/// shared by all threads before the call returns: steady-state encoding allocates nothing and keeps
/// nothing secret. Not thread-safe (one encoder per thread).
/// </remarks>
public sealed class DdgEncoder
{
    /// <summary>TFF gives up conditional rounding after this many draws.</summary>
    public const int MaxRoundingAttempts = 1000;

    /// <summary>
    /// The buffers of <see cref="Encode(ReadOnlySpan{float}, double, ReadOnlySpan{byte}, Prng, Span{ulong})"/> and its
    /// uint twin, shared by all threads and kept between calls (returned wiped). Not <see cref="ArrayPool{T}.Shared"/>,
    /// whose per-thread slot a call on another pool thread (the next round's continuation) does not find: each call then
    /// faulted in a fresh 8-byte-per-coordinate array.
    /// </summary>
    private static readonly ArrayPool<long> Workspaces = ArrayPool<long>.Create(1 << 27, 2);

    private readonly byte[] _signs;
    private readonly byte[] _signSeed = new byte[32];
    private bool _signSeedValid;
    private int _degreeOfParallelism = 1;
    private readonly ExactDiscreteGaussianSampler _sampler;
    private readonly long _normBoundSquared;

    /// <summary>Builds the encoder; the exact sampler for σ_int² comes from <see cref="ExactDiscreteGaussianSampler.FromVariance"/>,
    /// whose table is built once per process and σ_int² (milliseconds to about a second for σ_int = 10^4) and shared.</summary>
    public DdgEncoder(DdgParameters parameters, ExactDiscreteGaussianSampler? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        if (sampler is not null && (double)sampler.VarianceNumerator / (double)sampler.VarianceDenominator != parameters.NoiseVariance)
        {
            throw new ArgumentException("The sampler's variance differs from the parameters' sigma_int^2.", nameof(sampler));
        }

        _sampler = sampler ?? ExactDiscreteGaussianSampler.FromVariance(parameters.NoiseVariance);
        _signs = new byte[(parameters.PaddedDimension + 7) / 8];
        double b2 = parameters.NormBound * parameters.NormBound;
        // conservative integer threshold: sum of squares <= floor(B^2 (1 - 2^-40)) implies norm <= B
        _normBoundSquared = (long)Math.Floor(b2 * (1 - Math.Pow(2, -40)));
    }

    /// <summary>The parameters.</summary>
    public DdgParameters Parameters { get; }

    /// <summary>Cores used for the noise (default 1; -1 for all).</summary>
    public int DegreeOfParallelism
    {
        get => _degreeOfParallelism;
        set
        {
            if (value is 0 or < -1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), $"DegreeOfParallelism = {value}: use -1 for all cores or a positive count.");
            }

            _degreeOfParallelism = value;
        }
    }

    /// <summary>Encodes into 64-bit coefficients mod 2^b.</summary>
    /// <param name="update">The flattened update, length d.</param>
    /// <param name="roundSeed">The round's public 32-byte rotation seed.</param>
    /// <param name="random">The secret randomness for rounding and noise (never a public-seed stream).</param>
    /// <param name="destination">Length PaddedDimension.</param>
    public DdgEncodeReport Encode(ReadOnlySpan<float> update, ReadOnlySpan<byte> roundSeed, Prng random, Span<ulong> destination)
        => Encode(update, 1.0, roundSeed, random, destination);

    /// <summary>Encodes x_i = (float)(<paramref name="update"/>_i·<paramref name="inputScale"/>) into 64-bit
    /// coefficients mod 2^b, exactly as <see cref="Encode(ReadOnlySpan{float}, ReadOnlySpan{byte}, Prng, Span{ulong})"/>
    /// of that scaled copy would, without making the copy (a participant's weight factor).</summary>
    /// <param name="update">The flattened update, length d.</param>
    /// <param name="inputScale">The factor applied to every value first (positive, finite).</param>
    /// <param name="roundSeed">The round's public 32-byte rotation seed.</param>
    /// <param name="random">The secret randomness for rounding and noise (never a public-seed stream).</param>
    /// <param name="destination">Length PaddedDimension.</param>
    public DdgEncodeReport Encode(ReadOnlySpan<float> update, double inputScale, ReadOnlySpan<byte> roundSeed, Prng random, Span<ulong> destination)
    {
        CheckDestination(destination.Length);
        long[] ints = Workspaces.Rent(Parameters.PaddedDimension);
        try
        {
            DdgEncodeReport report = EncodeToIntegers(update, inputScale, roundSeed, random, ints);
            ulong mask = Parameters.Modulus - 1;
            ref long src = ref MemoryMarshal.GetArrayDataReference(ints);
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = (ulong)Unsafe.Add(ref src, i) & mask;
            }

            return report;
        }
        finally
        {
            Release(ints);
        }
    }

    /// <summary>Encodes into 32-bit coefficients mod 2^b (b ≤ 32).</summary>
    public DdgEncodeReport Encode(ReadOnlySpan<float> update, ReadOnlySpan<byte> roundSeed, Prng random, Span<uint> destination)
        => Encode(update, 1.0, roundSeed, random, destination);

    /// <summary>Encodes x_i = (float)(<paramref name="update"/>_i·<paramref name="inputScale"/>) into 32-bit
    /// coefficients mod 2^b (b ≤ 32), without making the scaled copy (see the ulong overload).</summary>
    public DdgEncodeReport Encode(ReadOnlySpan<float> update, double inputScale, ReadOnlySpan<byte> roundSeed, Prng random, Span<uint> destination)
    {
        if (Parameters.Bits > 32)
        {
            throw new InvalidOperationException($"Bits (b) = {Parameters.Bits} does not fit 32-bit coefficients; use the ulong overload.");
        }

        CheckDestination(destination.Length);
        long[] ints = Workspaces.Rent(Parameters.PaddedDimension);
        try
        {
            DdgEncodeReport report = EncodeInPlace(update, inputScale, roundSeed, random, ints);
            MemoryMarshal.Cast<long, uint>(ints.AsSpan())[..destination.Length].CopyTo(destination);
            return report;
        }
        finally
        {
            Release(ints);
        }
    }

    /// <summary>
    /// Encodes x_i = (float)(<paramref name="update"/>_i·<paramref name="inputScale"/>) into 32-bit coefficients mod 2^b
    /// (b ≤ 32) inside <paramref name="workspace"/> alone: on return
    /// <c>MemoryMarshal.Cast&lt;long, uint&gt;(workspace)[..PaddedDimension]</c> holds the coefficients and the rest of
    /// the first PaddedDimension longs is zero. One buffer of 8 bytes per padded coordinate is then all the encoding
    /// needs besides the input (the coefficients are as secret as the update: wipe the workspace when done).
    /// </summary>
    /// <param name="update">The flattened update, length d.</param>
    /// <param name="inputScale">The factor applied to every value first (positive, finite; 1 for none).</param>
    /// <param name="roundSeed">The round's public 32-byte rotation seed.</param>
    /// <param name="random">The secret randomness for rounding and noise (never a public-seed stream).</param>
    /// <param name="workspace">At least PaddedDimension longs (e.g. rented from <see cref="ArrayPool{T}"/>); its content is overwritten.</param>
    public DdgEncodeReport EncodeInPlace(ReadOnlySpan<float> update, double inputScale, ReadOnlySpan<byte> roundSeed, Prng random, long[] workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        int padded = Parameters.PaddedDimension;
        if (Parameters.Bits > 32)
        {
            throw new InvalidOperationException($"Bits (b) = {Parameters.Bits} does not fit 32-bit coefficients; use the ulong overload.");
        }

        if (workspace.Length < padded)
        {
            throw new ArgumentException($"The workspace must hold at least PaddedDimension = {padded} longs, got {workspace.Length}.", nameof(workspace));
        }

        DdgEncodeReport report = EncodeToIntegers(update, inputScale, roundSeed, random, workspace);
        // Compact in place, ascending: the uint of coordinate i lands in bytes [4i, 4i + 4), inside the long i/2 ≤ i
        // already read, so no integer is overwritten before it is used.
        CompactInPlace(workspace.AsSpan(0, padded), (uint)(Parameters.Modulus - 1));
        return report;
    }

    /// <summary>uint i of <paramref name="ints"/> (read as uints) = ints[i] mod 2^b, the rest of its bytes zero; once per round.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CompactInPlace(Span<long> ints, uint mask)
    {
        Span<uint> coefficients = MemoryMarshal.Cast<long, uint>(ints);
        for (int i = 0; i < ints.Length; i++)
        {
            coefficients[i] = (uint)ints[i] & mask;
        }

        coefficients[ints.Length..].Clear();
    }

    /// <summary>Allocating convenience overload.</summary>
    public ulong[] Encode(ReadOnlySpan<float> update, ReadOnlySpan<byte> roundSeed, Prng random)
    {
        var result = new ulong[Parameters.PaddedDimension];
        Encode(update, roundSeed, random, result);
        return result;
    }

    private void Release(long[] ints)
    {
        ints.AsSpan(0, Parameters.PaddedDimension).Clear(); // the noised integers are as secret as the update
        Workspaces.Return(ints);
    }

    private void CheckDestination(int length)
    {
        if (length != Parameters.PaddedDimension)
        {
            throw new ArgumentException($"The destination must hold PaddedDimension = {Parameters.PaddedDimension} coefficients, got {length}.", "destination");
        }
    }

    /// <summary>The noised integers in <paramref name="buffer"/>[..PaddedDimension]: the rotation is computed there as
    /// doubles and rounded in place (each double is read before its slot is written), so one buffer serves both.</summary>
    private DdgEncodeReport EncodeToIntegers(ReadOnlySpan<float> update, double inputScale, ReadOnlySpan<byte> roundSeed, Prng random, long[] buffer)
    {
        ArgumentNullException.ThrowIfNull(random);
        DdgParameters p = Parameters;
        if (update.Length != p.Dimension)
        {
            throw new ArgumentException($"The update has {update.Length} values but the round's layout has Dimension = {p.Dimension}.", nameof(update));
        }

        if (!double.IsFinite(inputScale) || inputScale <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(inputScale), $"The input scale must be positive and finite, got {inputScale}.");
        }

        double norm = Math.Sqrt(SumOfSquares(update, inputScale));
        if (!double.IsFinite(norm))
        {
            throw new ArgumentException("The update contains NaN or infinity.", nameof(update));
        }

        double clip = norm > p.ClipNorm ? p.ClipNorm / norm : 1.0;
        double scale = clip / p.Gamma / Math.Sqrt(p.RotationBlockSize);
        if (!_signSeedValid || !roundSeed.SequenceEqual(_signSeed))
        {
            RotationSigns.Generate(roundSeed, _signs);
            roundSeed.CopyTo(_signSeed);
            _signSeedValid = true;
        }

        Span<long> ints = buffer.AsSpan(0, p.PaddedDimension);
        Span<double> w = MemoryMarshal.Cast<long, double>(ints);
        int attempts = 0;
        while (true)
        {
            attempts++;
            Rotate(update, inputScale, scale, w);
            if (RandomizedRounding.RoundWithin(w, ints, random, _normBoundSquared))
            {
                break;
            }

            if (attempts == MaxRoundingAttempts)
            {
                throw new InvalidOperationException($"Conditional randomized rounding exceeded the norm bound B = {p.NormBound:G6} {MaxRoundingAttempts} times; raise Beta (a looser bound).");
            }
        }

        if (DegreeOfParallelism == 1)
        {
            _sampler.AddTo(ints, random);
        }
        else
        {
            AddNoiseParallel(buffer, p.PaddedDimension, random);
        }

        return new DdgEncodeReport(norm, clip, attempts);
    }

    /// <summary>w = H·D·(scale·x) per block of s (D the round's signs, H the Walsh-Hadamard transform), zero-padded.</summary>
    private void Rotate(ReadOnlySpan<float> update, double inputScale, double scale, Span<double> w)
    {
        SignScaling.Apply(update, inputScale, scale, _signs, w);
        w[update.Length..].Clear();
        int s = Parameters.RotationBlockSize;
        for (int start = 0; start < w.Length; start += s)
        {
            Fwht.Transform(w.Slice(start, s));
        }
    }

    private void AddNoiseParallel(long[] ints, int length, Prng random)
    {
        const int Chunk = 1 << 16;
        int chunks = (length + Chunk - 1) / Chunk;
        ExactDiscreteGaussianSampler sampler = _sampler;
        // one child of the secret stream per chunk, forked in order (same output for any parallelism)
        var forks = new Prng[chunks];
        for (int c = 0; c < chunks; c++)
        {
            forks[c] = random.Fork();
        }

        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = DegreeOfParallelism }, c =>
        {
            using Prng r = forks[c];
            int start = c * Chunk;
            sampler.AddTo(ints.AsSpan(start, Math.Min(Chunk, length - start)), r);
        });
    }

    /// <summary>Σ x_i² of x_i = (float)(update_i·inputScale) (inputScale = 1: the values themselves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SumOfSquares(ReadOnlySpan<float> x, double inputScale)
    {
        if (inputScale == 1.0)
        {
            return SumOfSquares(x);
        }

        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int i = 0;
        for (; i + 4 <= x.Length; i += 4)
        {
            double v0 = (float)(x[i] * inputScale), v1 = (float)(x[i + 1] * inputScale), v2 = (float)(x[i + 2] * inputScale), v3 = (float)(x[i + 3] * inputScale);
            a0 += v0 * v0;
            a1 += v1 * v1;
            a2 += v2 * v2;
            a3 += v3 * v3;
        }

        for (; i < x.Length; i++)
        {
            double v = (float)(x[i] * inputScale);
            a0 += v * v;
        }

        return a0 + a1 + a2 + a3;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double SumOfSquares(ReadOnlySpan<float> x)
    {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int i = 0;
        for (; i + 4 <= x.Length; i += 4)
        {
            double v0 = x[i], v1 = x[i + 1], v2 = x[i + 2], v3 = x[i + 3];
            a0 += v0 * v0;
            a1 += v1 * v1;
            a2 += v2 * v2;
            a3 += v3 * v3;
        }

        for (; i < x.Length; i++)
        {
            double v = x[i];
            a0 += v * v;
        }

        return a0 + a1 + a2 + a3;
    }
}
