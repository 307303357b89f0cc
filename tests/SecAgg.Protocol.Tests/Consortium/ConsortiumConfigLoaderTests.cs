using SecAgg.Aggregator.Config;

namespace SecAgg.Aggregator.Tests.Config;

public sealed class ConsortiumConfigLoaderTests : IDisposable
{
    private const string FingerprintA = "3F:2A:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";
    private const string FingerprintB = "4f2a00112233445566778899aabbccddeeff00112233445566778899aabbccdd";
    private readonly string _dir;

    public ConsortiumConfigLoaderTests()
    {
        _dir = Directory.CreateTempSubdirectory("secagg-config-").FullName;
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal const string ValidYaml = """
        consortium: heart-study
        ca: ca.pem
        participants:
          - id: hospital-a
            certificate-sha256: "3F:2A:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"
          - id: hospital-b
            certificate-sha256: 4f2a00112233445566778899aabbccddeeff00112233445566778899aabbccdd
            certificate-subject: "CN=hospital-b"
          - id: hospital-c
            certificate-subject: "CN=hospital-c"
        threshold: 2
        min-participants: 2
        deadlines:
          collect: 30m
          decrypt: "00:10:00"
        he:
          preset: bfv-16384
        dp:
          bits: 16
          clip: 1.5
          noise-sigma: 2.5
          rounds: 50
        privacy-budget:
          epsilon: 8
          delta: 1e-6
        """;

    private ConsortiumConfig Parse(string yaml, IReadOnlySet<string>? presets = null) =>
        ConsortiumConfigLoader.Parse(yaml, _dir, "test.yaml", presets);

    private ConsortiumConfigException Invalid(string yaml, IReadOnlySet<string>? presets = null) =>
        Assert.Throws<ConsortiumConfigException>(() => Parse(yaml, presets));

    private static string Replace(string yaml, string from, string to)
    {
        Assert.Contains(from, yaml, StringComparison.Ordinal);
        return yaml.Replace(from, to, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidFileParsesEveryField()
    {
        var c = Parse(ValidYaml);
        Assert.Equal("heart-study", c.Name);
        Assert.Equal(["hospital-a", "hospital-b", "hospital-c"], c.Participants.Select(p => p.Id));
        Assert.Equal(FingerprintA.Replace(":", ""), c.Participants[0].CertificateSha256);
        Assert.Equal(FingerprintB.ToUpperInvariant(), c.Participants[1].CertificateSha256);
        Assert.Equal("CN=hospital-b", c.Participants[1].CertificateSubject);
        Assert.Null(c.Participants[2].CertificateSha256);
        Assert.Equal(Path.Combine(_dir, "ca.pem"), c.CaCertificatePath);
        Assert.Equal(2, c.Threshold);
        Assert.Equal(2, c.MinParticipants);
        Assert.Equal(TimeSpan.FromMinutes(30), c.CollectDeadline);
        Assert.Equal(TimeSpan.FromMinutes(10), c.DecryptDeadline);
        Assert.Equal("bfv-16384", c.HePreset);
        Assert.Equal(new DpParameters(16, 1.5, 2.5, null, 50), c.Dp);
        Assert.Equal(new PrivacyBudget(8, 1e-6), c.PrivacyBudget);
        Assert.Equal(new StorageConfig(StorageProvider.Sqlite, Path.Combine(_dir, "aggregator.db"), null), c.Storage);
        Assert.True(c.TryGetParticipant("hospital-c", out var p));
        Assert.Equal("CN=hospital-c", p.CertificateSubject);
        Assert.False(c.TryGetParticipant("HOSPITAL-C", out _));
    }

    [Fact]
    public void LoadResolvesPathsAgainstTheFilesFolder()
    {
        string file = Path.Combine(_dir, "consortium.yaml");
        File.WriteAllText(file, ValidYaml + "\nstorage:\n  provider: sqlite\n  path: state/agg.db\n");
        var c = ConsortiumConfigLoader.Load(file);
        Assert.Equal(Path.Combine(_dir, "state", "agg.db"), c.Storage.SqlitePath);
    }

    [Fact]
    public void MissingFileIsReportedWithItsPath()
    {
        var e = Assert.Throws<ConsortiumConfigException>(() => ConsortiumConfigLoader.Load(Path.Combine(_dir, "nope.yaml")));
        Assert.Contains("nope.yaml", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void ThresholdAboveParticipantCountSaysHowManyAreListed()
    {
        var e = Invalid(Replace(ValidYaml, "threshold: 2", "threshold: 5"));
        Assert.Equal("line 11: threshold 5 exceeds the 3 participants listed under participants:; lower it or enroll more participants", Assert.Single(e.Errors));
    }

    [Fact]
    public void ThresholdBelowOneIsRefused()
    {
        var e = Invalid(Replace(ValidYaml, "threshold: 2", "threshold: 0"));
        Assert.Contains("threshold 0 must be at least 1", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", "must be at least 2")]
    [InlineData("4", "exceeds the 3 participants")]
    public void MinParticipantsOutOfRangeIsRefused(string value, string expected)
    {
        var e = Invalid(Replace(ValidYaml, "min-participants: 2", "min-participants: " + value));
        Assert.Contains(expected, Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void MaxWeightDefaultsToOneAndIsRead()
    {
        Assert.Equal(1, Parse(ValidYaml).MaxWeight);
        Assert.Equal(500, Parse(Replace(ValidYaml, "min-participants: 2", "min-participants: 2\nmax-weight: 500")).MaxWeight);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1000001")]
    public void MaxWeightOutOfRangeSaysTheRange(string value)
    {
        var e = Invalid(Replace(ValidYaml, "min-participants: 2", "min-participants: 2\nmax-weight: " + value));
        Assert.Contains($"max-weight {value} must be in 1..1000000", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryErrorIsCollectedNotOnlyTheFirst()
    {
        string yaml = Replace(ValidYaml, "threshold: 2", "threshold: 9");
        yaml = Replace(yaml, "bits: 16", "bits: 99");
        yaml = Replace(yaml, "delta: 1e-6", "delta: 2");
        yaml = Replace(yaml, "collect: 30m", "collect: soon");
        var e = Invalid(yaml);
        Assert.Equal(4, e.Errors.Length);
        Assert.Contains(e.Errors, m => m.Contains("threshold 9", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.Contains("dp.bits 99 must be between 1 and 62", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.Contains("privacy-budget.delta 2 must be strictly between 0 and 1", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.Contains("deadlines.collect: 'soon' is not a duration", StringComparison.Ordinal));
        Assert.StartsWith("The consortium configuration test.yaml has 4 errors:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateParticipantIdPointsAtTheFirstOccurrence()
    {
        var e = Invalid(Replace(ValidYaml, "id: hospital-c", "id: hospital-a"));
        Assert.True(e.Errors.Length == 1, e.Message);
        Assert.Equal("line 9: participants[2].id 'hospital-a' is listed twice (first at line 4); participant ids must be unique", Assert.Single(e.Errors));
    }

    [Fact]
    public void InvalidParticipantIdIsRefused()
    {
        var e = Invalid(Replace(ValidYaml, "id: hospital-c", "id: \"hospital c/../x\""));
        Assert.Contains("is not a valid participant id", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void ParticipantWithoutCertificateIdentityIsRefused()
    {
        var e = Invalid(Replace(ValidYaml, "    certificate-subject: \"CN=hospital-c\"\n", ""));
        Assert.Contains("('hospital-c') has no certificate identity", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedFingerprintIsRefused()
    {
        var e = Invalid(Replace(ValidYaml, FingerprintB, "abc"));
        Assert.Contains("participants[1].certificate-sha256 must be 64 hexadecimal digits", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void SharedCertificateIsRefusedWhateverItsSpelling()
    {
        var e = Invalid(Replace(ValidYaml, FingerprintB, FingerprintA.ToLowerInvariant()));
        Assert.Contains("is the same as participant 'hospital-a''s", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void SharedSubjectIsRefused()
    {
        var e = Invalid(Replace(ValidYaml, "CN=hospital-c", "CN=hospital-b"));
        Assert.Contains("certificate-subject 'CN=hospital-b' is the same as participant 'hospital-b''s", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingCaFileIsRefusedWithTheResolvedPath()
    {
        var e = Invalid(Replace(ValidYaml, "ca: ca.pem", "ca: missing.pem"));
        Assert.Contains(Path.Combine(_dir, "missing.pem"), Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingRequiredKeysAreEachReported()
    {
        var e = Invalid("consortium: x\n");
        foreach (string key in new[] { "ca:", "participants:", "threshold:", "min-participants:", "deadlines:", "he:", "dp:", "privacy-budget:" })
        {
            Assert.Contains(e.Errors, m => m.Contains(key + " is missing", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void MisspelledKeyIsReportedWithTheKnownKeys()
    {
        var e = Invalid(ValidYaml + "\nthreshhold: 3\n");
        Assert.Contains("unknown key threshhold; expected one of consortium, ca, participants", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownNestedKeyIsReportedWithItsSection()
    {
        var e = Invalid(Replace(ValidYaml, "rounds: 50", "rounds: 50\n  sigma: 3"));
        Assert.Contains("unknown key dp.sigma", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("collect: 0s", "must be longer than zero")]
    [InlineData("collect: 30d", "did you mean minutes")]
    [InlineData("collect: -5m", "is not a duration")]
    public void BadDeadlinesAreRefused(string line, string expected)
    {
        var e = Invalid(Replace(ValidYaml, "collect: 30m", line));
        Assert.Contains(expected, Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("1.5h", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("250ms", 0.25)]
    [InlineData("01:00:00", 3600)]
    public void DurationsAcceptUnitsAndClockForm(string text, double seconds)
    {
        Assert.True(ConsortiumConfigLoader.TryParseDuration(text, out var v));
        Assert.Equal(TimeSpan.FromSeconds(seconds), v);
    }

    [Fact]
    public void NoiseNeedsSigmaOrTargetEpsilon()
    {
        var e = Invalid(Replace(ValidYaml, "  noise-sigma: 2.5\n", ""));
        Assert.Contains("needs noise-sigma: (the noise standard deviation) or target-epsilon:", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void NoiseSigmaAndTargetEpsilonTogetherAreRefused()
    {
        var e = Invalid(Replace(ValidYaml, "noise-sigma: 2.5", "noise-sigma: 2.5\n  target-epsilon: 1"));
        Assert.Contains("gives both noise-sigma: and target-epsilon:", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void TargetEpsilonAboveTheBudgetIsRefused()
    {
        var e = Invalid(Replace(ValidYaml, "noise-sigma: 2.5", "target-epsilon: 9"));
        Assert.Contains("dp.target-epsilon 9 exceeds privacy-budget.epsilon 8", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void TargetEpsilonWithinTheBudgetIsAccepted()
    {
        var c = Parse(Replace(ValidYaml, "noise-sigma: 2.5", "target-epsilon: 4"));
        Assert.Equal(4, c.Dp.TargetEpsilon);
        Assert.Null(c.Dp.NoiseSigma);
    }

    [Theory]
    [InlineData("clip: 1.5", "clip: 0", "dp.clip 0 must be a positive finite L2 norm")]
    [InlineData("clip: 1.5", "clip: 1,5", "is not a number")]
    [InlineData("noise-sigma: 2.5", "noise-sigma: -1", "dp.noise-sigma -1 must be positive")]
    [InlineData("rounds: 50", "rounds: 0", "dp.rounds 0 must be at least 1")]
    [InlineData("bits: 16", "bits: sixteen", "is not a whole number")]
    [InlineData("epsilon: 8", "epsilon: .inf", "privacy-budget.epsilon")]
    [InlineData("epsilon: 8", "epsilon: 0", "privacy-budget.epsilon 0 must be positive")]
    public void BadNumbersAreRefused(string from, string to, string expected)
    {
        var e = Invalid(Replace(ValidYaml, from, to));
        Assert.Contains(expected, Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownHePresetListsTheKnownOnes()
    {
        var e = Invalid(ValidYaml, new HashSet<string> { "bfv-8192", "bfv-32768" });
        Assert.Contains("he.preset 'bfv-16384' is not a known preset; use one of: bfv-32768, bfv-8192", Assert.Single(e.Errors), StringComparison.Ordinal);
        Assert.Equal("bfv-16384", Parse(ValidYaml, new HashSet<string> { "bfv-16384" }).HePreset);
    }

    [Fact]
    public void PostgresStorageNeedsAConnectionString()
    {
        var e = Invalid(ValidYaml + "\nstorage:\n  provider: postgres\n");
        Assert.Contains("provider postgres needs connection-string:", Assert.Single(e.Errors), StringComparison.Ordinal);
        var c = Parse(ValidYaml + "\nstorage:\n  provider: postgres\n  connection-string: Host=db;Database=x\n");
        Assert.Equal(new StorageConfig(StorageProvider.Postgres, null, "Host=db;Database=x"), c.Storage);
    }

    [Fact]
    public void UnknownStorageProviderIsRefused()
    {
        var e = Invalid(ValidYaml + "\nstorage:\n  provider: mysql\n");
        Assert.Contains("storage.provider 'mysql' is unknown; use sqlite or postgres", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidYamlReportsTheLine()
    {
        var e = Invalid("threshold: [1, 2\nca: x\n");
        Assert.Contains("not valid YAML", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void ParticipantsMustBeAList()
    {
        var e = Invalid(Replace(ValidYaml, "participants:\n  - id: hospital-a", "participants: hospital-a\nx:\n  - id: hospital-a"));
        Assert.Contains(e.Errors, m => m.Contains("participants: must be a list", StringComparison.Ordinal));
    }
}

public sealed class RoundPolicyFromConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("secagg-policy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void PolicyTakesEnrolmentThresholdAndDeadlinesFromTheConfiguration()
    {
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), "x");
        var config = ConsortiumConfigLoader.Parse(ConsortiumConfigLoaderTests.ValidYaml, _dir);
        var policy = SecAgg.Aggregator.Rounds.RoundPolicy.FromConfig(config);
        Assert.Equal(["hospital-a", "hospital-b", "hospital-c"], policy.Enrolled.ToArray());
        Assert.Equal(2, policy.MinParticipants);
        Assert.Equal(2, policy.Threshold);
        Assert.Equal(TimeSpan.FromMinutes(30), policy.CollectDeadline);
        Assert.Equal(TimeSpan.FromMinutes(10), policy.DecryptDeadline);
        Assert.True(policy.IsEnrolled("hospital-b"));
        Assert.False(policy.IsEnrolled("hospital-z"));
    }
}
