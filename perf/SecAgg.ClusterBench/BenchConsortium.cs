using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SecAgg.Protocol;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;
using SecAgg.Security;

namespace SecAgg.ClusterBench;

/// <summary>
/// The benchmark's consortium: a CA made here (<see cref="CertificateAuthority"/>), N sites "site-1".."site-N" with their
/// own certificates and statement signers, BFV on the planned preset for d parameters (t = ⌊N/2⌋ + 1, c = max(1, ⌊N/4⌋),
/// m = max(2, ⌊N/2⌋), b = 16, clip 1, z = 1), written as the files a silo reads (consortium.yaml, ca.pem,
/// certificates/ID.pem). Benchmark keys only: made fresh per run, deleted with the folder.
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
        using var ca = CertificateAuthority.Create("SecAgg ClusterBench CA");
        string[] ids = [.. Enumerable.Range(1, sites).Select(i => $"site-{i}")];
        X509Certificate2[] certificates = [.. ids.Select(id => ca.IssueClientCertificate(id))];
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
