using System.Numerics;
using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Multiparty;

/// <summary>What <see cref="AggregationPlanner"/> is asked for.</summary>
public sealed record AggregationPlanRequest
{
    /// <summary>Participants N.</summary>
    public required int Parties { get; init; }

    /// <summary>Decryption threshold t (default N).</summary>
    public int? Threshold { get; init; }

    /// <summary>Most colluders c (default 0).</summary>
    public int MaxColluders { get; init; }

    /// <summary>Bits b per value.</summary>
    public required int ValueBits { get; init; }

    /// <summary>Most uploads in one sum (default N).</summary>
    public int? MaxSummands { get; init; }

    /// <summary>Values per participant per round; the planner minimizes the upload bytes for this many values, padding
    /// included (default 1,000,000).</summary>
    public long ExpectedValues { get; init; } = 1_000_000;

    /// <summary>Largest ring degree to consider (default 32768).</summary>
    public int MaxRingDegree { get; init; } = 32768;

    /// <summary>Statistical security κ (default 40).</summary>
    public int StatisticalSecurity { get; init; } = StatisticalFlooding.DefaultSecurity;

    /// <summary>Share cap Q_cap (default 2^16).</summary>
    public long ShareCap { get; init; } = StatisticalFlooding.DefaultShareCap;

    /// <summary>The codec (default BFV).</summary>
    public MultipartyScheme Scheme { get; init; } = MultipartyScheme.Bfv;
}

/// <summary>A planned protocol-v2 parameter set and its predicted costs.</summary>
public sealed record AggregationPlan
{
    /// <summary>The checked parameters.</summary>
    public required AggregationParameters Parameters { get; init; }

    /// <summary>Bytes of one masked upload (one chunk).</summary>
    public required int UploadBytes { get; init; }

    /// <summary>Chunks per round for <see cref="AggregationPlanRequest.ExpectedValues"/> values.</summary>
    public required long ChunksPerRound { get; init; }

    /// <summary>Upload bytes per participant per round (all chunks, padding included).</summary>
    public required long RoundUploadBytes { get; init; }

    /// <summary>Upload bytes per value (one chunk's bytes / its values).</summary>
    public required double BytesPerValue { get; init; }

    /// <summary>Upload bits per payload bit.</summary>
    public required double Expansion { get; init; }

    /// <summary>Bytes of one member's decryption share (one per member per chunk).</summary>
    public required int ShareBytes { get; init; }

    /// <summary>log2 σ_flood of a sum of K uploads.</summary>
    public required int FloodingLog2Sigma { get; init; }

    /// <summary>One-line description.</summary>
    public override string ToString()
    {
        AggregationParameters p = Parameters;
        string primes = string.Join("+", p.Primes.Select(q => 64 - BitOperations.LeadingZeroCount(q)));
        string codec = p.Scheme == MultipartyScheme.Bfv ? $"k={p.ValuesPerCoefficient} log T={p.PlaintextModulusBits}" : $"CKKS log Δ={p.ScaleBits}";
        return $"n={p.RingDegree} {codec} q={primes} (log q={p.ModulusBits:F1}) σ_flood=2^{FloodingLog2Sigma} upload={UploadBytes} B ×{ChunksPerRound}, {BytesPerValue:F2} B/value, expansion {Expansion:F2}x";
    }
}

/// <summary>
/// Chooses the protocol-v2 ring, primes and packing from N, t, c, b, K, κ and Q_cap: for each n from 2048 to
/// MaxRingDegree and each k, q is the fewest NTT primes (≤ 60 bits, sizes differing by at most one bit) with
/// log q ≥ k·w + log2(B_K + N·13·σ_flood(K)) + 1 (BFV; CKKS: log Δ ≥ log2(n·noise) + 2 and log q ≥ log Δ + w + 2),
/// within the HomomorphicEncryption.org bound for n. Candidates are ranked by their upload bytes per participant per
/// round for <see cref="AggregationPlanRequest.ExpectedValues"/> values, padding included (ties: smaller n), which are
/// known before anything is built; the best that <see cref="AggregationParameters.Create"/> accepts is returned.
/// </summary>
public static class AggregationPlanner
{
    /// <summary>Plans parameters.</summary>
    /// <exception cref="ArgumentException">Bad request, or nothing fits; the message says what to change.</exception>
    public static AggregationPlan Plan(AggregationPlanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ExpectedValues < 1)
        {
            throw new ArgumentException("ExpectedValues must be positive.");
        }

        if (request.MaxRingDegree < 2048 || request.MaxRingDegree > 32768 || (request.MaxRingDegree & (request.MaxRingDegree - 1)) != 0)
        {
            throw new ArgumentException("MaxRingDegree must be a power of two in [2048, 32768].");
        }

        if (request.ValueBits < 1 || request.ValueBits > 32)
        {
            throw new ArgumentException($"ValueBits {request.ValueBits} must be in [1, 32].");
        }

