using System.CommandLine;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Commands;
using SecAgg.Participant.Tensors;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Participant.Tests.Cli;

public sealed class ParticipantVerbsTests : IDisposable
{
    private readonly string _root = TestConsole.TempDirectory();

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task EnrollInitFromCsrThenJoinSubmitAndFetchThroughTheCliAgainstTheRealAggregator()
    {
        // The real enrollment workflow: each site makes its key and CSR, the coordinator pins the issued certificates.
        string requests = Path.Combine(_root, "requests");
        Directory.CreateDirectory(requests);
        for (int i = 1; i <= 2; i++)
        {
            var enrolled = await Cli(ParticipantCommand.Create, $"participant enroll --id hospital-{i} --out {_root}/site-{i}");
            Assert.True(enrolled.Exit == 0, enrolled.Output);
            File.Copy(Path.Combine(_root, $"site-{i}", $"hospital-{i}.csr"), Path.Combine(requests, $"hospital-{i}.csr"));
        }

        string dir = Path.Combine(_root, "consortium");
        var init = await Cli(ConsortiumCommand.Create,
            $"consortium init --from-csr {requests} --out {dir} --model-dimension 16 --noise-multiplier 0.0001 --rounds 1 --budget-epsilon 1e300 --he-preset {ProtocolPresets.InsecureForTestsName}");
        Assert.True(init.Exit == 0, init.Output);

        var layout = new TensorLayout([new TensorSpec("w", [3, 4]), new TensorSpec("b", [4])]);
        await using AggregatorHost host = await AggregatorHost.StartAsync(new AggregatorHostOptions
        {
            ConfigPath = Path.Combine(dir, "consortium.yaml"),
            ServerCertificate = AggregatorHostOptions.LoadCertificate(Path.Combine(dir, "aggregator", "aggregator.pem"), Path.Combine(dir, "aggregator", "aggregator.key")),
            ModelLayout = layout,
            AllowInsecureParameters = true,
            TickInterval = TimeSpan.FromMilliseconds(50),
        });

        string Common(int i) =>
            $"--aggregator {host.Address} --id hospital-{i} --cert {dir}/participants/hospital-{i}/client.pem --key {_root}/site-{i}/enrollment.key --consortium {dir}/consortium.yaml --state {_root}/state-{i} --allow-insecure-for-tests";

        // Issue 14's friction: a submit before the site joined said nothing and waited at 0 %; now it says what to run.
        string early = Path.Combine(_root, "early.safetensors");
        TensorFile.Write(early, [new NamedTensor("w", [3, 4], new float[12]), new NamedTensor("b", [4], new float[4])]);
        var beforeJoin = await Cli(ParticipantCommand.Create, $"participant submit {Common(1)} --update {early} --no-wait");
        Assert.Equal(1, beforeJoin.Exit);
        Assert.Contains("has not joined the key epoch", beforeJoin.Output, StringComparison.Ordinal);
        Assert.Contains("secagg participant join", beforeJoin.Output, StringComparison.Ordinal);

        var joins = await Task.WhenAll(Cli(ParticipantCommand.Create, $"participant join {Common(1)}"), Cli(ParticipantCommand.Create, $"participant join {Common(2)}"));
        Assert.All(joins, j => Assert.True(j.Exit == 0, j.Output));
        Assert.Contains("Consortium digest:", joins[0].Output, StringComparison.Ordinal);

        for (int i = 1; i <= 2; i++)
        {
            TensorFile.Write(Path.Combine(_root, $"update-{i}.safetensors"), [
                new NamedTensor("w", [3, 4], [.. Enumerable.Range(0, 12).Select(j => 0.01f * i * j)]),
                new NamedTensor("b", [4], [0.05f * i, 0, 0, -0.05f * i])]);
        }

        var submits = await Task.WhenAll(
            Cli(ParticipantCommand.Create, $"participant submit {Common(1)} --update {_root}/update-1.safetensors"),
            Cli(ParticipantCommand.Create, $"participant submit {Common(2)} --update {_root}/update-2.safetensors"));
        Assert.All(submits, s => Assert.True(s.Exit == 0, s.Output));
        Assert.All(submits, s => Assert.Contains("Approval: approved the list of 2 uploads", s.Output, StringComparison.Ordinal));

        var fetched = await Cli(ParticipantCommand.Create, $"participant fetch {Common(1)} --out {_root}/global.npz");
        Assert.True(fetched.Exit == 0, fetched.Output);
        var model = TensorFile.Read(Path.Combine(_root, "global.npz")).ToDictionary(t => t.Name);
        for (int j = 0; j < 12; j++)
        {
            Assert.InRange(model["w"].Values[j], (0.015f * j) - 2e-3, (0.015f * j) + 2e-3);
        }

        Assert.InRange(model["b"].Values[0], 0.075f - 2e-3, 0.075f + 2e-3);

        var again = await Cli(ParticipantCommand.Create, $"participant submit {Common(1)} --update {_root}/update-2.safetensors --round 1 --no-wait");
        Assert.Equal(1, again.Exit);
        Assert.Contains("already has an upload from 'hospital-1'", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParticipantVerbsReportMissingFilesAndBadAddressesWithExitCodeOne()
    {
        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { ParticipantCommand.Create(console) }
            .Parse($"participant join --aggregator https://localhost:1 --id h --cert {_root}/nope.pem --key {_root}/nope.key --consortium {_root}/consortium.yaml --state {_root}/s")
            .InvokeAsync();
        Assert.Equal(1, exit);
        Assert.Contains("does not exist", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorsAPersonReadsCarryNoParameterSuffix()
    {
        var e = Assert.Throws<ArgumentException>(() => TensorFile.Read(Path.Combine(_root, "model.pt")));
        Assert.Contains("(Parameter 'path')", e.Message, StringComparison.Ordinal);
        string shown = CliErrors.Describe(e);
        Assert.DoesNotContain("(Parameter", shown, StringComparison.Ordinal);
        Assert.EndsWith("use .safetensors, .npy or .npz.", shown, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> Cli(Func<Spectre.Console.IAnsiConsole, Command> create, string args)
    {
        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { create(console) }.Parse(args).InvokeAsync();
        return (exit, output.ToString());
    }

    [Fact]
    public async Task AggregatorServeRefusesABadListenAddress()
    {
        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { AggregatorCommand.Create(console) }
            .Parse($"aggregator serve --consortium x.yaml --cert a --key b --model m.npz --listen nowhere")
            .InvokeAsync();
        Assert.Equal(2, exit);
        Assert.Contains("--listen 'nowhere'", output.ToString(), StringComparison.Ordinal);
    }
}
