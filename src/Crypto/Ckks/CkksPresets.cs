namespace SecAgg.Crypto.Ckks;

/// <summary>Named CKKS parameter sets (all single-level use: aggregation only adds).</summary>
public static class CkksPresets
{
    /// <summary>
    /// SEAL's CKKS benchmark set: n = 8192 (4096 slots), primes 60+40+40 bits (log q = 140 ≤ 218, 128-bit secure),
    /// scale 2^40. Fresh single-key public-key encryption decodes with a worst-case slot error bound of about 2^−8.7
    /// (measured about 2^−25); after dropping to the 60-bit prime, |values| up to about 2^18 decrypt. For comparisons
    /// with SEAL, not for threshold decryption (flooding needs a larger scale: <see cref="N8192Aggregation"/>).
    /// </summary>
    public static CkksParametersLiteral N8192Q140Scale40 { get; } = new()
    {
        LogN = 13,
        LogQ = [60, 40, 40],
        LogDefaultScale = 40,
    };

    /// <summary>
    /// Threshold aggregation of float updates: n = 8192 (4096 slots per ciphertext), primes 60+60 bits (log q = 120,
    /// 128-bit secure), scale 2^90. Room for |sum| &lt; 2^28. The scale pays for noise flooding (σ_flood =
    /// 2^(λ/2)·B_ct, λ = 40): with N = K = T = 16 parties, summands and decrypting members the rigorous worst-case
    /// error bound of every decoded slot of the sum, flooding included, is about 2^−23.2 (N = 10: 2^−25.2; N = 3:
    /// 2^−29.9; N = 100: 2^−15.2 — use a larger scale and more limbs there); measured errors are far smaller. 245,816 bytes per ciphertext (4096 floats: 60 bytes per float).
    /// See docs/ckks.md for the table and <see cref="CkksParameters.PredictThresholdSlotErrorBound"/>.
    /// </summary>
    public static CkksParametersLiteral N8192Aggregation { get; } = new()
    {
        LogN = 13,
        LogQ = [60, 60],
        LogDefaultScale = 90,
    };

    /// <summary>TEST ONLY, NOT SECURE: n = 1024 (512 slots), 60+40+40, scale 2^40 (log q = 140 ≫ 27).</summary>
    public static CkksParametersLiteral InsecureN1024ForTests { get; } = new()
    {
        LogN = 10,
        LogQ = [60, 40, 40],
        LogDefaultScale = 40,
        AllowInsecureForTests = true,
    };

    /// <summary>TEST ONLY, NOT SECURE: n = 1024 (512 slots), 60+60, scale 2^90: the aggregation shape, small.</summary>
    public static CkksParametersLiteral InsecureN1024AggregationForTests { get; } = new()
    {
        LogN = 10,
        LogQ = [60, 60],
        LogDefaultScale = 90,
        AllowInsecureForTests = true,
    };
}
