using System.Numerics;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// Packed BFV Δ-scaling for protocol v2: M = Σ_j v_{ck+j}·2^(j·w) per coefficient (k values of w = b + h bits,
/// T = 2^(k·w)), encoded as round(q·M/T) exactly (<see cref="PackedEncoder"/>, word-level), decoded as
/// round(T·x/q) mod T, split into slots and reduced mod 2^b. Exact while the noise is below q/(2T); a slot sum of at
/// most K ≤ 2^h values never carries into the next slot.
/// </summary>
internal sealed class BfvAggregationCodec : IAggregationCodec
{
    private readonly AggregationParameters _p;
    private readonly PackedEncoder _encoder;

    public BfvAggregationCodec(AggregationParameters parameters)
    {
        _p = parameters;
        _encoder = new PackedEncoder(new PackedEncoder.Layout(parameters.Ring, parameters.Ring, parameters.ValueBits, parameters.ValuesPerCoefficient, parameters.SlotBits));
    }

    public void Encode(ReadOnlySpan<uint> values, Poly destination)
    {
        _encoder.EncodeScaled(values, destination);
        destination.IsNtt = false;
    }

    public void Decode(Poly x, int summands, int decryptors, Span<uint> destination)
    {
        _encoder.Decode(x, destination, _p.ValueBits == 32 ? uint.MaxValue : (1U << _p.ValueBits) - 1);
    }

    /// <summary>Checks B_K + N·13·σ_flood(K) &lt; q/(2T) exactly: T·(39·K + 26·N·σ_flood(K)) &lt; q.</summary>
    public static void CheckCapacity(AggregationParameters p)
    {
        int k = p.MaxSummands;
        int log2Sigma = p.FloodingLog2Sigma(k);
        BigInteger twiceNoise = (39 * (BigInteger)k) + (2 * StatisticalFlooding.TailSigmas * (BigInteger)p.Parties * (BigInteger.One << log2Sigma));
        if ((twiceNoise << p.PlaintextModulusBits) >= p.Modulus)
        {
            double noiseBits = BigInteger.Log(twiceNoise / 2 + 1, 2);
            throw new ArgumentException(
                $"Decryption would be incorrect: the worst-case noise B_K + N·13·σ_flood(K) = 2^{noiseBits:F1} (K = {k} summands, N = {p.Parties} members flooding with σ = 2^{log2Sigma}) does not fit under q/(2T) = 2^{p.NoiseCeilingBits:F1}. " +
                "Add primes (or a larger ring degree), lower ValuesPerCoefficient, or lower MaxSummands, ShareCap or StatisticalSecurity.");
        }
    }
}
