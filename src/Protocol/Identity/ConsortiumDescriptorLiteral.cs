namespace SecAgg.Protocol.Identity;

/// <summary>
/// The values of a <see cref="ConsortiumDescriptor"/> as read from a participant's own copy of the consortium file,
/// unchecked; <see cref="ConsortiumDescriptor.Create"/> checks them and reports every problem at once.
/// </summary>
public sealed record ConsortiumDescriptorLiteral
{
    /// <summary>The consortium's id (the file's <c>consortium:</c> name), 1 to 128 UTF-8 bytes without control characters.</summary>
    public required string ConsortiumId { get; init; }

    /// <summary>The enrolled participants, in file order (this order is the roster order everywhere: party j is entry j−1).</summary>
    public required IReadOnlyList<RosterEntry> Roster { get; init; }

    /// <summary>Decryption threshold t, 1 &lt;= t &lt;= N.</summary>
    public required int Threshold { get; init; }

    /// <summary>Most participants c that may collude with the aggregator, 0 &lt;= c &lt;= t − 1.</summary>
    public required int MaxColluders { get; init; }

    /// <summary>Fewest uploads m a decrypted sum may have, 2 &lt;= m &lt;= N and m − c &gt;= 1.</summary>
    public required int MinParticipants { get; init; }

    /// <summary>The ciphertext scheme.</summary>
    public HeScheme Scheme { get; init; } = HeScheme.Bfv;

    /// <summary>Name of the HE parameter preset.</summary>
    public required string HePreset { get; init; }

    /// <summary>Planner input: values per update d (the model's parameter count).</summary>
    public required long ModelDimension { get; init; }

    /// <summary>Planner input: largest ring degree the planner may choose (a power of two).</summary>
    public int MaxRingDegree { get; init; } = 32768;

    /// <summary>Largest public upload weight (1 = unweighted FedAvg).</summary>
    public int MaxWeight { get; init; } = 1;

    /// <summary>DP: bits b per quantized value.</summary>
    public required int Bits { get; init; }

    /// <summary>DP: L2 clip norm of each update.</summary>
    public required double ClipNorm { get; init; }

    /// <summary>DP: noise multiplier z, or null when <see cref="TargetEpsilon"/> calibrates it (exactly one is set).</summary>
    public double? NoiseMultiplier { get; init; }

    /// <summary>DP: target ε over <see cref="Rounds"/> rounds, or null when <see cref="NoiseMultiplier"/> is given.</summary>
    public double? TargetEpsilon { get; init; }

    /// <summary>DP: δ, in (0, 1).</summary>
    public required double Delta { get; init; }

    /// <summary>DP: rounds the noise is calibrated for.</summary>
    public required int Rounds { get; init; }

    /// <summary>The consortium's ε budget over all rounds.</summary>
    public required double EpsilonBudget { get; init; }

    /// <summary>κ: statistical security of the decryption shares over an epoch (SD &lt;= 2^−κ), 20..128 (below 40 only for the insecure test preset); 40 by default.</summary>
    public int StatisticalSecurity { get; init; } = 40;

    /// <summary>Q_cap: (round, chunk) pairs a member answers per key epoch, 1..2^40; 2^16 by default.</summary>
    public long ShareCap { get; init; } = 1L << 16;
}
