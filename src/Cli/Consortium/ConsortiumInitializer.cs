using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SecAgg.Protocol.Consortium;
using SecAgg.Crypto.Internal;
using SecAgg.Security;

namespace SecAgg.Cli.Consortium;

/// <summary>What <c>secagg consortium init</c> writes: the consortium's CA (new, or an existing one), the aggregator's server certificate, the participants' certificates and the consortium file.</summary>
/// <param name="Directory">The output folder (created; must be empty or absent).</param>
/// <param name="Name">The consortium id written to the file.</param>
/// <param name="ParticipantIds">Participant ids (1-64 of [A-Za-z0-9._-], unique), in roster order.</param>
/// <param name="Threshold">Decryption threshold t.</param>
/// <param name="MinParticipants">min-participants m: the fewest uploads a decrypted sum may have.</param>
/// <param name="AggregatorHosts">DNS names (or IP literals) in the aggregator's server certificate.</param>
/// <param name="ModelDimension">model-dimension d: values in the flattened update.</param>
/// <param name="Bits">DP quantization bits b.</param>
/// <param name="Clip">L2 clip norm of an update.</param>
/// <param name="NoiseSigma">Noise multiplier z, or null to calibrate from <paramref name="TargetEpsilon"/>.</param>
/// <param name="TargetEpsilon">Target ε over <paramref name="Rounds"/>, or null when <paramref name="NoiseSigma"/> is given.</param>
/// <param name="Rounds">Rounds the DP parameters are planned for (dp.rounds).</param>
/// <param name="BudgetEpsilon">The consortium's total ε budget.</param>
/// <param name="Delta">δ.</param>
/// <param name="HePreset">he.preset: planned-v2, or the NOT SECURE insecure-for-tests-v2 (tests only).</param>
/// <param name="Scheme">he.scheme: BFV (default) or CKKS.</param>
/// <param name="MaxColluders">max-colluders c, or null for the loader's default min(1, t − 1, m − 1).</param>
/// <param name="MaxWeight">max-weight: the largest public upload weight (1 = unweighted FedAvg).</param>
public sealed record ConsortiumInitOptions(
    string Directory,
    string Name,
    IReadOnlyList<string> ParticipantIds,
    int Threshold,
    int MinParticipants,
    IReadOnlyList<string> AggregatorHosts,
    int ModelDimension,
    int Bits = 16,
    double Clip = 1.0,
    double? NoiseSigma = null,
    double? TargetEpsilon = 8.0,
    int Rounds = 10,
    double BudgetEpsilon = 10.0,
    double Delta = 1e-5,
    string HePreset = SecAgg.Protocol.ProtocolPresets.PlannedName,
    SecAgg.Protocol.HeScheme Scheme = SecAgg.Protocol.HeScheme.Bfv,
    int? MaxColluders = null,
    int MaxWeight = 1);

/// <summary>The files <see cref="ConsortiumInitializer"/> wrote (absolute paths).</summary>
/// <param name="ConsortiumFile">consortium.yaml.</param>
/// <param name="CaCertificate">The CA certificate (PEM).</param>
/// <param name="CaKey">The CA private key (PEM, mode 0600).</param>
/// <param name="AggregatorCertificate">The aggregator's server certificate (PEM).</param>
/// <param name="AggregatorKey">Its private key (PEM, mode 0600).</param>
/// <param name="Participants">Each participant's enrollment certificate (PEM) and, for demo keys only, its private key
/// (mode 0600; null when the site made its own key and sent a CSR).</param>
public sealed record ConsortiumLayout(
    string ConsortiumFile,
    string CaCertificate,
    string CaKey,
    string AggregatorCertificate,
    string AggregatorKey,
    IReadOnlyDictionary<string, (string Certificate, string? Key)> Participants)
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
            participantIds.ToDictionary(id => id, id => (Path.Combine(root, "participants", id, "client.pem"), (string?)Path.Combine(root, "participants", id, "client.key")), StringComparer.Ordinal));
    }
}

