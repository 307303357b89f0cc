using System.Globalization;
using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Multiparty;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol;

/// <summary>The DP knobs a deployment chooses: b, clip norm c, noise multiplier z (other knobs at their documented defaults).</summary>
/// <param name="Bits">b: bits per value (sum kept mod 2^b; equals the HE value bits).</param>
/// <param name="ClipNorm">c: L2 clip norm of each update.</param>
/// <param name="NoiseMultiplier">z: the summed noise has standard deviation z·c.</param>
public sealed record DdgSettings(int Bits, double ClipNorm, double NoiseMultiplier)
{
    /// <summary>Checked DDG parameters for <paramref name="expectedParticipants"/> and dimension <paramref name="dimension"/>.</summary>
    public DdgParameters Create(int expectedParticipants, int dimension) => DdgParameters.Create(new DdgParameterLiteral
    {
        Bits = Bits,
        ExpectedParticipants = expectedParticipants,
        Dimension = dimension,
        ClipNorm = ClipNorm,
        NoiseMultiplier = NoiseMultiplier,
    });

    /// <summary>The informational parameter_set_id for the contract.</summary>
    public string ParameterSetId(bool insecureForTests) => string.Create(
        CultureInfo.InvariantCulture,
        $"{(insecureForTests ? ContractMapping.InsecureForTestsPrefix + "-" : string.Empty)}ddg-b{Bits}-c{ClipNorm:G6}-z{NoiseMultiplier:G6}");
}

/// <summary>A named HE + DDG parameter choice for a consortium of a given size.</summary>
/// <param name="Name">Preset name (the HE parameter_set_id).</param>
/// <param name="He">Checked multiparty parameters of the key epoch (ring, primes, N, t; BFV packing).</param>
/// <param name="Ddg">The DP knobs.</param>
public sealed record ProtocolPreset(string Name, MultipartyParameters He, DdgSettings Ddg)
{
    /// <summary>Whether the HE parameters are insecure test parameters.</summary>
    public bool IsInsecureForTests => He.IsInsecureForTests;

    /// <summary>The ciphertext scheme over <see cref="He"/>'s key (BFV unless the preset says otherwise); its key parameters are <see cref="He"/>.</summary>
    public CiphertextScheme Scheme { get; init; } = He.Scheme == MultipartyScheme.Ckks ? CiphertextScheme.Ckks(He, Ddg.Bits) : CiphertextScheme.Bfv(He);

    /// <summary>The scheme for DDG settings <paramref name="ddg"/> (CKKS carries b-bit values; BFV's b is in its parameters).</summary>
    public ProtocolPreset WithDdg(DdgSettings ddg) => this with { Ddg = ddg, Scheme = Scheme is Internal.CkksCiphertextScheme c ? c.WithValueBits(ddg.Bits) : Scheme };
}

/// <summary>
/// Named presets for the demo and the tests. <see cref="InsecureForTests"/> is NOT SECURE (ring
/// degree 256): it exists so that whole rounds run in milliseconds in unit tests. <see cref="Planned"/>
/// is the real one: the smallest 128-bit-secure parameter set from <see cref="ParameterPlanner"/>.
/// </summary>
public static class ProtocolPresets
{
    /// <summary>Name prefix of the test-only preset.</summary>
    public const string InsecureForTestsName = ContractMapping.InsecureForTestsPrefix + "-n256-b16";

    /// <summary>Name of the planned (secure) preset.</summary>
    public const string PlannedName = "bfv-planned-b16-v1";

    /// <summary>
    /// NOT SECURE, for tests only: n = 256, three 50-bit wire primes, 16-bit values packed two per
    /// coefficient (512 values per ciphertext), DDG with b = 16, c = 1 and a tiny noise multiplier
    /// z = 0.001 so that decoded averages can be compared tightly with plaintext averages.
    /// </summary>
    public static ProtocolPreset InsecureForTests(int parties, int threshold) => new(
        InsecureForTestsName,
        MultipartyParameters.CreateInsecureForTests(parties, threshold, ringDegree: 256, valueBits: 16, valuesPerCoefficient: 2),
        new DdgSettings(16, 1.0, 0.001));

