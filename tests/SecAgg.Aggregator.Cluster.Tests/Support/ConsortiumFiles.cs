using System.Globalization;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Tests.V2;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>The files a silo process reads, written for an <see cref="InProcessRound"/> consortium: consortium.yaml, ca.pem, certificates/ID.pem.</summary>
internal static class ConsortiumFiles
{
    /// <summary>Writes them under <paramref name="directory"/>; returns the consortium file's path.</summary>
    public static string Write(InProcessRound r, string directory)
    {
        File.WriteAllText(Path.Combine(directory, "ca.pem"), r.Consortium.Pki.Ca.ExportCertificatePem());
        string certificates = Path.Combine(directory, "certificates");
        Directory.CreateDirectory(certificates);
        var d = r.Consortium.Descriptor;
        var yaml = new System.Text.StringBuilder();
        yaml.AppendLine(CultureInfo.InvariantCulture, $"consortium: {d.ConsortiumId}").AppendLine("ca: ca.pem").AppendLine("participants:");
        for (int i = 0; i < r.Consortium.Ids.Length; i++)
        {
            File.WriteAllText(Path.Combine(certificates, r.Consortium.Ids[i] + ".pem"), r.Consortium.Certificates[i].ExportCertificatePem());
            yaml.AppendLine(CultureInfo.InvariantCulture, $"  - id: {r.Consortium.Ids[i]}")
                .AppendLine(CultureInfo.InvariantCulture, $"    certificate-sha256: {Convert.ToHexString(d.Roster[i].CertificateSha256.Span)}");
        }

        yaml.AppendLine(CultureInfo.InvariantCulture, $"threshold: {d.Threshold}")
            .AppendLine(CultureInfo.InvariantCulture, $"max-colluders: {d.MaxColluders}")
            .AppendLine(CultureInfo.InvariantCulture, $"min-participants: {d.MinParticipants}")
            .AppendLine(CultureInfo.InvariantCulture, $"model-dimension: {d.ModelDimension}")
            .AppendLine("deadlines: { collect: 30m, approve: 30m, decrypt: 30m }")
            .AppendLine(CultureInfo.InvariantCulture, $"he: {{ preset: {d.HePreset}, scheme: {d.Scheme.ToString().ToLowerInvariant()}, max-ring-degree: {d.MaxRingDegree} }}")
            .AppendLine(CultureInfo.InvariantCulture, $"decryption: {{ statistical-security: {d.StatisticalSecurity}, share-cap: {d.ShareCap} }}")
            .AppendLine(CultureInfo.InvariantCulture, $"dp: {{ bits: {d.Bits}, clip: {d.ClipNorm:R}, noise-sigma: {d.NoiseMultiplier:R}, rounds: {d.Rounds} }}")
            .AppendLine(CultureInfo.InvariantCulture, $"privacy-budget: {{ epsilon: {d.EpsilonBudget:R}, delta: {d.Delta:R} }}");
        string path = Path.Combine(directory, "consortium.yaml");
        File.WriteAllText(path, yaml.ToString());

        ConsortiumConfig config = ConsortiumConfigLoader.Load(path);
        Assert.True(config.Descriptor.Digest.Span.SequenceEqual(d.Digest.Span), $"the consortium file describes another consortium than the test's:\n{config.Descriptor}\n{d}");
        return path;
    }
}