/// <summary>
/// Sets up a consortium folder: the CA (<see cref="CertificateAuthority"/>; new, or an existing one for
/// <see cref="InitializeFromRequests"/>), the aggregator's TLS server certificate, the participants' enrollment
/// certificates, private keys in files of mode 0600, and a consortium file pinning each participant certificate's
/// SHA-256 (<see cref="ConsortiumFileWriter"/>), loaded back with <see cref="ConsortiumConfigLoader"/> before returning.
/// Two ways: from the sites' certificate signing requests (the real enrollment: every site keeps its key), or
/// <see cref="InitializeDemoKeys"/>, which makes every participant's key in one place (demo and tests only).
/// </summary>
public static class ConsortiumInitializer
{
    /// <summary>The file name of a site's CSR (<c>participant enroll</c>) and of the certificate issued from it (<c>consortium sign</c>).</summary>
    public const string RequestExtension = ".csr";

    private const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Returns every problem with the options, each saying what to change.</summary>
    public static IReadOnlyList<string> Validate(ConsortiumInitOptions o)
    {
        var errors = new List<string>();
        if (o.ParticipantIds.Count < 2)
        {
            errors.Add($"{o.ParticipantIds.Count} participant(s) given; a consortium needs at least 2.");
        }

        foreach (string id in o.ParticipantIds.Where(id => !EnrollmentRequest.IsParticipantId(id)))
        {
            errors.Add($"participant id '{id}' must be 1-64 characters of A-Z a-z 0-9 . _ -.");
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

        if (o.ModelDimension < 1 || o.ModelDimension > ConsortiumConfigLoader.MaxModelDimension)
        {
            errors.Add($"--model-dimension is {o.ModelDimension}; give the number of values in the flattened model update (1 to {ConsortiumConfigLoader.MaxModelDimension}).");
        }

        if (o.AggregatorHosts.Count == 0 || o.AggregatorHosts.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("--aggregator-host must name at least one DNS name or IP address (e.g. localhost).");
        }

        if (!SecAgg.Protocol.ProtocolPresets.Names.Contains(o.HePreset))
        {
            errors.Add($"--he-preset is '{o.HePreset}'; use {SecAgg.Protocol.ProtocolPresets.PlannedName}.");
        }

        if (o.Bits is < ConsortiumConfigLoader.MinBits or > ConsortiumConfigLoader.MaxBits)
        {
            errors.Add($"--bits is {o.Bits}; use {ConsortiumConfigLoader.MinBits} to {ConsortiumConfigLoader.MaxBits}.");
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

        if (o.MaxWeight is < 1 or > ConsortiumConfigLoader.MaxMaxWeight)
        {
            errors.Add($"--max-weight is {o.MaxWeight}; use 1 to {ConsortiumConfigLoader.MaxMaxWeight}.");
        }

        if (System.IO.Directory.Exists(o.Directory) && System.IO.Directory.EnumerateFileSystemEntries(o.Directory).Any())
        {
            errors.Add($"--out '{o.Directory}' exists and is not empty; choose a new folder (init never overwrites keys).");
        }

        return errors;
    }

    /// <summary>
    /// DEMO AND TESTS ONLY: makes every participant's enrollment key here, next to the CA key, so whoever holds this
    /// folder can act as every site. A real consortium is set up from the sites' CSRs (<see cref="InitializeFromRequests"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The options are not usable (the message lists every problem).</exception>
    public static ConsortiumLayout InitializeDemoKeys(ConsortiumInitOptions options)
    {
        RequireValid(options);
        ConsortiumLayout layout = ConsortiumLayout.For(options.Directory, options.ParticipantIds);
        using CertificateAuthority ca = CertificateAuthority.Create($"{options.Name} consortium CA");
        WriteCa(layout, ca);
        WriteAggregator(layout, ca, options.AggregatorHosts);
        var pins = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string id in options.ParticipantIds)
        {
            using X509Certificate2 client = ca.IssueClientCertificate(id);
            (string cert, string? key) = layout.Participants[id];
            WriteText(cert, client.ExportCertificatePem(), PublicMode);
            WriteText(key!, CertificateAuthority.ExportPrivateKeyPem(client), SecretMode);
            WriteText(Path.Combine(Path.GetDirectoryName(cert)!, "ca.pem"), ca.ExportCertificatePem(), PublicMode);
            pins[id] = Pin(client);
        }

        return WriteFile(layout, options, pins);
    }

    /// <summary>
    /// The real enrollment: issues (or reuses, from <c>consortium sign</c>) each site's certificate from the CSRs
    /// (<c>&lt;id&gt;.csr</c>) in <paramref name="requestDirectory"/>, pins each certificate's SHA-256, and writes the
    /// consortium folder. No participant key is made or seen here. The roster order (Shamir points) is the ids' ordinal order.
    /// </summary>
    /// <param name="options">The consortium's options; <see cref="ConsortiumInitOptions.ParticipantIds"/> is ignored (the CSRs name the participants).</param>
    /// <param name="requestDirectory">The folder of the sites' CSRs.</param>
    /// <param name="caDirectory">An existing CA folder (ca.pem, ca.key) to sign with, or null to create a new CA in the output folder.</param>
    /// <exception cref="ArgumentException">The options or a CSR are not usable, or a certificate next to a CSR is not the CA's certificate for its key.</exception>
    public static ConsortiumLayout InitializeFromRequests(ConsortiumInitOptions options, string requestDirectory, string? caDirectory)
    {
        if (!System.IO.Directory.Exists(requestDirectory))
        {
            throw new ArgumentException($"--from-csr '{requestDirectory}' is not a folder; put each site's <id>.csr (from 'secagg participant enroll') in it.");
        }

        string[] requests = [.. System.IO.Directory.EnumerateFiles(requestDirectory, "*" + RequestExtension).Order(StringComparer.Ordinal)];
        using CertificateAuthority ca = caDirectory is null ? CertificateAuthority.Create($"{options.Name} consortium CA") : LoadCa(caDirectory);
        var issued = new SortedDictionary<string, X509Certificate2>(StringComparer.Ordinal);
        try
        {
            foreach (string request in requests)
            {
                (X509Certificate2 certificate, string id) = IssueOrReuse(ca, request);
                if (!issued.TryAdd(id, certificate))
                {
                    certificate.Dispose();
                    throw new ArgumentException($"Two requests in '{requestDirectory}' name participant '{id}'; each site sends one.");
                }
            }

            options = options with { ParticipantIds = [.. issued.Keys] };
            RequireValid(options);
            ConsortiumLayout layout = ConsortiumLayout.For(options.Directory, options.ParticipantIds);
            WriteCa(layout, ca, writeKey: caDirectory is null);
            WriteAggregator(layout, ca, options.AggregatorHosts);
            var pins = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach ((string id, X509Certificate2 certificate) in issued)
            {
                string cert = layout.Participants[id].Certificate;
                WriteText(cert, certificate.ExportCertificatePem(), PublicMode);
                WriteText(Path.Combine(Path.GetDirectoryName(cert)!, "ca.pem"), ca.ExportCertificatePem(), PublicMode);
                pins[id] = Pin(certificate);
            }

            layout = layout with
            {
                CaKey = caDirectory is null ? layout.CaKey : Path.GetFullPath(Path.Combine(caDirectory, "ca.key")),
                Participants = layout.Participants.ToDictionary(p => p.Key, p => (p.Value.Certificate, (string?)null), StringComparer.Ordinal),
            };
            return WriteFile(layout, options, pins);
        }
        finally
        {
            foreach (X509Certificate2 c in issued.Values)
            {
                c.Dispose();
            }
        }
    }

    /// <summary>
    /// <c>consortium sign</c>: issues the certificate of one CSR with the CA in <paramref name="caDirectory"/> and writes it
    /// next to the CSR (<c>&lt;id&gt;.pem</c>), or to <paramref name="output"/>.
    /// </summary>
    /// <returns>The participant id, the certificate's path and its SHA-256 (lower-case hex: the pin).</returns>
    /// <exception cref="ArgumentException">The CA or the CSR cannot be read, or the CSR is not a participant's.</exception>
    public static (string ParticipantId, string CertificatePath, string Sha256) Sign(string caDirectory, string requestPath, string? output = null)
    {
        if (!File.Exists(requestPath))
        {
            throw new ArgumentException($"--csr '{requestPath}' does not exist; a site makes it with 'secagg participant enroll'.");
        }

        using CertificateAuthority ca = LoadCa(caDirectory);
        (X509Certificate2 certificate, string id) = ca.IssueFromRequest(File.ReadAllText(requestPath));
        using (certificate)
        {
            string path = Path.GetFullPath(output ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(requestPath))!, id + ".pem"));
            WriteText(path, certificate.ExportCertificatePem(), PublicMode);
            return (id, path, Pin(certificate));
        }
    }

    /// <summary>The pin of a certificate: SHA-256 of its DER, lower-case hex.</summary>
    public static string Pin(X509Certificate2 certificate) => Convert.ToHexString(SHA256.HashData(certificate.RawData)).ToLowerInvariant();

    /// <summary>Loads a CA folder (ca.pem and ca.key, as init writes them).</summary>
    /// <exception cref="ArgumentException">The files are missing or unreadable, or the key is not the certificate's.</exception>
    public static CertificateAuthority LoadCa(string caDirectory)
    {
        string cert = Path.Combine(caDirectory, "ca.pem"), key = Path.Combine(caDirectory, "ca.key");
        if (!File.Exists(cert) || !File.Exists(key))
        {
            throw new ArgumentException($"--ca '{caDirectory}' must hold ca.pem and ca.key (the 'ca' folder that consortium init wrote).");
        }

        return CertificateAuthority.FromPem(File.ReadAllText(cert), File.ReadAllText(key));
    }

    private static (X509Certificate2 Certificate, string Id) IssueOrReuse(CertificateAuthority ca, string requestPath)
    {
        string pem = File.ReadAllText(requestPath);
        (string id, ECDsa key) = EnrollmentRequest.Read(pem);
        using (key)
        {
            string existing = Path.Combine(Path.GetDirectoryName(requestPath)!, id + ".pem");
            if (!File.Exists(existing))
            {
                return ca.IssueFromRequest(pem);
            }

            X509Certificate2 certificate = X509Certificate2.CreateFromPem(File.ReadAllText(existing));
            using ECDsa? certified = certificate.GetECDsaPublicKey();
            if (certified is null || !certified.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo())
                || !ca.Validate(certificate, X509KeyUsageForPeer.ClientAuthentication) || certificate.GetNameInfo(X509NameType.SimpleName, false) != id)
            {
                certificate.Dispose();
                throw new ArgumentException($"'{existing}' is not this CA's certificate of '{id}' for the key in '{requestPath}'; delete it to issue a new one.");
            }

            return (certificate, id);
        }
    }

    private static void RequireValid(ConsortiumInitOptions options)
    {
        IReadOnlyList<string> errors = Validate(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }
    }

    private static void WriteCa(ConsortiumLayout layout, CertificateAuthority ca, bool writeKey = true)
    {
        WriteText(layout.CaCertificate, ca.ExportCertificatePem(), PublicMode);
        if (writeKey)
        {
            WriteText(layout.CaKey, ca.ExportPrivateKeyPem(), SecretMode);
        }
    }

    private static void WriteAggregator(ConsortiumLayout layout, CertificateAuthority ca, IReadOnlyList<string> hosts)
    {
        var dns = new List<string>();
        var ips = new List<IPAddress>();
        foreach (string host in hosts)
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

        using X509Certificate2 server = ca.IssueServerCertificate("secagg-aggregator", dns, ips.Distinct());
        WriteText(layout.AggregatorCertificate, server.ExportCertificatePem(), PublicMode);
        WriteText(layout.AggregatorKey, CertificateAuthority.ExportPrivateKeyPem(server), SecretMode);
    }

    private static ConsortiumLayout WriteFile(ConsortiumLayout layout, ConsortiumInitOptions options, IReadOnlyDictionary<string, string> pins)
    {
        WriteText(layout.ConsortiumFile, ConsortiumFileWriter.Render(options, pins), PublicMode);
        ConsortiumConfigLoader.Load(layout.ConsortiumFile);
        return layout;
    }

    internal static void WriteText(string path, string text, UnixFileMode mode)
        => DurableFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)), mode, overwrite: true);
}