    /// <summary>
    /// The real preset: b = <paramref name="valueBits"/> (default 16) and the smallest secure ring from <see cref="ParameterPlanner"/> for
    /// <paramref name="parties"/> and threshold <paramref name="threshold"/>, sized for a model of
    /// <paramref name="expectedValues"/> parameters (as padded by the DDG rotation); DDG with the given clip and noise multiplier.
    /// </summary>
    public static ProtocolPreset Planned(int parties, int threshold, long expectedValues = 1_000_000, double clipNorm = 1.0, double noiseMultiplier = 1.0, int valueBits = 16)
    {
        ParameterPlan plan = ParameterPlanner.Plan(new PlannerRequest
        {
            Parties = parties,
            Threshold = threshold,
            ValueBits = valueBits,
            // Plan for what is encrypted: the rotation pads d to d' (2^20 for d = 10^6), and sizing the ring for d
            // alone would spill the padding into a second, almost empty ciphertext (twice the bytes).
            ExpectedValues = DdgParameters.PaddedDimensionFor(checked((int)expectedValues)),
        });
        return new ProtocolPreset(PlannedName, plan.Parameters, new DdgSettings(valueBits, clipNorm, noiseMultiplier));
    }

    /// <summary>Name of the test-only CKKS preset.</summary>
    public const string InsecureForTestsCkksName = ContractMapping.InsecureForTestsPrefix + "-ckks-n1024";

    /// <summary>Name of the real CKKS preset.</summary>
    public const string CkksName = "ckks-n8192-aggregation-v1";

    /// <summary>Every preset name, for the consortium file's check.</summary>
    public static IReadOnlySet<string> Names { get; } = new HashSet<string>(StringComparer.Ordinal) { InsecureForTestsName, PlannedName, InsecureForTestsCkksName, CkksName };

    /// <summary>The scheme a preset name belongs to.</summary>
    public static HeScheme SchemeOf(string name) => name is InsecureForTestsCkksName or CkksName ? HeScheme.Ckks : HeScheme.Bfv;

    /// <summary>
    /// NOT SECURE, for tests only: CKKS with n = 1024 (1024 values per ciphertext, two per slot), primes 60+60, scale
    /// 2^90 (<see cref="CkksPresets.InsecureN1024AggregationForTests"/>), over the collective key of
    /// <paramref name="parties"/> with threshold <paramref name="threshold"/>; DDG as <see cref="InsecureForTests"/>.
    /// </summary>
    public static ProtocolPreset InsecureForTestsCkks(int parties, int threshold) =>
        Ckks(InsecureForTestsCkksName, CkksPresets.InsecureN1024AggregationForTests, parties, threshold, new DdgSettings(16, 1.0, 0.001));

    /// <summary>
    /// The real CKKS preset: n = 8192, primes 60+60 (128-bit secure), scale 2^90 (<see cref="CkksPresets.N8192Aggregation"/>),
    /// 8192 values per ciphertext; the values are the DDG pipeline's b-bit integers (default b = 16), so the same DP
    /// claim as BFV holds once the decrypted sum rounds exactly (checked per chunk).
    /// </summary>
    public static ProtocolPreset PlannedCkks(int parties, int threshold, double clipNorm = 1.0, double noiseMultiplier = 1.0, int valueBits = 16) =>
        Ckks(CkksName, CkksPresets.N8192Aggregation, parties, threshold, new DdgSettings(valueBits, clipNorm, noiseMultiplier));

    /// <summary>A preset by name (<see cref="Names"/>).</summary>
    public static ProtocolPreset Get(string name, int parties, int threshold, long expectedValues = 1_000_000) => name switch
    {
        InsecureForTestsName => InsecureForTests(parties, threshold),
        PlannedName => Planned(parties, threshold, expectedValues),
        InsecureForTestsCkksName => InsecureForTestsCkks(parties, threshold),
        CkksName => PlannedCkks(parties, threshold),
        _ => throw new ArgumentException($"Unknown preset '{name}'; known: {string.Join(", ", Names)}.", nameof(name)),
    };

    private static ProtocolPreset Ckks(string name, CkksParametersLiteral literal, int parties, int threshold, DdgSettings ddg)
    {
        MultipartyParameters mp = MultipartyParameters.ForCkks(CkksParameters.Create(literal), parties, threshold);
        return new ProtocolPreset(name, mp, ddg) { Scheme = CiphertextScheme.Ckks(mp, ddg.Bits) };
    }
}
