using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SecAgg.Crypto.Ring.Sampling;

/// <summary>
/// Centered discrete Gaussian over the integers with parameter σ (standard deviation), truncated to |x| ≤ Bound.
/// <para>Small σ (Bound ≤ 2^12): inversion of a 63-bit cumulative table of |x| (P(|x| = 0) ∝ 1,
/// P(|x| = k) ∝ 2·exp(−k²/2σ²)), evaluated branch-free over the whole table, then a uniform sign; the table is
/// computed in double precision, so each probability is exact to about 2^−52 relative — far below the statistical
/// distance that matters for RLWE errors.</para>
/// <para>Large σ (noise flooding, up to 2^60): round(σ·Z) with Z standard normal by Box–Muller from 53-bit
/// uniforms; when σ·Z exceeds the double's integer resolution the missing low bits are filled with uniform bits, so
/// the output is a Gaussian of σ convolved with a uniform far narrower than σ (relative width ≤ 2^−45); values with
/// |x| &gt; Bound are rejected and redrawn, so |x| ≤ Bound holds always (the bound noise analysis relies on).</para>
/// </summary>
public sealed class DiscreteGaussianSampler
{
    private const int MaxTableBound = 1 << 12;
    private readonly ulong[]? _cdt;

    /// <summary>The RLWE error distribution of SEAL and Lattigo: σ = 3.2, truncated at floor(6σ) = 19.</summary>
    public static DiscreteGaussianSampler StandardError { get; } = new(3.2, 19);

    /// <summary>Creates the sampler.</summary>
    /// <param name="sigma">Standard deviation, in (0, 2^60].</param>
    /// <param name="bound">Truncation bound (|x| ≤ bound), at least 1 and below 2^62.</param>
    /// <exception cref="ArgumentOutOfRangeException">σ or the bound are out of range.</exception>
    public DiscreteGaussianSampler(double sigma, long bound)
    {
        if (!(sigma > 0) || sigma > 1152921504606846976.0 || double.IsNaN(sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be in (0, 2^60].");
        }

        if (bound < 1 || bound >= 1L << 62)
        {
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "The bound must be in [1, 2^62).");
        }

        Sigma = sigma;
        Bound = bound;
        if (bound <= MaxTableBound)
        {
            var rho = new double[bound + 1];
            double total = 0;
            for (int k = 0; k <= bound; k++)
            {
                rho[k] = (k == 0 ? 1.0 : 2.0) * Math.Exp(-(double)k * k / (2 * sigma * sigma));
                total += rho[k];
            }

            // _cdt[k] = round(2^63 · P(|x| ≤ k)) for k < bound; |x| = #{k : u ≥ _cdt[k]} for u uniform in [0, 2^63).
            _cdt = new ulong[bound];
            double acc = 0;
            for (int k = 0; k < bound; k++)
            {
                acc += rho[k];
                double c = acc / total * 9223372036854775808.0;
                _cdt[k] = c >= 9223372036854775807.0 ? long.MaxValue : (ulong)c;
            }
        }
    }

    /// <summary>The standard deviation σ.</summary>
    public double Sigma { get; }

    /// <summary>Every sample satisfies |x| ≤ Bound.</summary>
    public long Bound { get; }

    /// <summary>Fills <paramref name="destination"/> with independent samples.</summary>
    public void Sample(Prng prng, Span<long> destination) => Sample(prng, destination, vectorize: true);

    /// <summary>Test hook: <paramref name="vectorize"/> = false forces the scalar table path.</summary>
    internal void Sample(Prng prng, Span<long> destination, bool vectorize)
    {
        ArgumentNullException.ThrowIfNull(prng);
        if (_cdt is not null)
        {
            SampleTable(prng, destination, _cdt, vectorize);
        }
        else
        {
            SampleLarge(prng, destination);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SampleTable(Prng prng, Span<long> destination, ulong[] cdt, bool vectorize)
    {
        // Random words in bulk, then a branch-free count over the table (8 lanes at a time where available).
        const int Chunk = 512;
        Span<ulong> words = stackalloc ulong[Chunk];
        for (int start = 0; start < destination.Length; start += Chunk)
        {
            int count = Math.Min(Chunk, destination.Length - start);
            Span<ulong> w = words[..count];
            prng.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(w));
            Span<long> dst = destination.Slice(start, count);
            int j = 0;
            if (vectorize && Vector512.IsHardwareAccelerated)
            {
                for (; j + 8 <= count; j += 8)
                {
                    var v = Vector512.Create<ulong>(w.Slice(j, 8));
                    var u = Vector512.ShiftRightLogical(v, 1);
                    var magnitude = Vector512<ulong>.Zero;
                    for (int k = 0; k < cdt.Length; k++)
                    {
                        magnitude -= Vector512.GreaterThanOrEqual(u, Vector512.Create(cdt[k]));
                    }

                    var sign = Vector512<ulong>.Zero - (v & Vector512<ulong>.One); // 0 or all ones
                    ((magnitude ^ sign) - sign).AsInt64().CopyTo(dst.Slice(j, 8));
                }
            }
            else if (vectorize && Vector256.IsHardwareAccelerated)
            {
                for (; j + 4 <= count; j += 4)
                {
                    var v = Vector256.Create<ulong>(w.Slice(j, 4));
                    var u = Vector256.ShiftRightLogical(v, 1);
                    var magnitude = Vector256<ulong>.Zero;
                    for (int k = 0; k < cdt.Length; k++)
                    {
                        magnitude -= Vector256.GreaterThanOrEqual(u, Vector256.Create(cdt[k]));
                    }

                    var sign = Vector256<ulong>.Zero - (v & Vector256<ulong>.One);
                    ((magnitude ^ sign) - sign).AsInt64().CopyTo(dst.Slice(j, 4));
                }
            }

            for (; j < count; j++)
            {
                ulong u = w[j] >> 1;
                long magnitude = 0;
                for (int k = 0; k < cdt.Length; k++)
                {
                    magnitude += u >= cdt[k] ? 1 : 0;
                }

                long sign = -(long)(w[j] & 1); // 0 or −1
                dst[j] = (magnitude ^ sign) - sign;
            }

            System.Security.Cryptography.CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(w));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SampleLarge(Prng prng, Span<long> destination)
    {
        // Bits of σ·Z below the double's resolution: fill them uniformly.
        int exponent = Math.ILogB(Sigma * 8); // |σ·Z| < 8σ unless rejected anyway
        int fillBits = Math.Max(0, exponent - 52);
        int j = 0;
        while (j < destination.Length)
        {
            // Two standard normals per Box–Muller step.
            double u1 = ((prng.NextUInt64() >> 11) + 1) * (1.0 / 9007199254740992.0); // (0, 1]
            double u2 = (prng.NextUInt64() >> 11) * (1.0 / 9007199254740992.0); // [0, 1)
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            double angle = 2 * Math.PI * u2;
            for (int k = 0; k < 2 && j < destination.Length; k++)
            {
                double z = k == 0 ? r * Math.Cos(angle) : r * Math.Sin(angle);
                double x = Math.Round(Sigma * z, MidpointRounding.ToEven);
                if (Math.Abs(x) > Bound)
                {
                    continue;
                }

                long v = (long)x;
                if (fillBits > 0)
                {
                    long low = (long)(prng.NextUInt64() >> (64 - fillBits)) - (1L << (fillBits - 1));
                    v += low;
                    if (Math.Abs(v) > Bound)
                    {
                        continue;
                    }
                }

                destination[j++] = v;
            }
        }
    }
}
