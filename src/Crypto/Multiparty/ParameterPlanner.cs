using SecAgg.Crypto.Ring;
using System.Numerics;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>What the planner is asked for.</summary>
public sealed record PlannerRequest
{
    /// <summary>Participants N.</summary>
    public required int Parties { get; init; }

    /// <summary>Decryption threshold (defaults to N: N-of-N).</summary>
    public int? Threshold { get; init; }

    /// <summary>Bits b per quantized value.</summary>
    public required int ValueBits { get; init; }

    /// <summary>Ciphertexts summed before decryption (defaults to N).</summary>
    public int? MaxSummands { get; init; }

    /// <summary>Flooding λ (default <see cref="NoiseFlooding.DefaultLambda"/>).</summary>
    public int FloodingLambda { get; init; } = NoiseFlooding.DefaultLambda;

    /// <summary>
    /// Values per participant per round; the planner minimizes the upload bytes for this many values,
    /// padding included (default 1,000,000).
    /// </summary>
    public long ExpectedValues { get; init; } = 1_000_000;

    /// <summary>Largest ring degree to consider (default 32768).</summary>
    public int MaxRingDegree { get; init; } = 32768;
}

/// <summary>A planned parameter set and its predicted costs.</summary>
public sealed record ParameterPlan
{
    /// <summary>The checked parameters.</summary>
    public required MultipartyParameters Parameters { get; init; }

    /// <summary>Bytes of one uploaded ciphertext.</summary>
    public required int CiphertextBytes { get; init; }

    /// <summary>Upload bytes per value (ciphertext bytes / (n·k)).</summary>
    public required double BytesPerValue { get; init; }

    /// <summary>Upload bits per payload bit.</summary>
    public required double Expansion { get; init; }

    /// <summary>Ciphertexts needed for <see cref="PlannerRequest.ExpectedValues"/> values.</summary>
    public required long CiphertextsPerRound { get; init; }

    /// <summary>Bytes of one decryption share (one per member per aggregate ciphertext).</summary>
    public required int DecryptionShareBytes { get; init; }

    /// <summary>One-line description.</summary>
    public override string ToString()
    {
        MultipartyParameters p = Parameters;
        string wire = string.Join("+", p.Primes.Take(p.WireLimbCount).Select(q => 64 - BitOperations.LeadingZeroCount(q)));
        string special = string.Join("+", p.Primes.Skip(p.WireLimbCount).Select(q => 64 - BitOperations.LeadingZeroCount(q)));
        return $"n={p.RingDegree} k={p.ValuesPerCoefficient} log t={p.PlaintextModulusBits} q'={wire} (+{special} at key level, log Q={p.KeyModulusBits:F0}) " +
               $"ct={CiphertextBytes} B, {BytesPerValue:F2} B/value, expansion {Expansion:F2}x";
    }
}

/// <summary>
/// Chooses n, the primes and t = 2^(k·(b+⌈log2 K⌉)) from N, the threshold, b, the summand count and λ:
/// for each n in 4096..MaxRingDegree and each k, the wire modulus q' is the fewest, smallest NTT primes
/// with log q' ≥ log t + log2(B_ct + N·12·σ_flood) + 1, one extra key-level prime of
/// ⌈log2 B_fresh⌉ + 2 bits (at least 24) absorbs the fresh encryption noise on the switch down, and
/// log Q must stay within the HomomorphicEncryption.org 128-bit bound for n. Among the feasible sets
/// it returns the one with the fewest upload bytes for <see cref="PlannerRequest.ExpectedValues"/>
/// values (ties: smaller n). Every candidate is re-checked by <see cref="MultipartyParameters.Create"/>.
/// </summary>
public static class ParameterPlanner
{
    private static readonly int[] MaxLogQ = [54, 109, 218, 438, 881];

