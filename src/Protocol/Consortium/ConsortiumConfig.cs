using System.Collections.Immutable;
using SecAgg.Protocol.Identity;

namespace SecAgg.Protocol.Consortium;

/// <summary>
/// The consortium file, checked (<see cref="ConsortiumConfigLoader"/>): every rule holds, the roster and parameters
/// form a valid <see cref="ConsortiumDescriptor"/> (<see cref="Descriptor"/>, with the consortium digest), and the
/// planned parameters (<see cref="Preset"/>) fit the file's privacy budget and share cap. Both sides read the same
/// file: the aggregator uses everything, a participant relies only on <see cref="Descriptor"/> and
/// <see cref="Preset"/> (computed from its own copy) and the CA; the aggregator-only parts (deadlines, storage)
/// are parsed but a participant ignores them. Immutable; built only by the loader.
/// </summary>
public sealed class ConsortiumConfig
{
    private readonly ImmutableDictionary<string, ParticipantConfig> _byId;

    internal ConsortiumConfig(ConsortiumConfigValues values, ConsortiumDescriptor descriptor, ProtocolPreset preset)
    {
        Name = values.Name;
        Participants = values.Participants;
        CaCertificatePath = values.CaCertificatePath;
        Threshold = values.Threshold;
        MaxColluders = values.MaxColluders;
        MinParticipants = values.MinParticipants;
        MaxWeight = values.MaxWeight;
        ModelDimension = values.ModelDimension;
        Deadlines = values.Deadlines;
        HePreset = values.HePreset;
        Scheme = values.Scheme;
        MaxRingDegree = values.MaxRingDegree;
        Decryption = values.Decryption;
        Dp = values.Dp;
        PrivacyBudget = values.PrivacyBudget;
        Storage = values.Storage;
        Descriptor = descriptor;
        Preset = preset;
        _byId = Participants.ToImmutableDictionary(p => p.Id, StringComparer.Ordinal);
    }

    /// <summary>The consortium's id (<c>consortium:</c>); part of the consortium digest.</summary>
    public string Name { get; }

    /// <summary>The enrolled participants, in file order (the roster order: party id j is entry j − 1); ids and pins unique.</summary>
    public ImmutableArray<ParticipantConfig> Participants { get; }

    /// <summary>Absolute path of the consortium CA certificate (PEM) every participant certificate must chain to.</summary>
    public string CaCertificatePath { get; }

    /// <summary>Decryption threshold t: every decryption set has exactly t members; 1 &lt;= t &lt;= N.</summary>
    public int Threshold { get; }

    /// <summary>
    /// max-colluders c: most participants that may collude with the aggregator, 0 &lt;= c &lt;= t − 1 and m − c &gt;= 1
    /// (default min(1, t − 1, m − 1)). The flooding is sized for N − c honest members and ε counts only k − c honest summands.
    /// </summary>
    public int MaxColluders { get; }

    /// <summary>min-participants m: the fewest uploads a decrypted sum may have (&gt;= 2, &lt;= N).</summary>
    public int MinParticipants { get; }

    /// <summary>
    /// Largest public upload weight (<c>max-weight</c>, default 1 = unweighted FedAvg): an upload carries 1 &lt;= w &lt;= MaxWeight,
    /// the participant pre-scales its clipped update by w/MaxWeight &lt;= 1 (so the DP sensitivity is unchanged) and the
    /// aggregator decodes the weighted mean Σ(w_i/MaxWeight)Δ_i / (Σw_i/MaxWeight).
    /// </summary>
    public int MaxWeight { get; }

    /// <summary>model-dimension d: values in the flattened update; the round layouts must hold exactly d values.</summary>
    public int ModelDimension { get; }

    /// <summary>The aggregator's deadlines (not part of the consortium digest).</summary>
    public RoundDeadlines Deadlines { get; }

    /// <summary>he.preset: <see cref="ProtocolPresets.PlannedName"/> or <see cref="ProtocolPresets.InsecureForTestsName"/> (NOT SECURE).</summary>
    public string HePreset { get; }

    /// <summary>he.scheme: BFV (default) or CKKS.</summary>
    public HeScheme Scheme { get; }

    /// <summary>he.max-ring-degree: the largest ring degree the planner may choose (a power of two, 2048..32768; default 32768).</summary>
    public int MaxRingDegree { get; }

    /// <summary>decryption: κ and Q_cap.</summary>
    public DecryptionParameters Decryption { get; }

    /// <summary>Quantization and noise parameters of the distributed discrete Gaussian mechanism.</summary>
    public DpParameters Dp { get; }

    /// <summary>The consortium's total privacy budget over all rounds.</summary>
    public PrivacyBudget PrivacyBudget { get; }

    /// <summary>Where the aggregator keeps its durable state (default: SQLite next to the file; a participant ignores it).</summary>
    public StorageConfig Storage { get; }

    /// <summary>What a participant relies on, with the consortium digest (the one mapping from the file to the descriptor).</summary>
    public ConsortiumDescriptor Descriptor { get; }

