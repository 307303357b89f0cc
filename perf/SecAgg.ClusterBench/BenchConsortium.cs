using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SecAgg.Protocol;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.ClusterBench;

/// <summary>
/// The benchmark's consortium: a CA made here (ECDSA P-256), N sites "site-1".."site-N" with their own certificates and
/// statement signers, BFV on the planned preset for d parameters (b = 16, clip 1, z = 1), written as the files a silo
/// reads (consortium.yaml, ca.pem, certificates/ID.pem). Benchmark keys only: made fresh per run, deleted with the folder.
/// </summary>
internal sealed class BenchConsortium : IDisposable
{
    private readonly StatementSigner[] _signers;

    private BenchConsortium(string[] ids, X509Certificate2[] certificates, ConsortiumDescriptor descriptor, string consortiumFile, string certificatesDirectory)
    {
        Ids = ids;
        Descriptor = descriptor;
        ConsortiumFile = consortiumFile;
        CertificatesDirectory = certificatesDirectory;
        Preset = ProtocolPresets.For(descriptor);
        _signers = [.. certificates.Select(c => new StatementSigner(c))];
        foreach (X509Certificate2 c in certificates)
        {
            c.Dispose();
        }
    }

    public string[] Ids { get; }

    public ConsortiumDescriptor Descriptor { get; }

    /// <summary>The planned preset (what every silo derives from the same file).</summary>
    public ProtocolPreset Preset { get; }

    public string ConsortiumFile { get; }

    public string CertificatesDirectory { get; }

    /// <summary>Creates <paramref name="sites"/> sites for d = <paramref name="dimension"/> and writes the silo's files under <paramref name="directory"/>.</summary>
    public static BenchConsortium Create(int sites, long dimension, string directory)
    {
        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=SecAgg ClusterBench CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        string[] ids = [.. Enumerable.Range(1, sites).Select(i => $"site-{i}")];
        X509Certificate2[] certificates = [.. ids.Select((id, i) => Issue(ca, caKey, id, i + 1000, now))];
        ConsortiumDescriptor descriptor = ConsortiumDescriptor.Create(new ConsortiumDescriptorLiteral
        {
            ConsortiumId = "cluster-bench",
            Roster = [.. ids.Zip(certificates, (id, c) => new RosterEntry(id, SHA256.HashData(c.RawData)))],
            Threshold = sites / 2 + 1,
            MaxColluders = Math.Max(1, sites / 4),
            MinParticipants = Math.Max(2, sites / 2),
            HePreset = ProtocolPresets.PlannedName,
            Scheme = HeScheme.Bfv,
            ModelDimension = dimension,
            Bits = 16,
            ClipNorm = 1.0,
            NoiseMultiplier = 1.0,
            Delta = 1e-6,
            Rounds = 10,
            EpsilonBudget = 1e6,
        });

        File.WriteAllText(Path.Combine(directory, "ca.pem"), ca.ExportCertificatePem());
        string certificatesDirectory = Path.Combine(directory, "certificates");
        Directory.CreateDirectory(certificatesDirectory);
        for (int i = 0; i < ids.Length; i++)
        {
            File.WriteAllText(Path.Combine(certificatesDirectory, ids[i] + ".pem"), certificates[i].ExportCertificatePem());
        }

        string consortiumFile = Path.Combine(directory, "consortium.yaml");
        File.WriteAllText(consortiumFile, Yaml(descriptor));
        return new BenchConsortium(ids, certificates, descriptor, consortiumFile, certificatesDirectory);
    }

    /// <summary>Site <paramref name="site"/>'s signed commitment to <paramref name="chunkDigests"/> as upload <paramref name="uploadId"/> of <paramref name="round"/> (key epoch 1, weight 1).</summary>
    public SignedStatement Commit(int site, ulong round, Guid uploadId, IReadOnlyList<ReadOnlyMemory<byte>> chunkDigests) =>
        _signers[site].Sign(UploadCommitment.Create(Descriptor.Digest.Span, 1, Ids[site], round, uploadId, 1, chunkDigests));

    public void Dispose()
    {
        foreach (StatementSigner s in _signers)
        {
            s.Dispose();
        }
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, ECDsa caKey, string id, int serial, DateTimeOffset now)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + id, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using X509Certificate2 publicOnly = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddDays(-1), now.AddYears(1), BitConverter.GetBytes(serial));
        return publicOnly.CopyWithPrivateKey(key);
    }

    private static string Yaml(ConsortiumDescriptor d)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine(CultureInfo.InvariantCulture, $"consortium: {d.ConsortiumId}").AppendLine("ca: ca.pem").AppendLine("participants:");
        foreach (RosterEntry entry in d.Roster)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"  - id: {entry.ParticipantId}")
                .AppendLine(CultureInfo.InvariantCulture, $"    certificate-sha256: {Convert.ToHexString(entry.CertificateSha256.Span)}");
        }

        return yaml.AppendLine(CultureInfo.InvariantCulture, $"threshold: {d.Threshold}")
            .AppendLine(CultureInfo.InvariantCulture, $"max-colluders: {d.MaxColluders}")
            .AppendLine(CultureInfo.InvariantCulture, $"min-participants: {d.MinParticipants}")
            .AppendLine(CultureInfo.InvariantCulture, $"model-dimension: {d.ModelDimension}")
            .AppendLine("deadlines: { collect: 60m, approve: 60m, decrypt: 60m }")
            .AppendLine(CultureInfo.InvariantCulture, $"he: {{ preset: {d.HePreset}, scheme: {d.Scheme.ToString().ToLowerInvariant()}, max-ring-degree: {d.MaxRingDegree} }}")
            .AppendLine(CultureInfo.InvariantCulture, $"decryption: {{ statistical-security: {d.StatisticalSecurity}, share-cap: {d.ShareCap} }}")
            .AppendLine(CultureInfo.InvariantCulture, $"dp: {{ bits: {d.Bits}, clip: {d.ClipNorm:R}, noise-sigma: {d.NoiseMultiplier:R}, rounds: {d.Rounds} }}")
            .AppendLine(CultureInfo.InvariantCulture, $"privacy-budget: {{ epsilon: {d.EpsilonBudget:R}, delta: {d.Delta:R} }}")
            .ToString();
    }
}
