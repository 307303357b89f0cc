using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Identity;

namespace SecAgg.Protocol.Internal;

/// <summary>
/// The NOT SECURE test preset: a fixed small ring and the fewest primes (of at most 50 bits) that carry the
/// descriptor's sums exactly with its own κ and Q_cap, by the planner's rule (BFV: log q ≥ k·w + log2(B_K + N·13·σ_flood(K))
/// + 1 with k = 2; CKKS: log Δ ≥ log2(n·noise) + 2 and log q ≥ log Δ + w + 2), one more bit at a time until
/// <see cref="AggregationParameters.Create"/> accepts it.
/// </summary>
internal static class InsecurePlanner
{
    private const int MaxPrimeBits = 50;
    private const int BfvValuesPerCoefficient = 2;

    public static AggregationParameters Plan(ConsortiumDescriptor d, int ringDegree)
    {
        int parties = d.ParticipantCount;
        int headroom = parties <= 1 ? 0 : 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(parties - 1));
        int w = d.Bits + headroom;
        int log2Sigma = StatisticalFlooding.Log2Sigma(parties, d.MaxColluders, d.ShareCap, ringDegree, parties, d.StatisticalSecurity);
        double noiseBits = Math.Log2(StatisticalFlooding.NoiseBound(parties) + (parties * StatisticalFlooding.TailBound(log2Sigma)));
        bool ckks = d.Scheme == HeScheme.Ckks;
        int scaleBits = ckks ? (int)Math.Ceiling(Math.Log2(ringDegree) + noiseBits) + 2 : 0;
        int need = (int)Math.Ceiling(ckks ? scaleBits + w + 2.05 : (BfvValuesPerCoefficient * w) + noiseBits + 1.05);
        string? last = null;
        for (int total = Math.Max(need, 20); total <= need + 16; total++)
        {
            int limbs = (total + MaxPrimeBits - 1) / MaxPrimeBits;
            int[] sizes = [.. Enumerable.Range(0, limbs).Select(i => (total / limbs) + (i < total % limbs ? 1 : 0))];
            try
            {
                return AggregationParameters.Create(new AggregationParametersLiteral
                {
                    RingDegree = ringDegree,
                    Primes = CoeffModulus.Create(ringDegree, sizes),
                    Parties = parties,
                    Threshold = d.Threshold,
                    MaxColluders = d.MaxColluders,
                    ValueBits = d.Bits,
                    ValuesPerCoefficient = ckks ? 1 : BfvValuesPerCoefficient,
                    StatisticalSecurity = d.StatisticalSecurity,
                    ShareCap = d.ShareCap,
                    Scheme = ProtocolPresets.Codec(d.Scheme),
                    ScaleBits = scaleBits,
                    AllowInsecureForTests = true,
                });
            }
            catch (ArgumentException e)
            {
                last = e.Message;
            }
        }

        throw new ProtocolPlanException($"he.preset {ProtocolPresets.InsecureForTestsName}: no test parameter set holds this consortium ({last}); lower dp.bits, decryption.share-cap or decryption.statistical-security.");
    }
}
