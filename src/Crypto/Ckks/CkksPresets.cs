namespace SecAgg.Crypto.Ckks;

/// <summary>Named CKKS parameter sets (all single-level use: aggregation only adds).</summary>
public static class CkksPresets
{
    /// <summary>
    /// SEAL's CKKS benchmark set: n = 8192 (4096 slots), primes 60+40+40 bits (log q = 140 ≤ 218, 128-bit secure),
    /// scale 2^40. Fresh single-key public-key encryption decodes with a worst-case slot error bound of about 2^−8.7
    /// (measured about 2^−25); after dropping to the 60-bit prime, |values| up to about 2^18 decrypt. For comparisons
    /// with SEAL.
    /// </summary>
    public static CkksParametersLiteral N8192Q140Scale40 { get; } = new()
    {
        LogN = 13,
        LogQ = [60, 40, 40],
        LogDefaultScale = 40,
    };

    /// <summary>
    /// n = 8192 (4096 slots per ciphertext), primes 60+60 bits (log q = 120, 128-bit secure), scale 2^90: room for
    /// |sum| &lt; 2^28; 245,816 bytes per ciphertext. Protocol v1's threshold-aggregation set (the large scale paid for
    /// v1's flooding of c1-bound shares), kept as a two-prime, large-scale set for tests and benchmarks. Protocol v2
    /// plans its CKKS parameters with <see cref="Multiparty.AggregationPlanner"/>.
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