    /// <summary>The planned parameters of this file (aggregation parameters, DDG, chunks per round, planned ε).</summary>
    public ProtocolPreset Preset { get; }

    /// <summary>Looks a participant up by id (ordinal comparison).</summary>
    public bool TryGetParticipant(string id, out ParticipantConfig participant)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _byId.TryGetValue(id, out participant!);
    }
}

/// <summary>One enrolled participant: its id and the pin of its enrollment certificate.</summary>
/// <param name="Id">Participant id (letters, digits, '.', '_', '-'; at most 64 characters).</param>
/// <param name="CertificateSha256">SHA-256 of its certificate's DER, 64 upper-case hex digits: the only thing that authenticates it.</param>
/// <param name="CertificateSubject">Subject distinguished name (e.g. "CN=hospital-a"), informational only, or null.</param>
public sealed record ParticipantConfig(string Id, string CertificateSha256, string? CertificateSubject);

/// <summary>
/// Parameters of the distributed discrete Gaussian mechanism (privacy.md): each participant clips its update to L2 norm
/// <see cref="Clip"/>, quantizes to <see cref="Bits"/>-bit integers and adds discrete Gaussian noise; either the noise
/// multiplier <see cref="NoiseSigma"/> z is given (<c>dp.noise-sigma</c>) or it is calibrated to reach
/// <see cref="TargetEpsilon"/> over <see cref="Rounds"/> rounds with max-colluders c.
/// </summary>
public sealed record DpParameters(int Bits, double Clip, double? NoiseSigma, double? TargetEpsilon, int Rounds);

/// <summary>The consortium's (epsilon, delta) budget over all rounds.</summary>
public sealed record PrivacyBudget(double Epsilon, double Delta);

/// <summary>The decryption's statistical parameters (<c>decryption:</c>).</summary>
/// <param name="StatisticalSecurity">κ: an epoch's decryption shares are within 2^−κ of simulated ones (default 40).</param>
/// <param name="ShareCap">Q_cap: (round, chunk) pairs a member answers per key epoch (default 65536).</param>
public sealed record DecryptionParameters(int StatisticalSecurity, long ShareCap);

/// <summary>The aggregator's deadlines (<c>deadlines:</c>).</summary>
/// <param name="Collect">How long a round collects uploads after it opens.</param>
/// <param name="Approve">How long the members of U have to approve U's list (default: the decrypt deadline).</param>
/// <param name="Decrypt">How long the decryption set has to return its shares once decryption starts.</param>
public sealed record RoundDeadlines(TimeSpan Collect, TimeSpan Approve, TimeSpan Decrypt);

/// <summary>Which database holds the aggregator's state.</summary>
public enum StorageProvider
{
    /// <summary>Embedded SQLite file (the default).</summary>
    Sqlite,

    /// <summary>PostgreSQL server (deployments).</summary>
    Postgres,
}

/// <summary>Where the aggregator's durable state lives.</summary>
/// <param name="Provider">The database engine.</param>
/// <param name="SqlitePath">Absolute path of the SQLite file (when <see cref="Provider"/> is Sqlite).</param>
/// <param name="PostgresConnectionString">Npgsql connection string (when <see cref="Provider"/> is Postgres).</param>
public sealed record StorageConfig(StorageProvider Provider, string? SqlitePath, string? PostgresConnectionString);

/// <summary>The checked values the loader collected, before the descriptor and the plan are made from them.</summary>
internal sealed record ConsortiumConfigValues(
    string Name,
    ImmutableArray<ParticipantConfig> Participants,
    string CaCertificatePath,
    int Threshold,
    int MaxColluders,
    int MinParticipants,
    int MaxWeight,
    int ModelDimension,
    RoundDeadlines Deadlines,
    string HePreset,
    HeScheme Scheme,
    int MaxRingDegree,
    DecryptionParameters Decryption,
    DpParameters Dp,
    PrivacyBudget PrivacyBudget,
    StorageConfig Storage)
{
    /// <summary>The one mapping from the file to the descriptor (pins as bytes, noise as z or target ε).</summary>
    public ConsortiumDescriptorLiteral ToDescriptorLiteral() => new()
    {
        ConsortiumId = Name,
        Roster = [.. Participants.Select(p => new RosterEntry(p.Id, Convert.FromHexString(p.CertificateSha256)))],
        Threshold = Threshold,
        MaxColluders = MaxColluders,
        MinParticipants = MinParticipants,
        Scheme = Scheme,
        HePreset = HePreset,
        ModelDimension = ModelDimension,
        MaxRingDegree = MaxRingDegree,
        MaxWeight = MaxWeight,
        Bits = Dp.Bits,
        ClipNorm = Dp.Clip,
        NoiseMultiplier = Dp.NoiseSigma,
        TargetEpsilon = Dp.TargetEpsilon,
        Delta = PrivacyBudget.Delta,
        Rounds = Dp.Rounds,
        EpsilonBudget = PrivacyBudget.Epsilon,
        StatisticalSecurity = Decryption.StatisticalSecurity,
        ShareCap = Decryption.ShareCap,
    };
}