        int parties = request.Parties;
        int threshold = request.Threshold ?? parties;
        int summands = request.MaxSummands ?? parties;
        // N, t, c, K, κ and Q_cap are refused with the parameters' own messages before searching.
        AggregationParameters.CheckCounts(Literal(request, 2048, [], 1, 0, allowInsecure: false));
        int headroom = summands <= 1 ? 0 : 64 - BitOperations.LeadingZeroCount((ulong)(summands - 1));
        int w = request.ValueBits + headroom;
        var candidates = new List<(long Bytes, int N, int K, int Limbs, int Bits, int ScaleBits, int Log2Sigma)>();
        string lastReason = "no ring degree was tried";
        for (int n = 2048; n <= request.MaxRingDegree; n *= 2)
        {
            int maxLogQ = CoeffModulus.MaxBitCount(n);
            int log2Sigma = StatisticalFlooding.Log2Sigma(parties, request.MaxColluders, request.ShareCap, n, summands, request.StatisticalSecurity);
            double noiseBits = Math.Log2(StatisticalFlooding.NoiseBound(summands) + (parties * StatisticalFlooding.TailBound(log2Sigma)));
            int maxK = request.Scheme == MultipartyScheme.Bfv ? 4096 / w : 1;
            for (int k = 1; k <= maxK; k++)
            {
                int scaleBits = request.Scheme == MultipartyScheme.Bfv ? 0 : (int)Math.Ceiling(Math.Log2(n) + noiseBits) + 2;
                double need = request.Scheme == MultipartyScheme.Bfv ? (k * w) + noiseBits + 1.05 : scaleBits + w + 2.05;
                int bits = Math.Max((int)Math.Ceiling(need), 20);
                if (bits > maxLogQ)
                {
                    lastReason = $"at n = {n}, k = {k}: log q = {bits} > {maxLogQ}";
                    break;
                }

                // Primes just below 2^size have exactly `size` bits, so the size is known before building anything.
                long values = (long)n * k;
                long chunks = (request.ExpectedValues + values - 1) / values;
                long bytes = chunks * (MaskedUpload.HeaderBytes + ((long)n * bits / 8));
                candidates.Add((bytes, n, k, (bits + 59) / 60, bits, scaleBits, log2Sigma));
            }
        }

        foreach (var c in candidates.OrderBy(c => c.Bytes).ThenBy(c => c.N))
        {
            if (TryBuild(request, c.N, c.K, c.Limbs, c.Bits, c.ScaleBits, c.Log2Sigma) is AggregationPlan plan)
            {
                return plan;
            }
        }

        throw new ArgumentException(
            $"No secure parameter set up to n = {request.MaxRingDegree} holds b = {request.ValueBits} bits for N = {parties} with κ = {request.StatisticalSecurity} and Q_cap = {request.ShareCap} ({lastReason}). " +
            "Lower ValueBits, MaxSummands, ShareCap or StatisticalSecurity, or allow a larger MaxRingDegree.");
    }

    /// <summary>Builds q of <paramref name="totalBits"/> bits from <paramref name="limbs"/> primes of ⌊total/limbs⌋ or one
    /// bit more (as CoeffModulus.Create orders them, which CKKS requires), retrying with one more bit once.</summary>
    private static AggregationPlan? TryBuild(AggregationPlanRequest r, int n, int k, int limbs, int totalBits, int scaleBits, int log2Sigma)
    {
        for (int extra = 0; extra < 2 && totalBits + extra <= 60 * limbs; extra++)
        {
            int total = totalBits + extra;
            int[] sizes = [.. Enumerable.Range(0, limbs).Select(i => (total / limbs) + (i < total % limbs ? 1 : 0))];
            try
            {
                AggregationParameters p = AggregationParameters.Create(Literal(r, n, CoeffModulus.Create(n, sizes), k, scaleBits, allowInsecure: false));
                long chunks = (r.ExpectedValues + p.ValuesPerChunk - 1) / p.ValuesPerChunk;
                return new AggregationPlan
                {
                    Parameters = p,
                    UploadBytes = p.UploadBytes,
                    ChunksPerRound = chunks,
                    RoundUploadBytes = chunks * p.UploadBytes,
                    BytesPerValue = (double)p.UploadBytes / p.ValuesPerChunk,
                    Expansion = p.Expansion,
                    ShareBytes = p.ShareBytes,
                    FloodingLog2Sigma = log2Sigma,
                };
            }
            catch (ArgumentException)
            {
                // too tight by rounding or over the security bound: one more bit per prime, then the next candidate
            }
        }

        return null;
    }

    private static AggregationParametersLiteral Literal(AggregationPlanRequest r, int n, ulong[] primes, int k, int scaleBits, bool allowInsecure)
    {
        var literal = new AggregationParametersLiteral
        {
            RingDegree = n,
            Primes = primes,
            Parties = r.Parties,
            Threshold = r.Threshold ?? r.Parties,
            MaxColluders = r.MaxColluders,
            ValueBits = r.ValueBits,
            ValuesPerCoefficient = k,
            MaxSummands = r.MaxSummands,
            StatisticalSecurity = r.StatisticalSecurity,
            ShareCap = r.ShareCap,
            Scheme = r.Scheme,
            ScaleBits = scaleBits,
            AllowInsecureForTests = allowInsecure,
        };
        return literal;
    }
}
