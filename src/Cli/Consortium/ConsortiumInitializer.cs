using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SecAgg.Aggregator.Config;
using SecAgg.Crypto.Internal;
using SecAgg.Security;

namespace SecAgg.Cli.Consortium;

/// <summary>What <c>secagg consortium init</c> writes: a CA, an aggregator server certificate, one client certificate per participant, and the consortium file.</summary>
/// <param name="Directory">The output folder (created; must be empty or absent).</param>
/// <param name="Name">The consortium id written to the file.</param>
/// <param name="ParticipantIds">Participant ids (1-64 of [A-Za-z0-9._-], unique).</param>
/// <param name="Threshold">Decryption threshold t.</param>
/// <param name="MinParticipants">Complete uploads needed to decrypt at the deadline.</param>
/// <param name="AggregatorHosts">DNS names (or IP literals) in the aggregator's server certificate.</param>
/// <param name="Bits">DP quantization bits b.</param>
/// <param name="Clip">L2 clip norm of an update.</param>
/// <param name="NoiseSigma">Noise multiplier z, or null to calibrate from <paramref name="TargetEpsilon"/>.</param>
/// <param name="TargetEpsilon">Target ε over <paramref name="Rounds"/>, or null when <paramref name="NoiseSigma"/> is given.</param>
/// <param name="Rounds">Rounds the DP parameters are planned for.</param>
/// <param name="BudgetEpsilon">The consortium's total ε budget.</param>
/// <param name="Delta">δ.</param>
/// <param name="HePreset">Name of the HE parameter preset (for CKKS the default and the test preset map to their CKKS counterparts).</param>
/// <param name="Scheme">he.scheme: BFV (default) or CKKS (docs/ckks-integration.md).</param>
public sealed record ConsortiumInitOptions(
    string Directory,
    string Name,
    IReadOnlyList<string> ParticipantIds,
    int Threshold,
    int MinParticipants,
    IReadOnlyList<string> AggregatorHosts,
    int Bits = 16,
    double Clip = 1.0,
    double? NoiseSigma = null,
    double? TargetEpsilon = 8.0,
    int Rounds = 10,
    double BudgetEpsilon = 10.0,
    double Delta = 1e-5,
    string HePreset = SecAgg.Protocol.ProtocolPresets.PlannedName,
    SecAgg.Protocol.HeScheme Scheme = SecAgg.Protocol.HeScheme.Bfv)
{
    /// <summary>The preset written to the file: the CKKS counterpart of the BFV defaults when <see cref="Scheme"/> is CKKS.</summary>
    public string EffectivePreset => Scheme != SecAgg.Protocol.HeScheme.Ckks ? HePreset : HePreset switch
    {
        SecAgg.Protocol.ProtocolPresets.PlannedName => SecAgg.Protocol.ProtocolPresets.CkksName,
        SecAgg.Protocol.ProtocolPresets.InsecureForTestsName => SecAgg.Protocol.ProtocolPresets.InsecureForTestsCkksName,
        _ => HePreset,
    };
}

/// <summary>The files <see cref="ConsortiumInitializer"/> wrote (absolute paths).</summary>
/// <param name="ConsortiumFile">consortium.yaml.</param>
/// <param name="CaCertificate">The CA certificate (PEM).</param>
/// <param name="CaKey">The CA private key (PEM, mode 0600).</param>
/// <param name="AggregatorCertificate">The aggregator's server certificate (PEM).</param>
/// <param name="AggregatorKey">Its private key (PEM, mode 0600).</param>
/// <param name="Participants">Each participant's client certificate and private key (PEM; the key mode 0600).</param>
public sealed record ConsortiumLayout(
    string ConsortiumFile,
    string CaCertificate,
    string CaKey,
    string AggregatorCertificate,
    string AggregatorKey,
    IReadOnlyDictionary<string, (string Certificate, string Key)> Participants)
{
    /// <summary>The well-known layout under a consortium folder (what <c>consortium init</c> writes).</summary>
    public static ConsortiumLayout For(string directory, IEnumerable<string> participantIds)
    {
        string root = Path.GetFullPath(directory);
        return new ConsortiumLayout(
            Path.Combine(root, "consortium.yaml"),
            Path.Combine(root, "ca", "ca.pem"),
            Path.Combine(root, "ca", "ca.key"),
            Path.Combine(root, "aggregator", "aggregator.pem"),
            Path.Combine(root, "aggregator", "aggregator.key"),
            participantIds.ToDictionary(id => id, id => (Path.Combine(root, "participants", id, "client.pem"), Path.Combine(root, "participants", id, "client.key")), StringComparer.Ordinal));
    }
}

