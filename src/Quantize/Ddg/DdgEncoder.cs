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
/// rotation), never on the noise or on the sum. Memory besides the input and the output: up to
/// <see cref="MaxSegment"/> padded coordinates, one pooled buffer of 8 bytes per coordinate (the rotated
/// doubles are rounded in place into the integers, and a rare second rounding attempt recomputes the
/// rotation from the input); beyond, 8 bytes per coordinate of one <see cref="SegmentLength"/> and a bit
/// per coordinate. The output is a whole destination or, with the piece overload, a caller's piece
/// buffer handed on as it fills. The buffers are wiped and returned to a pool shared by all threads
/// before the call returns: steady-state encoding allocates nothing and keeps nothing secret. Not
/// thread-safe (one encoder per thread).
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

    /// <summary>
    /// The rounding decisions kept between the two passes (a bit per padded coordinate), kept between calls like
    /// <see cref="Workspaces"/>; the rotation signs come from <see cref="RotationSigns.Rent"/>. An encoder holds no array
    /// of its own: one made per round (a participant's) used to leave 2 MB of signs (d = 10^7) on the large-object heap
    /// each round, which only a full collection takes (issue 17: the participant's peak crept up by that much per round).
    /// </summary>
    private static readonly ArrayPool<byte> BitArrays = ArrayPool<byte>.Create(1 << 27, 4);

    private int _degreeOfParallelism = 1;
    private readonly ExactDiscreteGaussianSampler _sampler;
    private readonly RotatedRounding _rounding;

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
        _rounding = new RotatedRounding(parameters, MaxRoundingAttempts);
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
        var sink = CoefficientSink.Whole(default, destination, Parameters.Modulus - 1);
        return EncodeCore(update, inputScale, roundSeed, random, ref sink);
    }

    /// <summary>Encodes into 32-bit coefficients mod 2^b (b ≤ 32).</summary>
    public DdgEncodeReport Encode(ReadOnlySpan<float> update, ReadOnlySpan<byte> roundSeed, Prng random, Span<uint> destination)
        => Encode(update, 1.0, roundSeed, random, destination);

    /// <summary>Encodes x_i = (float)(<paramref name="update"/>_i·<paramref name="inputScale"/>) into 32-bit
    /// coefficients mod 2^b (b ≤ 32), without making the scaled copy (see the ulong overload). Besides the input and
    /// the destination (4 bytes per padded coordinate) it needs at most 8 bytes per coordinate of one segment
    /// (<see cref="SegmentLength"/>) and a bit per coordinate: this is the participant's low-memory path.</summary>
    public DdgEncodeReport Encode(ReadOnlySpan<float> update, double inputScale, ReadOnlySpan<byte> roundSeed, Prng random, Span<uint> destination)
    {
        CheckBits32();
        CheckDestination(destination.Length);
        var sink = CoefficientSink.Whole(destination, default, Parameters.Modulus - 1);
        return EncodeCore(update, inputScale, roundSeed, random, ref sink);
    }

    /// <summary>
    /// Encodes x_i = (float)(<paramref name="update"/>_i·<paramref name="inputScale"/>) into 32-bit coefficients mod 2^b
    /// (b ≤ 32) and hands them to <paramref name="onPiece"/> in coordinate order, <paramref name="piece"/>.Length at a
    /// time (the last piece may be shorter), through <paramref name="piece"/> itself, which is wiped before returning:
    /// the same coefficients as the uint overload of Encode for the same randomness, with no buffer that spans the
    /// vector (above <see cref="MaxSegment"/> coordinates the encoder needs 8 bytes per coordinate of one
    /// <see cref="SegmentLength"/> and a bit per coordinate). This is the participant's path: each piece is encrypted
    /// as it is made.
    /// </summary>
    /// <param name="update">The flattened update, length d.</param>
    /// <param name="inputScale">The factor applied to every value first (positive, finite; 1 for none).</param>
    /// <param name="roundSeed">The round's public 32-byte rotation seed.</param>
    /// <param name="random">The secret randomness for rounding and noise (never a public-seed stream).</param>
    /// <param name="piece">The piece buffer (any positive length up to PaddedDimension).</param>
    /// <param name="onPiece">Receives each piece; called on this thread, in order.</param>
    public DdgEncodeReport Encode(ReadOnlySpan<float> update, double inputScale, ReadOnlySpan<byte> roundSeed, Prng random, Span<uint> piece, DdgPieceHandler onPiece)
    {
        ArgumentNullException.ThrowIfNull(onPiece);
        CheckBits32();
        if (piece.IsEmpty || piece.Length > Parameters.PaddedDimension)
        {
            throw new ArgumentException($"The piece buffer must hold 1 to PaddedDimension = {Parameters.PaddedDimension} coefficients, got {piece.Length}.", nameof(piece));
        }

        try
        {
            var sink = CoefficientSink.InPieces(piece, Parameters.PaddedDimension, Parameters.Modulus - 1, onPiece);
            return EncodeCore(update, inputScale, roundSeed, random, ref sink);
        }
        finally
        {
            piece.Clear(); // the last piece is as secret as the update
        }
    }

    /// <summary>Allocating convenience overload.</summary>
    public ulong[] Encode(ReadOnlySpan<float> update, ReadOnlySpan<byte> roundSeed, Prng random)
    {
        var result = new ulong[Parameters.PaddedDimension];
        Encode(update, roundSeed, random, result);
        return result;
    }

    /// <summary>
    /// Coordinates handled per pass over the vector: the whole padded vector up to <see cref="MaxSegment"/>
    /// coordinates (rotated, rounded and noised in one buffer, as one piece), otherwise max(s, 2^16) for Hadamard blocks
    /// of s (whole blocks, whole noise chunks).
    /// </summary>
    public int SegmentLength => Parameters.PaddedDimension <= SegmentLimit ? Parameters.PaddedDimension : Math.Max(Parameters.RotationBlockSize, NoiseChunk);

    /// <summary>Test seam: the padded length above which the encoding runs by segments (<see cref="MaxSegment"/>).</summary>
    internal int SegmentLimit { get; set; } = MaxSegment;

    /// <summary>Above this many padded coordinates the encoding runs segment by segment (see <see cref="SegmentLength"/>).</summary>
    public const int MaxSegment = 1 << 20;

    /// <summary>Noise draws per forked stream in the parallel noise path.</summary>
    private const int NoiseChunk = 1 << 16;

    private void CheckBits32()
    {
        if (Parameters.Bits > 32)
        {
            throw new InvalidOperationException($"Bits (b) = {Parameters.Bits} does not fit 32-bit coefficients; use the ulong overload.");
        }
    }

    private void CheckDestination(int length)
    {
        if (length != Parameters.PaddedDimension)
        {
            throw new ArgumentException($"The destination must hold PaddedDimension = {Parameters.PaddedDimension} coefficients, got {length}.", "destination");
        }
    }

    /// <summary>
    /// The encoding into <paramref name="sink"/>, in two stages. Rounding (floating point, on the data only): x̃. Up to
    /// <see cref="SegmentLength"/> = PaddedDimension: rotate into one buffer, round in place (each double is read before
    /// its slot is written), redraw while ‖x̃‖₂ &gt; B. Beyond, two passes over segments so that no buffer spans the
    /// vector: pass 1 rotates each segment and keeps only the rounding decisions (a bit per coordinate) and Σ x̃_i²,
    /// redrawn as a whole while ‖x̃‖₂ &gt; B; pass 2 rotates each segment again (the same doubles: the same inputs
    /// through the same code) and rebuilds x̃ = ⌊w⌋ + bit in place, in the same buffer. Noise (integers only, after
    /// every floating-point step of the window): (x̃ + N_Z(0, σ_int²)) mod 2^b, window by window, each window written
    /// to the sink once noised. The random words are taken in the same order by both paths and the noise streams forked
    /// in the same order (after the rounding), so with parallel noise they give the same output.
    /// </summary>
    private DdgEncodeReport EncodeCore(ReadOnlySpan<float> update, double inputScale, ReadOnlySpan<byte> roundSeed, Prng random, ref CoefficientSink sink)
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
        int padded = p.PaddedDimension, segment = SegmentLength;
        bool whole = segment == padded;
        RotationSigns.Kept signs = RotationSigns.Rent(roundSeed, (padded + 7) / 8);
        long[] ints = Workspaces.Rent(segment);
        byte[]? bits = whole ? null : BitArrays.Rent(padded / 8);
        try
        {
            var input = new RotatedRounding.RotationInput(update, inputScale, clip / p.Gamma / Math.Sqrt(p.RotationBlockSize), signs.Bits);
            int attempts = whole
                ? _rounding.RoundWhole(input, random, ints)
                : _rounding.Decide(input, random, ints, segment, bits!);
            using NoiseStreams noise = NoiseStreams.Fork(random, padded, NoiseChunk, DegreeOfParallelism);
            for (int start = 0; start < padded; start += segment)
            {
                int length = Math.Min(segment, padded - start);
                if (!whole)
                {
                    _rounding.Rebuild(input, start, ints, length, bits!);
                }

                AddNoise(ints, length, start, random, noise);
                sink.Write(ints.AsSpan(0, length), start);
            }

            return new DdgEncodeReport(norm, clip, attempts);
        }
        finally
        {
            // The rotated update, the rounding decisions and the noised integers are as secret as the update.
            ints.AsSpan(0, segment).Clear();
            Workspaces.Return(ints);
            RotationSigns.Return(signs);
            if (bits is not null)
            {
                bits.AsSpan(0, padded / 8).Clear();
                BitArrays.Return(bits);
            }
        }
    }

    /// <summary>
    /// window[..length] += N_Z(0, σ_int²) for coordinates [start, start + length), integers only: from the secret stream
    /// itself on one core, otherwise chunk c of 2^16 coordinates from the c-th stream forked (in order) before any noise
    /// is drawn.
    /// </summary>
    private void AddNoise(long[] window, int length, int start, Prng random, NoiseStreams noise)
    {
        if (!noise.Parallel)
        {
            _sampler.AddTo(window.AsSpan(0, length), random);
            return;
        }

        int first = start / NoiseChunk, count = (length + NoiseChunk - 1) / NoiseChunk;
        ExactDiscreteGaussianSampler sampler = _sampler;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = DegreeOfParallelism }, c =>
        {
            int offset = c * NoiseChunk;
            using Prng stream = noise.Take(first + c);
            sampler.AddTo(window.AsSpan(offset, Math.Min(NoiseChunk, length - offset)), stream);
        });
    }

    /// <summary>‖x‖₂ of <paramref name="update"/> in double precision (four running sums), as the encoder computes it
    /// before clipping: for a caller that scales the update by its norm first (a participant's weight).</summary>
    public static double L2Norm(ReadOnlySpan<float> update) => Math.Sqrt(SumOfSquares(update));

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
