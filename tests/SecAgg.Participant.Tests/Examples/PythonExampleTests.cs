using System.Diagnostics;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Participant.Tests.Examples;

/// <summary>examples/python/train_participant.py: two PyTorch jobs take part in a round through the secagg CLI against the real aggregator.</summary>
public sealed class PythonExampleTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "secagg-python-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task TwoPyTorchJobsTrainAndTakePartThroughTheCli()
    {
        string repo = RepositoryRoot();
        string[] ids = ["hospital-1", "hospital-2"];
        string consortium = Path.Combine(_root, "consortium");
        ConsortiumLayout files = ConsortiumInitializer.InitializeDemoKeys(new ConsortiumInitOptions(
            consortium, "python", ids, 2, 2, ["localhost"], ModelDimension: 31, NoiseSigma: 0.0001, TargetEpsilon: null, Rounds: 1, BudgetEpsilon: 1e300, HePreset: ProtocolPresets.InsecureForTestsName));
        await using AggregatorHost host = await AggregatorHost.StartAsync(new AggregatorHostOptions
        {
            ConfigPath = files.ConsortiumFile,
            ServerCertificate = AggregatorHostOptions.LoadCertificate(files.AggregatorCertificate, files.AggregatorKey),
            ModelLayout = new TensorLayout([new TensorSpec("linear.weight", [1, 30]), new TensorSpec("linear.bias", [1])]),
            AllowInsecureParameters = true,
            TickInterval = TimeSpan.FromMilliseconds(50),
        });

        string cli = SecaggCommand(repo);
        var jobs = ids.Select((id, i) => RunAsync(
            Path.Combine(repo, "examples", "python", "train_participant.py"),
            "--secagg", cli, "--aggregator", host.Address.ToString(), "--id", id, "--consortium", consortium,
            "--shard", $"{i}", "--shards", "2", "--rounds", "1", "--extra=--allow-insecure-for-tests")).ToArray();
        var results = await Task.WhenAll(jobs);

        foreach (var (exit, output) in results)
        {
            Assert.True(exit == 0, output);
            Assert.Matches(@"round 1: global model test accuracy 0\.(8|9)\d\d", output);
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo(PythonReference.Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        // 52 s alone on the 2-core box; 100 s ran out twice at load average ~100 (2026-12-06). A job that hangs still fails,
        // and with its output instead of a bare cancellation.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(300));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(script)} did not finish in 300 s; its output so far:\n{await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string SecaggCommand(string repo)
    {
        string local = Path.Combine(AppContext.BaseDirectory, "secagg.dll");
        if (File.Exists(local) && File.Exists(Path.Combine(AppContext.BaseDirectory, "secagg.runtimeconfig.json")))
        {
            return $"dotnet {local}";
        }

        string configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        return $"dotnet {Path.Combine(repo, "src", "Cli", "bin", configuration, "net10.0", "secagg.dll")}";
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SecAgg.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("SecAgg.sln not found above the test output folder.");
    }
}