/// <summary>
/// Sets up a consortium: a fresh CA (<see cref="CertificateAuthority"/>), the aggregator's TLS server certificate,
/// one client certificate per participant, private keys in files of mode 0600, and a consortium file that the
/// aggregator's <see cref="ConsortiumConfigLoader"/> accepts (it is loaded back before returning).
/// </summary>
public static class ConsortiumInitializer
{
    private const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Returns every problem with the options, each saying what to change.</summary>
    public static IReadOnlyList<string> Validate(ConsortiumInitOptions o)
    {
        var errors = new List<string>();
        if (o.ParticipantIds.Count < 2)
        {
            errors.Add($"--participants gives {o.ParticipantIds.Count} participant(s); a consortium needs at least 2.");
        }

        foreach (string id in o.ParticipantIds)
        {
            if (id.Length is < 1 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                errors.Add($"participant id '{id}' must be 1-64 characters of A-Z a-z 0-9 . _ -.");
            }
        }

        foreach (var dup in o.ParticipantIds.GroupBy(x => x, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"participant id '{dup.Key}' is listed {dup.Count()} times; ids must be unique.");
        }

        int n = o.ParticipantIds.Count;
        if (o.Threshold < 1 || o.Threshold > n)
        {
            errors.Add($"--threshold is {o.Threshold}; use 1 to the number of participants ({n}).");
        }

        if (o.MinParticipants < 2 || o.MinParticipants > n)
        {
            errors.Add($"--min-participants is {o.MinParticipants}; use 2 to the number of participants ({n}).");
        }

        if (o.AggregatorHosts.Count == 0 || o.AggregatorHosts.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("--aggregator-host must name at least one DNS name or IP address (e.g. localhost).");
        }

        if (SecAgg.Protocol.ProtocolPresets.Names.Contains(o.EffectivePreset) && SecAgg.Protocol.ProtocolPresets.SchemeOf(o.EffectivePreset) != o.Scheme)
        {
            errors.Add($"--he-preset {o.EffectivePreset} is not a {SecAgg.Protocol.HeSchemeNames.Name(o.Scheme)} preset; leave --he-preset at its default or change --scheme.");
        }

        if (o.Bits is < 2 or > 32)
        {
            errors.Add($"--bits is {o.Bits}; use 2 to 32.");
        }

        if (!(o.Clip > 0) || double.IsInfinity(o.Clip))
        {
            errors.Add($"--clip is {o.Clip}; use a positive L2 norm such as 1.0.");
        }

        if ((o.NoiseSigma is null) == (o.TargetEpsilon is null))
        {
            errors.Add("give exactly one of --noise-multiplier and --target-epsilon.");
        }

        if (o.NoiseSigma is double z && (!(z > 0) || double.IsInfinity(z)))
        {
            errors.Add($"--noise-multiplier is {z}; use a positive number.");
        }

        if (o.TargetEpsilon is double e && (!(e > 0) || double.IsInfinity(e)))
        {
            errors.Add($"--target-epsilon is {e}; use a positive number.");
        }

        if (o.TargetEpsilon is double te && te > o.BudgetEpsilon)
        {
            errors.Add($"--target-epsilon {te} exceeds --budget-epsilon {o.BudgetEpsilon}; raise the budget or lower the target.");
        }

        if (o.Rounds < 1)
        {
            errors.Add($"--rounds is {o.Rounds}; use at least 1.");
        }

        if (!(o.Delta > 0 && o.Delta < 1))
        {
            errors.Add($"--delta is {o.Delta}; use a number in (0, 1) such as 1e-5.");
        }

        if (System.IO.Directory.Exists(o.Directory) && System.IO.Directory.EnumerateFileSystemEntries(o.Directory).Any())
        {
            errors.Add($"--out '{o.Directory}' exists and is not empty; choose a new folder (init never overwrites keys).");
        }

        return errors;
    }

