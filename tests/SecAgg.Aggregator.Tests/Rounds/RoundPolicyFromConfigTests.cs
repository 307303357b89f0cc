using SecAgg.Protocol.Consortium;

namespace SecAgg.Aggregator.Tests.Rounds;

/// <summary>The aggregator's round policy from a consortium file (moved here with the loader's move to src/Protocol/Consortium).</summary>
public sealed class RoundPolicyFromConfigTests : IDisposable
{
    private const string ValidYaml = """
        consortium: heart-study
        ca: ca.pem
        participants:
          - id: hospital-a
            certificate-sha256: "3F:2A:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"
          - id: hospital-b
            certificate-sha256: 4f2a00112233445566778899aabbccddeeff00112233445566778899aabbccdd
          - id: hospital-c
            certificate-sha256: 5E3B00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDD
        threshold: 2
        min-participants: 2
        model-dimension: 1000
        deadlines:
          collect: 30m
          decrypt: "00:10:00"
        dp:
          bits: 16
          clip: 1.5
          noise-sigma: 2.5
          rounds: 5
        privacy-budget:
          epsilon: 8
          delta: 1e-6
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("secagg-policy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void PolicyTakesEnrolmentThresholdAndDeadlinesFromTheConfiguration()
    {
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), "x");
        var config = ConsortiumConfigLoader.Parse(ValidYaml, _dir);
        var policy = SecAgg.Aggregator.Rounds.RoundPolicy.FromConfig(config);
        Assert.Equal(["hospital-a", "hospital-b", "hospital-c"], policy.Enrolled.ToArray());
        Assert.Equal(2, policy.MinParticipants);
        Assert.Equal(2, policy.Threshold);
        Assert.Equal(TimeSpan.FromMinutes(30), policy.CollectDeadline);
        Assert.Equal(TimeSpan.FromMinutes(10), policy.DecryptDeadline);
        Assert.Equal(TimeSpan.FromMinutes(10), policy.ApproveDeadline); // approve defaults to decrypt
        Assert.True(policy.IsEnrolled("hospital-b"));
        Assert.False(policy.IsEnrolled("hospital-z"));
    }

    [Fact]
    public void PolicyTakesTheApprovalDeadlineFromTheConfiguration()
    {
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), "x");
        var config = ConsortiumConfigLoader.Parse(ValidYaml.Replace("  collect: 30m", "  collect: 30m\n  approve: 5m", StringComparison.Ordinal), _dir);
        Assert.Equal(TimeSpan.FromMinutes(5), SecAgg.Aggregator.Rounds.RoundPolicy.FromConfig(config).ApproveDeadline);
    }
}
