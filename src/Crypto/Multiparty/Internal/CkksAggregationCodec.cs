using System.Numerics;
using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Ckks.Internal;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// CKKS for protocol v2: the centered values c = v − 2^b·[v ≥ 2^(b−1)] ∈ [−2^(b−1), 2^(b−1)) of a chunk fill the n/2
/// complex slots (z_i = c_{2i} + i·c_{2i+1}) and are encoded by the canonical embedding at scale Δ = 2^ScaleBits
/// (<see cref="CkksEncoder"/>): m = round(Δ·σ^−1(z)), so ‖m‖∞ ≤ Δ·max|z| + 1/2 with max|z| ≤ √2·2^(b−1). The
/// decrypted sum x = Σ m_i + noise (centered mod q) is decoded, divided by Δ and rounded to the integer grid; the
/// result mod 2^b is the sum of the values mod 2^b (Σ c_i ≡ Σ v_i).
/// <para>
/// Exact while the tracked slot error stays below 1/2: |U| encoding errors (coefficient rounding n/(2Δ) and the
/// inverse FFT), n·(19·|U| + |D|·13·σ_flood(|U|))/Δ for the noise (|σ(e)_k| ≤ ‖e‖₁ ≤ n‖e‖∞), and the decoding
/// round-off (<see cref="ErrorModel"/>); and while Δ·|sum| + noise &lt; q/2. <see cref="Decode"/> refuses when the bound
/// reaches 1/2, and when a decoded value lies outside ±|U|·2^(b−1) (no sum of |U| values does: the phase is not an
/// honest sum, e.g. shares of another session); <see cref="CheckCapacity"/> checks K summands and N members.
/// </para>
/// </summary>
internal sealed class CkksAggregationCodec : IAggregationCodec
{
    private readonly AggregationParameters _p;
    private readonly CkksParameters _ckks;
    private readonly CkksEncoder _encoder;
    private readonly Complex[] _slots;
    private readonly double _scale;

