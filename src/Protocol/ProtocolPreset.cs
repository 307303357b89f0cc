using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Identity;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol;

/// <summary>
/// The planned parameters of one consortium (<see cref="ProtocolPresets.For"/>), computed by every party from its own
/// descriptor so that nobody takes them from the aggregator: the aggregation parameters (ring, primes, packing, N, t,
/// c, κ, Q_cap, codec), the DDG mechanism for N participants and d = model-dimension values, the chunks of one upload
/// and the ε that dp.rounds rounds of N uploads spend (counting the N − c honest noise shares only).
/// </summary>
public sealed class ProtocolPreset
{
    internal ProtocolPreset(string name, ConsortiumDescriptor descriptor, AggregationParameters aggregation, DdgSettings settings, DdgParameters ddg, double plannedEpsilon)
    {
        Name = name;
        Descriptor = descriptor;
        Aggregation = aggregation;
        Scheme = new CiphertextScheme(aggregation);
        DdgSettings = settings;
        Ddg = ddg;
        ChunksPerRound = (int)(((long)ddg.PaddedDimension + aggregation.ValuesPerChunk - 1) / aggregation.ValuesPerChunk);
        PlannedEpsilon = plannedEpsilon;
    }

    /// <summary>The preset's name (<see cref="ProtocolPresets.PlannedName"/> or <see cref="ProtocolPresets.InsecureForTestsName"/>).</summary>
    public string Name { get; }

    /// <summary>The descriptor it was planned from.</summary>
    public ConsortiumDescriptor Descriptor { get; }

    /// <summary>The aggregation parameters (protocol v2's ring, primes, packing, parties and flooding inputs).</summary>
    public AggregationParameters Aggregation { get; }

    /// <summary>The ciphertext seam over <see cref="Aggregation"/> (sizes, upload and share checks, fold, combine).</summary>
    public CiphertextScheme Scheme { get; }

    /// <summary>b, clip and the noise multiplier z (given in the file, or calibrated to dp.target-epsilon with c colluders).</summary>
    public DdgSettings DdgSettings { get; }

    /// <summary>The DDG mechanism for N expected participants and d = model-dimension values.</summary>
    public DdgParameters Ddg { get; }

    /// <summary>Chunks of one upload: ⌈padded dimension / values per chunk⌉.</summary>
    public int ChunksPerRound { get; }

    /// <summary>ε at δ of dp.rounds rounds with N uploads each, counting N − c honest noise shares.</summary>
    public double PlannedEpsilon { get; }

    /// <summary>Whether these are the NOT SECURE test parameters.</summary>
    public bool IsInsecureForTests => Aggregation.IsInsecureForTests;

    /// <summary>The DDG parameter_set_id of the contract.</summary>
    public string DdgParameterSetId => DdgSettings.ParameterSetId(IsInsecureForTests);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: n = {Aggregation.RingDegree}, {Aggregation.Primes.Count} primes (log q = {Aggregation.ModulusBits:F0}), {Aggregation.ValuesPerChunk} values per chunk, {ChunksPerRound} chunk(s) per upload, z = {DdgSettings.NoiseMultiplier:G4}, planned ε = {PlannedEpsilon:G4} (c = {Descriptor.MaxColluders})";
}
