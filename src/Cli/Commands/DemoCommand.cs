using System.CommandLine;
using System.Globalization;
using SecAgg.Cli.Demo;
using Spectre.Console;

namespace SecAgg.Cli.Commands;

/// <summary><c>secagg demo</c>: the README's main job.</summary>
internal static class DemoCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var hospitals = new Option<int>("--hospitals") { Description = "Hospitals in the consortium.", DefaultValueFactory = _ => 5 };
        var rounds = new Option<int>("--rounds") { Description = "Federated rounds.", DefaultValueFactory = _ => 10 };
        var bits = new Option<int>("--bits") { Description = "Bits per quantized value (the encrypted sum wraps mod 2^bits).", DefaultValueFactory = _ => 16 };
        var epsilon = new Option<double>("--epsilon") { Description = "Target epsilon of the released models over all rounds (participant-level DP).", DefaultValueFactory = _ => 8.0 };
        var delta = new Option<double>("--delta") { Description = "DP delta.", DefaultValueFactory = _ => 1e-5 };
        var clip = new Option<double>("--clip") { Description = "L2 clip norm of a hospital's update.", DefaultValueFactory = _ => 0.25 };
        var alpha = new Option<double>("--alpha") { Description = "Dirichlet concentration of the non-IID split (smaller: more skewed).", DefaultValueFactory = _ => 0.5 };
        var threads = new Option<bool>("--in-one-process") { Description = "Run the hospitals as clients inside the demo's process instead of one OS process each." };
        var scheme = new Option<string>("--scheme") { Description = "he.scheme: bfv (default) or ckks (the same DP integers as fixed-point CKKS slots; docs/ckks-integration.md).", DefaultValueFactory = _ => "bfv" };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulation (data split, shuffling); never used for secrets.", DefaultValueFactory = _ => 2026 };
        var command = new Command("demo", "Train a breast-cancer classifier across hospitals with secure aggregation and differential privacy, next to the plaintext references.")
        {
            hospitals, rounds, bits, epsilon, delta, clip, alpha, seed, threads, scheme,
        };
        command.SetAction(async (parse, token) =>
        {
            if (!SecAgg.Protocol.HeSchemeNames.TryParse(parse.GetValue(scheme), out SecAgg.Protocol.HeScheme he))
            {
                return CliErrors.Report(console, [$"--scheme is '{parse.GetValue(scheme)}'; use bfv or ckks."]);
            }

            var options = new DemoOptions(
                parse.GetValue(hospitals), parse.GetValue(rounds), parse.GetValue(alpha), parse.GetValue(seed),
                parse.GetValue(bits), parse.GetValue(epsilon), parse.GetValue(delta), parse.GetValue(clip), he);
            IReadOnlyList<string> errors = options.Validate();
            if (errors.Count > 0)
            {
                return CliErrors.Report(console, errors);
            }

            try
            {
                return await RunAsync(console, options, !parse.GetValue(threads), token);
            }
            catch (ArgumentException e)
            {
                return CliErrors.Report(console, [CliErrors.Describe(e)]);
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or InvalidOperationException or InvalidDataException or IOException or SecAgg.Protocol.Consortium.ConsortiumConfigException)
            {
                return CliErrors.Report(console, [CliErrors.Describe(e)], CliErrors.Failed);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(IAnsiConsole console, DemoOptions options, bool processes, CancellationToken token)
    {
        CultureInfo ci = CultureInfo.InvariantCulture;
        var demo = new SecureDemo(options);
        BaselineRunner baseline = demo.Baseline;
        console.MarkupLineInterpolated(
            $"[bold]Wisconsin Diagnostic Breast Cancer[/]: {baseline.Hospitals.Sum(h => h.Count)} training rows over {options.Hospitals} hospitals (non-IID, α = {options.Alpha}), {baseline.Test.Count} test rows; logistic regression, {demo.Dimension} parameters.");
        var split = new Table().AddColumns("hospital", "rows", "malignant share");
        for (int h = 0; h < baseline.Hospitals.Length; h++)
        {
            split.AddRow($"hospital-{h + 1}", $"{baseline.Hospitals[h].Count}", $"{baseline.Hospitals[h].Labels.Average():P0}");
        }

        console.Write(split);
        string stateRoot = Path.Combine(Path.GetTempPath(), "secagg-demo-" + Guid.NewGuid().ToString("N"));
        var rows = new List<DemoRound>();
        string setupLine = "";
        SecAgg.Protocol.ProtocolPreset? preset = null;
        try
        {
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    ProgressTask keys = ctx.AddTask("consortium init, aggregator, key epoch (signed commit/reveal, sealed dealing) over mTLS", maxValue: 1);
                    ProgressTask progress = ctx.AddTask("rounds", maxValue: options.Rounds);
                    await using NetworkDemo network = await NetworkDemo.StartAsync(demo, stateRoot, processes, token);
                    preset = network.Config.Preset;
                    keys.Increment(1);
                    setupLine = string.Create(ci, $"Consortium (CA, {options.Hospitals + 1} certificates, consortium.yaml with digest {network.Config.Descriptor.FormatDigest()}), aggregator with SQLite on {network.Address} (mutual TLS), {options.Hospitals} hospitals ({(network.Processes ? "one OS process each" : "clients in this process")}) joined the key epoch: {network.SetupTime.TotalMilliseconds:F0} ms.");
                    await foreach (DemoRound round in network.RunAsync(s => progress.Description = s, token))
                    {
                        rows.Add(round);
                        progress.Increment(1);
                    }

                    progress.Description = "rounds";
                });
        }
        finally
        {
            if (Directory.Exists(stateRoot))
            {
                Directory.Delete(stateRoot, recursive: true);
            }
        }

        var he = preset!.Aggregation;
        console.MarkupLine(string.Create(ci,
            $"[bold]Encryption[/] (protocol v2, {preset.Name}): {(options.Scheme == SecAgg.Protocol.HeScheme.Ckks ? "CKKS" : "BFV")} uploads masked under each hospital's own key share, ring degree n = {he.RingDegree}, {he.Primes.Count} primes ({he.ModulusBits:F0} bits), " +
            $"{options.Bits}-bit values, {he.ValuesPerChunk} values per chunk ({he.UploadBytes / 1024.0:F1} KiB)."));
        console.MarkupLine(string.Create(ci,
            $"[bold]Decryption[/]: any {demo.Threshold} of {options.Hospitals} hospitals decrypt, c = {preset.Descriptor.MaxColluders} colluders tolerated; every member of the upload list approves it first."));
        console.MarkupLine(string.Create(ci,
            $"[bold]Privacy[/]: distributed discrete Gaussian, clip c = {options.Clip}, noise multiplier z = {preset.DdgSettings.NoiseMultiplier:G4} (for ε = {options.Epsilon} over {options.Rounds} rounds, δ = {options.Delta:G2}, counting N − c honest noise shares), " +
            $"γ = {preset.Ddg.Gamma:G3}, σ per hospital = {preset.Ddg.SigmaInt:G4} quantization steps."));
        console.MarkupLine(Markup.Escape(setupLine));
        var table = new Table().Title("Test accuracy per round: secure DP model vs plaintext FedAvg vs hospitals alone")
            .AddColumns("round", "secure + DP", "FedAvg (plaintext)", "hospitals alone (worst .. best)", "ε spent", "bytes on the wire", "train", "mask+upload", "sum+publish", "approve+decrypt", "fetch");
        foreach (DemoRound r in rows)
        {
            StageTimes t = r.Detail.Times;
            table.AddRow(
                $"{r.Round}",
                r.Secure.ToString("P1", ci),
                r.FedAvg.ToString("P1", ci),
                $"{(100 * r.Alone.Min()).ToString("F1", ci)}-{(100 * r.Alone.Max()).ToString("F1", ci)} %",
                r.Epsilon.ToString("F2", ci),
                $"{r.Detail.Bytes.Total / 1024.0:F0} KiB",
                Ms(t.Train),
                Ms(t.Encrypt),
                Ms(t.Aggregate),
                Ms(t.Decrypt),
                Ms(t.Decode));
        }

        console.Write(table);
        DemoRound last = rows[^1];
        WireBytes b = last.Detail.Bytes;
        console.MarkupLine(string.Create(ci,
            $"Per round: masked uploads {b.Uploads / 1024.0:F0} KiB, decryption shares {b.DecryptionShares / 1024.0:F0} KiB, model downloads {b.ModelDownloads / 1024.0:F1} KiB; the aggregator runs unweighted FedAvg over the masked updates and never holds a key."));
        console.MarkupLine(string.Create(ci,
            $"[bold]Final[/]: secure DP model {last.Secure:P1} (ε = {last.Epsilon:F2}, δ = {options.Delta:G2}), plaintext FedAvg {last.FedAvg:P1}, hospitals alone {last.Alone.Min():P1} .. {last.Alone.Max():P1}."));
        return 0;
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) + " ms";
}
