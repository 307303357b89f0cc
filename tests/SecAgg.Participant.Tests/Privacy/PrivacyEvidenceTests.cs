using System.Diagnostics;
using System.Text.Json;

namespace SecAgg.Participant.Tests.Privacy;

/// <summary>
/// perf/privacy/run.py --quick: the attack harness against the real `secagg` CLI, once per class; each test pins one
/// verdict of docs/privacy-evidence.md (thresholds in perf/privacy/privacy_evidence/verdicts.py).
/// </summary>
public sealed class PrivacyEvidenceTests(PrivacyEvidenceTests.QuickRun run) : IClassFixture<PrivacyEvidenceTests.QuickRun>
{
    [Fact]
    public void OneHospitalsRawBatchOneUpdateIsReconstructed() => run.AssertHolds("raw_batch1_update_is_reconstructed");

    [Fact]
    public void TheReleasedDpAggregateIsNotReconstructed() => run.AssertHolds("dp_aggregate_is_not_reconstructed");

    [Fact]
    public void TheSameAttackReconstructsFromTheProductsOutputWhenTheNoiseIsNegligible() => run.AssertHolds("attack_reads_the_product_output");

    [Fact]
    public void UploadsLookUniformAndTheAggregatorHoldsNoCopyOfAnUpdate() => run.AssertHolds("uploads_look_uniform_and_hide_the_update");

    [Fact]
    public void MembershipInferenceOnTheDpModelIsWithinTheChanceBand() => run.AssertHolds("membership_on_dp_model_is_at_chance");

    [Fact]
    public void MembershipInferenceOnPlaintextFedAvgIsAboveTheChanceBand() => run.AssertHolds("membership_on_plaintext_model_is_above_chance");

    [Fact]
    public void AFloat64GaussianMechanismHasDistinguishableSupports() => run.AssertHolds("float_mechanism_has_distinguishable_supports");

    /// <summary>Runs the harness in its CI size with the CLI this test project built, and keeps its results.json.</summary>
    public sealed class QuickRun : IDisposable
    {
        private readonly string _out = Path.Combine(Path.GetTempPath(), "secagg-privacy-" + Guid.NewGuid().ToString("N"));
        private readonly JsonElement? _verdicts;
        private readonly string _log;

        public QuickRun()
        {
            string? repo = AppContext.BaseDirectory;
            while (repo is not null && !File.Exists(Path.Combine(repo, "SecAgg.sln")))
            {
                repo = Path.GetDirectoryName(repo.TrimEnd(Path.DirectorySeparatorChar));
            }

            var start = new ProcessStartInfo(PythonReference.Interpreter)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = repo ?? throw new InvalidOperationException("SecAgg.sln not found above the test output folder."),
            };
            foreach (string a in (string[])[Path.Combine(repo, "perf", "privacy", "run.py"), "--quick", "--out", _out,
                         "--secagg", $"dotnet {Path.Combine(AppContext.BaseDirectory, "secagg.dll")}"])
            {
                start.ArgumentList.Add(a);
            }

            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(12)))
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit();
            _log = $"exit {process.ExitCode}\n{stdout.Result}\n{stderr.Result}";
            string results = Path.Combine(_out, "results.json");
            if (process.ExitCode == 0 && File.Exists(results))
            {
                using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(results));
                _verdicts = doc.RootElement.GetProperty("verdicts").Clone();
            }
        }

        public void AssertHolds(string verdict)
        {
            Assert.True(_verdicts.HasValue, "perf/privacy/run.py --quick failed (./test.sh installs python3-torch, -sklearn, -scipy, -matplotlib):\n" + _log);
            JsonElement v = _verdicts.Value.GetProperty(verdict);
            Assert.True(v.GetProperty("holds").GetBoolean(), $"{verdict}: {v.GetProperty("detail").GetString()}");
        }

        public void Dispose()
        {
            if (Directory.Exists(_out))
            {
                Directory.Delete(_out, recursive: true);
            }
        }
    }
}
