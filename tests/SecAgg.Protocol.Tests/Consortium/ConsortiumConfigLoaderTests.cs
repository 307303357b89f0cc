using SecAgg.Protocol.Consortium;

namespace SecAgg.Protocol.Tests.Consortium;

public sealed class ConsortiumConfigLoaderTests : IDisposable
{
    internal const string FingerprintA = "3F:2A:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";
    internal const string FingerprintB = "4f2a00112233445566778899aabbccddeeff00112233445566778899aabbccdd";
    internal const string FingerprintC = "5E3B00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDD";
    private readonly string _dir;

    public ConsortiumConfigLoaderTests()
    {
        _dir = Directory.CreateTempSubdirectory("secagg-config-").FullName;
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A valid file (line numbers matter to the tests: threshold is on line 11, he.preset on line 18).</summary>
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
            certificate-sha256: 5E3B00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDD
        threshold: 2
        min-participants: 2
        model-dimension: 1000
        deadlines:
          collect: 30m
          decrypt: "00:10:00"
        he:
          preset: planned-v2
        dp:
          bits: 16
          clip: 1.5
          noise-sigma: 2.5
          rounds: 5
        privacy-budget:
          epsilon: 8
          delta: 1e-6
        """;

    private ConsortiumConfig Parse(string yaml) => ConsortiumConfigLoader.Parse(yaml, _dir, "test.yaml");

    private ConsortiumConfigException Invalid(string yaml) => Assert.Throws<ConsortiumConfigException>(() => Parse(yaml));

    internal static string Replace(string yaml, string from, string to)
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
        Assert.Null(c.Participants[2].CertificateSubject);
        Assert.Equal(Path.Combine(_dir, "ca.pem"), c.CaCertificatePath);
        Assert.Equal(2, c.Threshold);
        Assert.Equal(2, c.MinParticipants);
        Assert.Equal(1, c.MaxColluders);
        Assert.Equal(1000, c.ModelDimension);
        Assert.Equal(new RoundDeadlines(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10)), c.Deadlines);
        Assert.Equal(ProtocolPresets.PlannedName, c.HePreset);
        Assert.Equal(HeScheme.Bfv, c.Scheme);
        Assert.Equal(32768, c.MaxRingDegree);
        Assert.Equal(new DecryptionParameters(40, 65536), c.Decryption);
        Assert.Equal(new DpParameters(16, 1.5, 2.5, null, 5), c.Dp);
        Assert.Equal(new PrivacyBudget(8, 1e-6), c.PrivacyBudget);
        Assert.Equal(new StorageConfig(StorageProvider.Sqlite, Path.Combine(_dir, "aggregator.db"), null), c.Storage);
        Assert.True(c.TryGetParticipant("hospital-b", out var p));
        Assert.Equal("CN=hospital-b", p.CertificateSubject);
        Assert.False(c.TryGetParticipant("HOSPITAL-B", out _));
    }

    [Fact]
    public void TheDescriptorCarriesTheFilesRosterAndParameters()
    {
        var c = Parse(ValidYaml);
        Identity.ConsortiumDescriptor d = c.Descriptor;
        Assert.Equal("heart-study", d.ConsortiumId);
        Assert.Equal(["hospital-a", "hospital-b", "hospital-c"], d.Roster.Select(e => e.ParticipantId));
        Assert.Equal(Convert.FromHexString(FingerprintC), d.Roster[2].CertificateSha256.ToArray());
        Assert.Equal((2, 1, 2, 1000L, 16, 2.5, 5, 8.0, 1e-6, 40, 65536L), (d.Threshold, d.MaxColluders, d.MinParticipants, d.ModelDimension, d.Bits, d.NoiseMultiplier!.Value, d.Rounds, d.EpsilonBudget, d.Delta, d.StatisticalSecurity, d.ShareCap));
        Assert.Same(d, c.Preset.Descriptor);
        Assert.Equal(32, d.Digest.Length);
    }

    [Theory]
    [InlineData("max-colluders: 0")]
    [InlineData("decryption:\n  statistical-security: 41")]
    [InlineData("decryption:\n  share-cap: 65535")]
    [InlineData("max-weight: 2")]
    [InlineData("he:\n  max-ring-degree: 16384")]
    public void EveryReliedOnValueChangesTheConsortiumDigest(string extra)
    {
        string yaml = extra.StartsWith("he:", StringComparison.Ordinal) ? Replace(ValidYaml, "he:\n  preset: planned-v2", extra + "\n  preset: planned-v2") : ValidYaml + "\n" + extra + "\n";
        Assert.NotEqual(Convert.ToHexString(Parse(ValidYaml).Descriptor.Digest.Span), Convert.ToHexString(Parse(yaml).Descriptor.Digest.Span));
    }

    [Fact]
    public void AggregatorOnlyPartsDoNotChangeTheConsortiumDigest()
    {
        string other = Replace(ValidYaml, "collect: 30m", "collect: 2h") + "\nstorage:\n  provider: postgres\n  connection-string: Host=db\n";
        Assert.Equal(Convert.ToHexString(Parse(ValidYaml).Descriptor.Digest.Span), Convert.ToHexString(Parse(other).Descriptor.Digest.Span));
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

    [Theory]
    [InlineData(2, 2, 1)]
    [InlineData(1, 2, 0)]
    [InlineData(3, 3, 1)]
    public void MaxColludersDefaultsToOneCappedByThresholdAndMinParticipants(int t, int m, int expected)
    {
        Assert.Equal(expected, ConsortiumConfigLoader.DefaultMaxColluders(t, m));
        string yaml = Replace(Replace(ValidYaml, "threshold: 2", $"threshold: {t}"), "min-participants: 2", $"min-participants: {m}");
        Assert.Equal(expected, Parse(yaml).MaxColluders);
    }

    [Theory]
    [InlineData("max-colluders: 2", "max-colluders 2 must be at most threshold - 1 = 1")]
    [InlineData("max-colluders: -1", "max-colluders -1 must be 0 or more")]
    public void MaxColludersOutOfRangeSaysWhichNumberToChange(string line, string expected)
    {
        var e = Invalid(ValidYaml + "\n" + line + "\n");
        Assert.Contains(expected, Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void MaxColludersThatLeaveNoHonestSummandInTheSmallestRoundAreRefused()
    {
        string yaml = Replace(ValidYaml, "threshold: 2", "threshold: 3") + "\nmax-colluders: 2\n";
        var e = Invalid(yaml);
        Assert.Contains("max-colluders 2 leaves no honest summand in a round of min-participants = 2 (m - c must be at least 1); raise min-participants or lower max-colluders", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void MaxWeightDefaultsToOneAndIsRead()
    {
        Assert.Equal(1, Parse(ValidYaml).MaxWeight);
        Assert.Equal(500, Parse(ValidYaml + "\nmax-weight: 500\n").MaxWeight);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1000001")]
    public void MaxWeightOutOfRangeSaysTheRange(string value)
    {
        var e = Invalid(ValidYaml + "\nmax-weight: " + value + "\n");
        Assert.Contains($"max-weight {value} must be in 1..1000000", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1073741825")]
    public void ModelDimensionOutOfRangeIsRefused(string value)
    {
        var e = Invalid(Replace(ValidYaml, "model-dimension: 1000", "model-dimension: " + value));
        Assert.Contains($"model-dimension {value} must be in 1..1073741824", Assert.Single(e.Errors), StringComparison.Ordinal);
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
        Assert.Contains(e.Errors, m => m.Contains("dp.bits 99 must be between 2 and 32", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.Contains("privacy-budget.delta 2 must be strictly between 0 and 1", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.Contains("deadlines.collect: 'soon' is not a duration", StringComparison.Ordinal));
        Assert.StartsWith("The consortium configuration test.yaml has 4 errors:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateParticipantIdPointsAtTheFirstOccurrence()
    {
        var e = Invalid(Replace(ValidYaml, "id: hospital-c", "id: hospital-a"));
        Assert.Equal("line 9: participants[2].id 'hospital-a' is listed twice (first at line 4); participant ids must be unique", Assert.Single(e.Errors));
    }

    [Fact]
    public void InvalidParticipantIdIsRefused()
    {
        var e = Invalid(Replace(ValidYaml, "id: hospital-c", "id: \"hospital c/../x\""));
        Assert.Contains("is not a valid participant id", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void ParticipantWithoutPinIsRefused()
    {
        var e = Invalid(Replace(ValidYaml, "    certificate-sha256: " + FingerprintC + "\n", ""));
        Assert.Contains("('hospital-c') has no certificate-sha256:", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void SubjectOnlyParticipantIsRefusedBecauseASubjectNeverAuthenticates()
    {
        var e = Invalid(Replace(ValidYaml, "    certificate-sha256: " + FingerprintB + "\n", ""));
        Assert.Contains("('hospital-b') is identified by certificate-subject only; a subject never authenticates", Assert.Single(e.Errors), StringComparison.Ordinal);
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
    public void MissingCaFileIsRefusedWithTheResolvedPath()
    {
        var e = Invalid(Replace(ValidYaml, "ca: ca.pem", "ca: missing.pem"));
        Assert.Contains(Path.Combine(_dir, "missing.pem"), Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingRequiredKeysAreEachReported()
    {
        var e = Invalid("consortium: x\n");
        foreach (string key in new[] { "ca:", "participants:", "threshold:", "min-participants:", "model-dimension:", "deadlines:", "dp:", "privacy-budget:" })
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
        var e = Invalid(Replace(ValidYaml, "rounds: 5", "rounds: 5\n  sigma: 3"));
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

    [Fact]
    public void ApprovalDeadlineIsReadWhenGiven()
    {
        Assert.Equal(TimeSpan.FromMinutes(3), Parse(Replace(ValidYaml, "collect: 30m", "collect: 30m\n  approve: 3m")).Deadlines.Approve);
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
        Assert.Contains("needs noise-sigma: (the noise multiplier z) or target-epsilon:", Assert.Single(e.Errors), StringComparison.Ordinal);
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
    public void TargetEpsilonWithinTheBudgetCalibratesTheNoiseForTheHonestShares()
    {
        var c = Parse(Replace(ValidYaml, "noise-sigma: 2.5", "target-epsilon: 4"));
        Assert.Equal(4, c.Dp.TargetEpsilon);
        Assert.Null(c.Dp.NoiseSigma);
        Assert.InRange(c.Preset.PlannedEpsilon, 3.9, 4.0);
        var noColluders = Parse(Replace(ValidYaml, "noise-sigma: 2.5", "target-epsilon: 4") + "\nmax-colluders: 0\n");
        Assert.True(noColluders.Preset.DdgSettings.NoiseMultiplier < c.Preset.DdgSettings.NoiseMultiplier, "with a colluder the honest shares must carry more noise");
    }

    [Fact]
    public void PlannedEpsilonOverTheBudgetIsRefusedSayingWhichNumbersToChange()
    {
        var e = Invalid(Replace(ValidYaml, "noise-sigma: 2.5", "noise-sigma: 0.5"));
        string message = Assert.Single(e.Errors);
        Assert.StartsWith("planned ε ", message, StringComparison.Ordinal);
        Assert.Contains("exceeds the budget 8 (5 rounds of 3 uploads with max-colluders c = 1, z = 0.5", message, StringComparison.Ordinal);
        Assert.EndsWith("raise privacy-budget.epsilon, lower dp.rounds, or raise the noise (dp.target-epsilon / dp.noise-sigma)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShareCapBelowThePlannedRoundsChunksIsRefused()
    {
        var e = Invalid(ValidYaml + "\ndecryption:\n  share-cap: 4\n");
        Assert.Contains("decryption.share-cap 4 is below the 5 (round, chunk) pairs of the planned rounds (dp.rounds 5 × 1 chunks per round): raise decryption.share-cap to at least 5 or lower dp.rounds", Assert.Single(e.Errors), StringComparison.Ordinal);
        Assert.Equal(5, Parse(ValidYaml + "\ndecryption:\n  share-cap: 5\n").Decryption.ShareCap);
    }

    [Theory]
    [InlineData("statistical-security: 19", "decryption.statistical-security 19 must be in 20..128")]
    [InlineData("statistical-security: 129", "decryption.statistical-security 129 must be in 20..128")]
    [InlineData("statistical-security: 30", "decryption.statistical-security 30 is below 40, the least the planned parameters accept")]
    [InlineData("share-cap: 0", "decryption.share-cap 0 must be in 1..4294967296")]
    public void DecryptionParametersOutOfRangeAreRefused(string line, string expected)
    {
        var e = Invalid(ValidYaml + "\ndecryption:\n  " + line + "\n");
        Assert.Contains(expected, Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void AStatisticalSecurityBelowFortyIsOnlyForTheInsecureTestPreset()
    {
        var c = Parse(Replace(ValidYaml, "preset: planned-v2", "preset: " + ProtocolPresets.InsecureForTestsName) + "\ndecryption:\n  statistical-security: 20\n");
        Assert.Equal(20, c.Decryption.StatisticalSecurity);
        Assert.True(c.Preset.IsInsecureForTests);
    }

    [Theory]
    [InlineData("1024")]
    [InlineData("65536")]
    [InlineData("3000")]
    public void MaxRingDegreeMustBeAPowerOfTwoWithinThePlannersRange(string value)
    {
        var e = Invalid(Replace(ValidYaml, "preset: planned-v2", "preset: planned-v2\n  max-ring-degree: " + value));
        Assert.Contains($"he.max-ring-degree {value} must be a power of two from 2048 to 32768", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("clip: 1.5", "clip: 0", "dp.clip 0 must be a positive finite L2 norm")]
    [InlineData("clip: 1.5", "clip: 1,5", "is not a number")]
    [InlineData("noise-sigma: 2.5", "noise-sigma: -1", "dp.noise-sigma -1 must be positive")]
    [InlineData("rounds: 5", "rounds: 0", "dp.rounds 0 must be at least 1")]
    [InlineData("bits: 16", "bits: sixteen", "is not a whole number")]
    [InlineData("bits: 16", "bits: 1", "dp.bits 1 must be between 2 and 32")]
    [InlineData("epsilon: 8", "epsilon: .inf", "privacy-budget.epsilon")]
    [InlineData("epsilon: 8", "epsilon: 0", "privacy-budget.epsilon 0 must be positive")]
    public void BadNumbersAreRefused(string from, string to, string expected)
    {
        var e = Invalid(Replace(ValidYaml, from, to));
        Assert.Contains(expected, Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownHePresetNamesTheKnownOnes()
    {
        var e = Invalid(Replace(ValidYaml, "preset: planned-v2", "preset: bfv-planned-b16-v1"));
        Assert.Contains("he.preset 'bfv-planned-b16-v1' is not a known preset; use planned-v2 (the parameters are planned from this file) or insecure-for-tests-v2 (tests only, NOT SECURE)", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void TheHeSectionIsOptionalAndDefaultsToThePlannedPreset()
    {
        var c = Parse(Replace(ValidYaml, "he:\n  preset: planned-v2\n", ""));
        Assert.Equal(ProtocolPresets.PlannedName, c.HePreset);
        Assert.False(c.Preset.IsInsecureForTests);
    }

    [Fact]
    public void AConsortiumNoSecureParameterSetHoldsIsRefusedSayingWhatToChange()
    {
        var e = Invalid(Replace(ValidYaml, "preset: planned-v2", "preset: planned-v2\n  max-ring-degree: 2048"));
        Assert.StartsWith("he: no secure parameter set holds this consortium", Assert.Single(e.Errors), StringComparison.Ordinal);
        Assert.Contains("raise he.max-ring-degree", e.Errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", e.Message, StringComparison.Ordinal);
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