    /// <summary>Plans parameters; throws <see cref="ArgumentException"/> saying what to change when nothing fits.</summary>
    public static ParameterPlan Plan(PlannerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        int n0 = request.Parties;
        if (n0 < 1 || n0 > 10_000)
        {
            throw new ArgumentException($"Parties {n0} must be in [1, 10000].", nameof(request));
        }

        if (request.ValueBits < 1 || request.ValueBits > 32)
        {
            throw new ArgumentException($"ValueBits {request.ValueBits} must be in [1, 32].", nameof(request));
        }

        if (request.ExpectedValues < 1)
        {
            throw new ArgumentException("ExpectedValues must be positive.", nameof(request));
        }

        if (request.MaxRingDegree < 4096 || request.MaxRingDegree > 32768 || (request.MaxRingDegree & (request.MaxRingDegree - 1)) != 0)
        {
            throw new ArgumentException("MaxRingDegree must be a power of two in [4096, 32768].", nameof(request));
        }

        int threshold = request.Threshold ?? n0;
        int summands = request.MaxSummands ?? n0;
        int headroom = summands <= 1 ? 0 : 64 - BitOperations.LeadingZeroCount((ulong)(summands - 1));
        int w = request.ValueBits + headroom;
        ParameterPlan? best = null;
        long bestBytes = long.MaxValue;
        string lastReason = "no ring degree was tried";
        for (int n = 4096; n <= request.MaxRingDegree; n *= 2)
        {
            int maxLogQ = MaxLogQ[BitOperations.Log2((uint)n) - 11];
            double bFresh = NoiseFlooding.ErrorBound * (2.0 * n * n0 + 1) + 0.5;
            int specialBits = Math.Max(24, (int)Math.Ceiling(Math.Log2(bFresh)) + 2);
            double bUp = (0.5 + Math.Pow(2, -19)) * (1.0 + (double)n * n0) + 0.5;
            double bCt = summands * bUp;
            double sigma = NoiseFlooding.Sigma(bCt, request.FloodingLambda);
            if (sigma > NoiseFlooding.MaxSigma)
            {
                lastReason = $"the flooding σ 2^{Math.Log2(sigma):F1} exceeds 2^50 at n = {n}";
                continue;
            }

            double noiseBits = Math.Log2(bCt + n0 * NoiseFlooding.PerPartyBound(sigma));
            for (int k = 1; k * w <= 4096; k++)
            {
                double need = k * w + noiseBits + 1 + 0.05;
                int limbs = (int)Math.Ceiling(need / 60.0);
                int bits = (int)Math.Ceiling(need / limbs);
                bits = Math.Max(bits, 20); // primes just below 2^bits: log2 p ≈ bits
                if (limbs * bits + specialBits > maxLogQ)
                {
                    lastReason = $"at n = {n}, k = {k}: log Q = {limbs * bits + specialBits} > {maxLogQ}";
                    break;
                }

                ParameterPlan? plan = TryBuild(request, n, k, limbs, bits, specialBits, threshold, summands);
                if (plan is null)
                {
                    continue;
                }

                long bytes = plan.CiphertextsPerRound * plan.CiphertextBytes;
                if (bytes < bestBytes)
                {
                    bestBytes = bytes;
                    best = plan;
                }
            }
        }

        return best ?? throw new ArgumentException(
            $"No secure parameter set up to n = {request.MaxRingDegree} holds b = {request.ValueBits} bits for N = {n0} with λ = {request.FloodingLambda} ({lastReason}). " +
            "Lower ValueBits, MaxSummands or FloodingLambda, or allow a larger MaxRingDegree.",
            nameof(request));
    }

    private static ParameterPlan? TryBuild(PlannerRequest r, int n, int k, int limbs, int bits, int specialBits, int threshold, int summands)
    {
        for (int extra = 0; extra < 2; extra++)
        {
            ulong[] wire;
            ulong[] special;
            try
            {
                wire = NttPrimes.Generate(bits + extra, n, limbs);
                special = NttPrimes.Generate(Math.Min(61, specialBits), n, 1, wire);
            }
            catch (ArgumentException)
            {
                return null;
            }

            try
            {
                MultipartyParameters p = MultipartyParameters.Create(new MultipartyParametersLiteral
                {
                    RingDegree = n,
                    Primes = [.. wire, .. special],
                    WireLimbCount = limbs,
                    Parties = r.Parties,
                    Threshold = threshold,
                    ValueBits = r.ValueBits,
                    ValuesPerCoefficient = k,
                    MaxSummands = summands,
                    FloodingLambda = r.FloodingLambda,
                });
                long perCt = p.ValuesPerCiphertext;
                return new ParameterPlan
                {
                    Parameters = p,
                    CiphertextBytes = p.CiphertextBytes,
                    BytesPerValue = (double)p.CiphertextBytes / perCt,
                    Expansion = p.Expansion,
                    CiphertextsPerRound = (r.ExpectedValues + perCt - 1) / perCt,
                    DecryptionShareBytes = p.WirePolyBytes + MpWire.PrefixBytes + DecryptionShare.DigestBytes + 2 * MpWire.SetBytes(r.Parties),
                };
            }
            catch (ArgumentException)
            {
                // too tight by rounding, or over the security bound: try one more bit, then give up
            }
        }

        return null;
    }
}
