using System.Collections.Immutable;

namespace SecAgg.Aggregator.Config;

/// <summary>
/// The consortium's configuration, checked: every rule in <see cref="ConsortiumConfigLoader"/> holds.
/// Immutable; built only by <see cref="ConsortiumConfigLoader"/> (the YAML file is the user-written literal,
/// this is the checked form).
/// </summary>
public sealed class ConsortiumConfig
{
    internal ConsortiumConfig(
        string name,
        ImmutableArray<ParticipantConfig> participants,
        string caCertificatePath,
        int threshold,
        int minParticipants,
        TimeSpan collectDeadline,
        TimeSpan decryptDeadline,
        string hePreset,
        DpParameters dp,
        PrivacyBudget privacyBudget,
        StorageConfig storage)
    {
        Name = name;
        Participants = participants;
        CaCertificatePath = caCertificatePath;
        Threshold = threshold;
        MinParticipants = minParticipants;
        CollectDeadline = collectDeadline;
        DecryptDeadline = decryptDeadline;
        HePreset = hePreset;
        Dp = dp;
        PrivacyBudget = privacyBudget;
        Storage = storage;
        _byId = participants.ToImmutableDictionary(p => p.Id, StringComparer.Ordinal);
    }

    private readonly ImmutableDictionary<string, ParticipantConfig> _byId;

    /// <summary>The consortium's name (free text, for logs and metrics).</summary>
    public string Name { get; }

    /// <summary>The enrolled participants, in file order; ids are unique.</summary>
    public ImmutableArray<ParticipantConfig> Participants { get; }

    /// <summary>Absolute path of the consortium CA certificate (PEM) client certificates must chain to.</summary>
    public string CaCertificatePath { get; }

    /// <summary>Decryption threshold t: any t participants can jointly decrypt an aggregate; 1 &lt;= t &lt;= N.</summary>
    public int Threshold { get; }

    /// <summary>The fewest summands a round may decrypt (&gt;= 2): the aggregator never learns a sum of fewer updates.</summary>
    public int MinParticipants { get; }

    /// <summary>
    /// Largest public upload weight (<c>max-weight</c>, default 1 = unweighted FedAvg): an upload carries 1 &lt;= w &lt;= MaxWeight,
    /// the participant pre-scales its clipped update by w/MaxWeight &lt;= 1 (so the DP sensitivity is unchanged) and the
    /// aggregator decodes the weighted mean Σ(w_i/MaxWeight)Δ_i / (Σw_i/MaxWeight).
    /// </summary>
    public int MaxWeight { get; internal init; } = 1;

    /// <summary>How long a round collects uploads after it opens.</summary>
    public TimeSpan CollectDeadline { get; }

    /// <summary>How long the decryption set has to return its shares once decryption starts.</summary>
    public TimeSpan DecryptDeadline { get; }

    /// <summary>Name of the HE parameter preset (resolved by the crypto layer).</summary>
    public string HePreset { get; }

    /// <summary>The ciphertext scheme (<c>he.scheme</c>: bfv, the default, or ckks; docs/ckks-integration.md).</summary>
    public Protocol.HeScheme Scheme { get; internal init; }

    /// <summary>Quantization and noise parameters of the distributed discrete Gaussian mechanism.</summary>
    public DpParameters Dp { get; }

    /// <summary>The consortium's total privacy budget over all rounds.</summary>
    public PrivacyBudget PrivacyBudget { get; }

    /// <summary>Where the aggregator keeps its durable state.</summary>
    public StorageConfig Storage { get; }

    /// <summary>Looks a participant up by id (ordinal comparison).</summary>
    public bool TryGetParticipant(string id, out ParticipantConfig participant)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _byId.TryGetValue(id, out participant!);
    }
}

/// <summary>One enrolled participant: its id and the identity its client certificate must carry.</summary>
/// <param name="Id">Participant id (letters, digits, '.', '_', '-'; at most 64 characters).</param>
/// <param name="CertificateSha256">SHA-256 fingerprint of its client certificate, 64 upper-case hex digits, or null.</param>
/// <param name="CertificateSubject">Subject distinguished name of its client certificate (e.g. "CN=hospital-a"), or null.</param>
public sealed record ParticipantConfig(string Id, string? CertificateSha256, string? CertificateSubject);

/// <summary>
/// Parameters of the distributed discrete Gaussian mechanism (privacy.md): each participant clips its
/// update to L2 norm <see cref="Clip"/>, quantizes to <see cref="Bits"/>-bit integers and adds discrete Gaussian
/// noise; either <see cref="NoiseSigma"/> is given or it is calibrated to reach <see cref="TargetEpsilon"/>
/// over <see cref="Rounds"/> rounds.
/// </summary>
public sealed record DpParameters(int Bits, double Clip, double? NoiseSigma, double? TargetEpsilon, int Rounds);

/// <summary>The consortium's (epsilon, delta) budget over all rounds.</summary>
public sealed record PrivacyBudget(double Epsilon, double Delta);

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
