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
        var inProcess = new Option<bool>("--in-process") { Description = "Run the cryptography in one process without the aggregator service and network (faster; same ciphertexts and shares)." };
        var threads = new Option<bool>("--in-one-process") { Description = "Run the hospitals as clients inside the demo's process instead of one OS process each." };
        var scheme = new Option<string>("--scheme") { Description = "he.scheme: bfv (default) or ckks (the same DP integers as fixed-point CKKS slots; docs/ckks-integration.md).", DefaultValueFactory = _ => "bfv" };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulation (data split, shuffling); never used for secrets.", DefaultValueFactory = _ => 2026 };
        var command = new Command("demo", "Train a breast-cancer classifier across hospitals with secure aggregation and differential privacy, next to the plaintext references.")
        {
            hospitals, rounds, bits, epsilon, delta, clip, alpha, seed, inProcess, threads, scheme,
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
                return await RunAsync(console, options, parse.GetValue(inProcess), !parse.GetValue(threads), token);
            }
            catch (ArgumentException e)
            {
                return CliErrors.Report(console, [e.Message]);
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or InvalidOperationException or InvalidDataException or IOException)
            {
                return CliErrors.Report(console, [e.Message], CliErrors.Failed);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(IAnsiConsole console, DemoOptions options, bool inProcess, bool processes, CancellationToken token)
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
        var he = demo.Scheme.KeyParameters;
        console.MarkupLine(string.Create(ci,
            $"[bold]Encryption[/]: threshold {(options.Scheme == SecAgg.Protocol.HeScheme.Ckks ? "CKKS (DP integers as fixed-point slots, exact rounding checked)" : "BFV")}, ring degree n = {he.RingDegree}, {he.Primes.Count} key primes ({he.KeyModulusBits:F0} bits), {he.WireLimbCount} on the wire ({he.WireModulusBits:F0} bits), " +
            $"{options.Bits}-bit values, {demo.Scheme.ValuesPerCiphertext} values per ciphertext ({demo.Scheme.CiphertextBytes / 1024.0:F1} KiB); any {demo.Threshold} of {options.Hospitals} hospitals decrypt."));
        console.MarkupLine(string.Create(ci,
            $"[bold]Privacy[/]: distributed discrete Gaussian, clip c = {options.Clip}, noise multiplier z = {demo.NoiseMultiplier:G4} (found for ε = {options.Epsilon} over {options.Rounds} rounds, δ = {options.Delta:G2}), " +
            $"γ = {demo.Ddg.Gamma:G3}, σ per hospital = {demo.Ddg.SigmaInt:G4} quantization steps."));

        string stateRoot = Path.Combine(Path.GetTempPath(), "secagg-demo-" + Guid.NewGuid().ToString("N"));
        var rows = new List<DemoRound>();
        string setupLine = "";
        try
        {
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    ProgressTask keys = ctx.AddTask(inProcess ? "key epoch: secret shares, collective key, Shamir shares" : "consortium init, aggregator, key epoch over mTLS", maxValue: 1);
                    ProgressTask progress = ctx.AddTask("rounds", maxValue: options.Rounds);
                    if (inProcess)
                    {
                        SecureConsortium consortium = demo.Setup(stateRoot);
                        keys.Increment(1);
                        setupLine = string.Create(ci, $"Key epoch (in process): {options.Hospitals} secret-key shares kept in 0600 files, collective public key and Shamir shares exchanged: {consortium.SetupBytes / 1024.0:F0} KiB in {consortium.SetupTime.TotalMilliseconds:F0} ms.");
                        foreach (DemoRound round in demo.Run(consortium, s => progress.Description = s))
                        {
                            rows.Add(round);
                            progress.Increment(1);
                        }
                    }
                    else
                    {
                        await using NetworkDemo network = await NetworkDemo.StartAsync(demo, stateRoot, processes, token);
                        keys.Increment(1);
                        setupLine = string.Create(ci, $"Consortium (CA, {options.Hospitals + 1} certificates, consortium.yaml), aggregator with SQLite on {network.Address} (mutual TLS), {options.Hospitals} hospitals ({(network.Processes ? "one OS process each" : "clients in this process")}) joined the key epoch: {network.SetupTime.TotalMilliseconds:F0} ms.");
                        await foreach (DemoRound round in network.RunAsync(s => progress.Description = s, token))
                        {
                            rows.Add(round);
                            progress.Increment(1);
                        }
                    }

                    progress.Description = "rounds";
                });
            console.MarkupLine(Markup.Escape(setupLine));
        }
        finally
        {
            if (Directory.Exists(stateRoot))
            {
                Directory.Delete(stateRoot, recursive: true);
            }
        }

        var table = new Table().Title("Test accuracy per round: secure DP model vs plaintext FedAvg vs hospitals alone")
            .AddColumns("round", "secure + DP", "FedAvg (plaintext)", "hospitals alone (worst .. best)", "ε spent", "decrypted by", inProcess ? "bytes on the wire" : "bytes uploaded", "train", inProcess ? "quantize+encrypt" : "quantize+encrypt+upload", inProcess ? "sum" : "sum+publish", "decrypt", inProcess ? "decode" : "fetch");
        foreach (DemoRound r in rows)
        {
            StageTimes t = r.Detail.Times;
            table.AddRow(
                $"{r.Round}",
                r.Secure.ToString("P1", ci),
                r.FedAvg.ToString("P1", ci),
                $"{(100 * r.Alone.Min()).ToString("F1", ci)}-{(100 * r.Alone.Max()).ToString("F1", ci)} %",
                r.Epsilon.ToString("F2", ci),
                r.Detail.DecryptionSet.Count > 0 ? string.Join(",", r.Detail.DecryptionSet) : $"{demo.Threshold} of {options.Hospitals}",
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
        console.MarkupLine(inProcess ? string.Create(ci,
            $"Per round on the wire: uploads {b.Uploads / 1024.0:F0} KiB, decryption requests (c1) {b.DecryptionRequests / 1024.0:F0} KiB, shares {b.DecryptionShares / 1024.0:F0} KiB, model downloads {b.ModelDownloads / 1024.0:F1} KiB.") : string.Create(ci,
            $"Per round: ciphertext uploads {b.Uploads / 1024.0:F0} KiB, model downloads {b.ModelDownloads / 1024.0:F1} KiB; the aggregator runs unweighted FedAvg over the encrypted updates."));
        console.MarkupLine(string.Create(ci,
            $"[bold]Final[/]: secure DP model {last.Secure:P1} (ε = {last.Epsilon:F2}, δ = {options.Delta:G2}), plaintext FedAvg {last.FedAvg:P1}, hospitals alone {last.Alone.Min():P1} .. {last.Alone.Max():P1}."));
        return 0;
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) + " ms";
}