    /// <summary>Writes the consortium and checks the file with the aggregator's loader.</summary>
    /// <exception cref="ArgumentException">The options are not usable (the message lists every problem).</exception>
    /// <exception cref="ConsortiumConfigException">The written file does not load (a bug; never expected).</exception>
    public static ConsortiumLayout Initialize(ConsortiumInitOptions options)
    {
        IReadOnlyList<string> errors = Validate(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }

        ConsortiumLayout layout = ConsortiumLayout.For(options.Directory, options.ParticipantIds);
        using CertificateAuthority ca = CertificateAuthority.Create($"{options.Name} consortium CA");
        WriteText(layout.CaCertificate, ca.ExportCertificatePem(), PublicMode);
        WriteText(layout.CaKey, ca.ExportPrivateKeyPem(), SecretMode);

        var dns = new List<string>();
        var ips = new List<IPAddress>();
        foreach (string host in options.AggregatorHosts)
        {
            if (IPAddress.TryParse(host, out IPAddress? ip))
            {
                ips.Add(ip);
            }
            else
            {
                dns.Add(host);
            }
        }

        if (dns.Contains("localhost", StringComparer.OrdinalIgnoreCase))
        {
            ips.Add(IPAddress.Loopback);
            ips.Add(IPAddress.IPv6Loopback);
        }

        using (X509Certificate2 server = ca.IssueServerCertificate("secagg-aggregator", dns, ips.Distinct()))
        {
            WriteText(layout.AggregatorCertificate, server.ExportCertificatePem(), PublicMode);
            WriteText(layout.AggregatorKey, CertificateAuthority.ExportPrivateKeyPem(server), SecretMode);
        }

        var fingerprints = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string id in options.ParticipantIds)
        {
            using X509Certificate2 client = ca.IssueClientCertificate(id);
            (string cert, string key) = layout.Participants[id];
            WriteText(cert, client.ExportCertificatePem(), PublicMode);
            WriteText(key, CertificateAuthority.ExportPrivateKeyPem(client), SecretMode);
            WriteText(Path.Combine(Path.GetDirectoryName(cert)!, "ca.pem"), ca.ExportCertificatePem(), PublicMode);
            fingerprints[id] = Convert.ToHexString(SHA256.HashData(client.RawData)).ToLowerInvariant();
        }

        WriteText(layout.ConsortiumFile, RenderYaml(options, fingerprints), PublicMode);
        ConsortiumConfigLoader.Load(layout.ConsortiumFile);
        return layout;
    }

    private static string RenderYaml(ConsortiumInitOptions o, IReadOnlyDictionary<string, string> fingerprints)
    {
        CultureInfo ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# Written by `secagg consortium init`. The aggregator loads it with `secagg aggregator serve --consortium <this file>`.");
        sb.AppendLine(ci, $"consortium: {o.Name}");
        sb.AppendLine("ca: ca/ca.pem");
        sb.AppendLine("participants:");
        foreach (string id in o.ParticipantIds)
        {
            sb.AppendLine(ci, $"  - id: {id}");
            sb.AppendLine(ci, $"    certificate-sha256: {fingerprints[id]}");
            sb.AppendLine(ci, $"    certificate-subject: \"CN={id}\"");
        }

        sb.AppendLine(ci, $"threshold: {o.Threshold}");
        sb.AppendLine(ci, $"min-participants: {o.MinParticipants}");
        sb.AppendLine("deadlines:");
        sb.AppendLine("  collect: 30m");
        sb.AppendLine("  decrypt: 10m");
        sb.AppendLine("he:");
        sb.AppendLine(ci, $"  preset: {o.EffectivePreset}");
        if (o.Scheme != SecAgg.Protocol.HeScheme.Bfv)
        {
            sb.AppendLine(ci, $"  scheme: {SecAgg.Protocol.HeSchemeNames.Name(o.Scheme)}");
        }

        sb.AppendLine("dp:");
        sb.AppendLine(ci, $"  bits: {o.Bits}");
        sb.AppendLine(ci, $"  clip: {o.Clip.ToString("R", ci)}");
        if (o.NoiseSigma is double z)
        {
            sb.AppendLine(ci, $"  noise-sigma: {z.ToString("R", ci)}");
        }
        else
        {
            sb.AppendLine(ci, $"  target-epsilon: {o.TargetEpsilon!.Value.ToString("R", ci)}");
        }

        sb.AppendLine(ci, $"  rounds: {o.Rounds}");
        sb.AppendLine("privacy-budget:");
        sb.AppendLine(ci, $"  epsilon: {o.BudgetEpsilon.ToString("R", ci)}");
        sb.AppendLine(ci, $"  delta: {o.Delta.ToString("R", ci)}");
        sb.AppendLine("storage:");
        sb.AppendLine("  provider: sqlite");
        sb.AppendLine("  path: aggregator/aggregator.db");
        return sb.ToString();
    }

    private static void WriteText(string path, string text, UnixFileMode mode)
        => DurableFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)), mode, overwrite: true);
}