    public CkksAggregationCodec(AggregationParameters parameters)
    {
        _p = parameters;
        _ckks = CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = BitOperations.Log2((uint)parameters.RingDegree),
            LogQ = BitSizes(parameters),
            LogDefaultScale = parameters.ScaleBits,
            AllowInsecureForTests = parameters.IsInsecureForTests,
        });
        _encoder = new CkksEncoder(_ckks);
        _slots = new Complex[_ckks.Slots];
        _scale = Math.Pow(2, parameters.ScaleBits);
    }

    public void Encode(ReadOnlySpan<uint> values, Poly destination)
    {
        long limit = 1L << _p.ValueBits;
        long half = limit >> 1;
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Complex(Centered(values, 2 * i, limit, half), Centered(values, (2 * i) + 1, limit, half));
        }

        _encoder.Encode(_slots, new CkksPlaintext(_ckks, destination, _scale, 0, 0, 0));
        _slots.AsSpan().Clear();
        destination.IsNtt = false;
    }

    private static double Centered(ReadOnlySpan<uint> values, int index, long limit, long half)
    {
        if (index >= values.Length)
        {
            return 0;
        }

        long v = values[index];
        if (v >= limit)
        {
            throw new ArgumentOutOfRangeException(nameof(values), v, $"Value {index} is {v}, not below 2^{BitOperations.Log2((ulong)limit)}.");
        }

        return v >= half ? v - limit : v;
    }

    public void Decode(Poly x, int summands, int decryptors, Span<uint> destination)
    {
        double bound = SlotErrorBound(summands, decryptors);
        if (!(bound < 0.5))
        {
            throw new InvalidOperationException(
                $"The tracked CKKS slot error bound {bound:G3} for {summands} summands and {decryptors} decryptors reaches 1/2, so rounding to the integer grid could be wrong; nothing is decoded. Use parameters with a larger scale.");
        }

        _encoder.DecodeComplex(new CkksPlaintext(_ckks, x, _scale, 0, 0, 0), _slots);
        ulong mask = (1UL << _p.ValueBits) - 1;
        double range = (summands * Math.Pow(2, _p.ValueBits - 1)) + 0.5;
        for (int i = 0; i < destination.Length; i++)
        {
            Complex z = _slots[i >> 1];
            double part = (i & 1) == 0 ? z.Real : z.Imaginary;
            if (!(Math.Abs(part) <= range))
            {
                _slots.AsSpan().Clear();
                throw new InvalidOperationException(
                    $"Decrypted value {i} is {part:G3}, outside ±{range:G3}, what {summands} values of {_p.ValueBits} bits can sum to: the sum and the decryption shares do not belong together (another session, round or chunk). Nothing is decoded.");
            }

            destination[i] = (uint)((ulong)(long)Math.Round(part, MidpointRounding.ToEven) & mask);
        }

        _slots.AsSpan().Clear();
    }

    private static int[] BitSizes(AggregationParameters p) => [.. p.Primes.Select(q => 64 - BitOperations.LeadingZeroCount(q))];

    /// <summary>The rigorous slot error bound of a decrypted sum (see the class remarks).</summary>
    internal double SlotErrorBound(int summands, int decryptors) => SlotErrorBound(_p, summands, decryptors);

    private static double SlotErrorBound(AggregationParameters p, int summands, int decryptors)
    {
        int n = p.RingDegree;
        double scale = Scale(p);
        double noise = ErrorModel.Add(19.0 * summands, decryptors * StatisticalFlooding.TailBound(p.FloodingLog2Sigma(summands)));
        double encoding = ErrorModel.Mul(summands, ErrorModel.EncodingError(n, scale, MaxAbs(p)));
        return ErrorModel.SlotError(n, scale, encoding, noise, MessageBound(p, summands));
    }

    private static double Scale(AggregationParameters p) => Math.Pow(2, p.ScaleBits);

    private static double MaxAbs(AggregationParameters p) => Math.Sqrt(2) * Math.Pow(2, p.ValueBits - 1);

    private static double MessageBound(AggregationParameters p, int summands) => summands * ((Scale(p) * MaxAbs(p)) + 0.5);

    /// <summary>Throws, saying what to change, unless the primes are CKKS's for their sizes, the scale is in CKKS's range,
    /// and K summands decrypted by N members decode exactly without wrapping.</summary>
    public static void CheckCapacity(AggregationParameters p)
    {
        if (!CoeffModulus.Create(p.RingDegree, BitSizes(p)).SequenceEqual(p.Primes))
        {
            throw new ArgumentException(
                "For CKKS the primes must be the largest NTT primes of their bit sizes, in the order CoeffModulus.Create makes them (as CkksParameters does); use the planner or CoeffModulus.Create.");
        }

        if (p.ScaleBits < 1 || p.ScaleBits > 200 || p.ScaleBits >= BitSizes(p).Sum() - 1)
        {
            throw new ArgumentException($"ScaleBits = {p.ScaleBits} must be in [1, 200] and below log2 q − 1 (CKKS's range).");
        }

        int k = p.MaxSummands;
        double bound = SlotErrorBound(p, k, p.Parties);
        if (!(bound < 0.5))
        {
            throw new ArgumentException(
                $"CKKS decryption would not round to the right integers: the worst-case slot error {bound:G3} (K = {k} summands, N = {p.Parties} members flooding with σ = 2^{p.FloodingLog2Sigma(k)}) reaches 1/2. Raise ScaleBits (n·noise/Δ must stay below 1/2).");
        }

        double total = MessageBound(p, k) + 19.0 * k + (p.Parties * StatisticalFlooding.TailBound(p.FloodingLog2Sigma(k)));
        if (!(total < (double)p.Modulus / 2 * (1 - 1e-12)))
        {
            throw new ArgumentException(
                $"CKKS sums would wrap: Δ·|sum| + noise reaches 2^{Math.Log2(total):F1}, beyond q/2 = 2^{p.ModulusBits - 1:F1}. Add primes or lower ScaleBits.");
        }
    }
}
