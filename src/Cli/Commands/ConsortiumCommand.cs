using System.CommandLine;
using SecAgg.Cli.Consortium;
using Spectre.Console;

namespace SecAgg.Cli.Commands;

/// <summary>
/// <c>secagg consortium init --from-csr DIR | --demo-keys</c>: the CA, the aggregator's certificate, the participants'
/// certificates and the consortium file pinning each certificate's SHA-256; <c>secagg consortium sign</c>: one site's
/// certificate from its CSR.
/// </summary>
internal static class ConsortiumCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var output = new Option<string>("--out") { Description = "Folder to create (must be absent or empty).", Required = true };
        var name = new Option<string>("--name") { Description = "Consortium id.", DefaultValueFactory = _ => "secagg-consortium" };
        var participants = new Option<string[]>("--participants")
        {
            Description = "With --demo-keys: participant ids (space or comma separated), or a single number N for hospital-1..hospital-N.",
            AllowMultipleArgumentsPerToken = true,
        };
        var fromCsr = new Option<string?>("--from-csr") { Description = "Folder of the sites' certificate signing requests (<id>.csr from 'secagg participant enroll'): issue and pin their certificates." };
        var demoKeys = new Option<bool>("--demo-keys") { Description = "DEMO AND TESTS ONLY: make every participant's private key here, in one place." };
        var caFolder = new Option<string?>("--ca") { Description = "With --from-csr: an existing CA folder (ca.pem, ca.key) to sign with instead of a new CA." };
        var dimension = new Option<int>("--model-dimension") { Description = "Values in the flattened model update (model-dimension).", Required = true };
        var colluders = new Option<int?>("--max-colluders") { Description = "max-colluders c (default min(1, t - 1, m - 1))." };
        var threshold = new Option<int?>("--threshold") { Description = "Decryption threshold t (default: all participants)." };
        var minParticipants = new Option<int?>("--min-participants") { Description = "Complete uploads needed to decrypt at the deadline (default: all participants)." };
        var hosts = new Option<string[]>("--aggregator-host")
        {
            Description = "DNS names or IP addresses of the aggregator (its certificate's names).",
            DefaultValueFactory = _ => ["localhost"],
            AllowMultipleArgumentsPerToken = true,
        };
        var bits = new Option<int>("--bits") { Description = "Bits per quantized value.", DefaultValueFactory = _ => 16 };
        var clip = new Option<double>("--clip") { Description = "L2 clip norm of an update.", DefaultValueFactory = _ => 1.0 };
        var noise = new Option<double?>("--noise-multiplier") { Description = "DP noise multiplier z (instead of --target-epsilon)." };
        var target = new Option<double?>("--target-epsilon") { Description = "Target epsilon over --rounds (default 8 unless --noise-multiplier is given)." };
        var rounds = new Option<int>("--rounds") { Description = "Rounds the DP parameters are planned for.", DefaultValueFactory = _ => 10 };
        var budget = new Option<double>("--budget-epsilon") { Description = "The consortium's total epsilon budget.", DefaultValueFactory = _ => 10.0 };
        var delta = new Option<double>("--delta") { Description = "DP delta.", DefaultValueFactory = _ => 1e-5 };
        var scheme = new Option<string>("--scheme") { Description = "he.scheme: bfv (exact integers, default) or ckks (fixed-point reals; see docs/ckks-integration.md).", DefaultValueFactory = _ => "bfv" };
        var hePreset = new Option<string>("--he-preset") { Description = "HE parameter preset (tests use the NOT SECURE one).", DefaultValueFactory = _ => SecAgg.Protocol.ProtocolPresets.PlannedName, Hidden = true };

        var init = new Command("init", "Create the consortium folder: CA, aggregator certificate, the participants' certificates (from their CSRs, or --demo-keys), and consortium.yaml pinning each certificate's SHA-256.")
        {
            output, name, fromCsr, caFolder, demoKeys, participants, threshold, minParticipants, colluders, dimension, hosts, bits, clip, noise, target, rounds, budget, delta, hePreset, scheme,
        };
        init.SetAction(parse =>
        {
            if (!SecAgg.Protocol.HeSchemeNames.TryParse(parse.GetValue(scheme), out SecAgg.Protocol.HeScheme he))
            {
                return CliErrors.Report(console, [$"--scheme is '{parse.GetValue(scheme)}'; use bfv or ckks."]);
            }

            string? requests = parse.GetValue(fromCsr);
            bool demo = parse.GetValue(demoKeys);
            if ((requests is null) == !demo)
            {
                return CliErrors.Report(console, ["give exactly one of --from-csr DIR (the sites' CSRs: the real enrollment) and --demo-keys (every key in one place: demo and tests only)."]);
            }

            if (demo && parse.GetValue(caFolder) is not null)
            {
                return CliErrors.Report(console, ["--ca goes with --from-csr; --demo-keys always makes a new CA."]);
            }

            string[] ids = requests is not null ? [.. ReadRequestIds(requests)] : ParseIds(parse.GetValue(participants) ?? []);
            if (demo && ids.Length == 0)
            {
                return CliErrors.Report(console, ["--demo-keys needs --participants (ids, or a number N)."]);
            }

            double? z = parse.GetValue(noise);
            double? eps = parse.GetValue(target) ?? (z is null ? 8.0 : null);
            var options = new ConsortiumInitOptions(
                parse.GetValue(output)!,
                parse.GetValue(name)!,
                ids,
                parse.GetValue(threshold) ?? ids.Length,
                parse.GetValue(minParticipants) ?? ids.Length,
                [.. (parse.GetValue(hosts) ?? []).SelectMany(h => h.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
                parse.GetValue(dimension),
                parse.GetValue(bits),
                parse.GetValue(clip),
                z,
                eps,
                parse.GetValue(rounds),
                parse.GetValue(budget),
                parse.GetValue(delta),
                parse.GetValue(hePreset)!,
                he,
                parse.GetValue(colluders));
            IReadOnlyList<string> errors = ConsortiumInitializer.Validate(options);
            if (errors.Count > 0)
            {
                return CliErrors.Report(console, errors);
            }

            ConsortiumLayout layout;
            try
            {
                layout = demo ? ConsortiumInitializer.InitializeDemoKeys(options) : ConsortiumInitializer.InitializeFromRequests(options, requests!, parse.GetValue(caFolder));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or SecAgg.Protocol.Consortium.ConsortiumConfigException)
            {
                return CliErrors.Report(console, [CliErrors.Describe(e)]);
            }

            var config = SecAgg.Protocol.Consortium.ConsortiumConfigLoader.Load(layout.ConsortiumFile);
            var table = new Table().Title($"Consortium '{options.Name}' written to {Path.GetFullPath(options.Directory)}").AddColumns("who", "certificate", "certificate SHA-256 (pinned)", "private key (mode 0600)");
            table.AddRow("CA", Markup.Escape(layout.CaCertificate), "", Markup.Escape(layout.CaKey));
            table.AddRow("aggregator", Markup.Escape(layout.AggregatorCertificate), "", Markup.Escape(layout.AggregatorKey));
            foreach (var p in config.Participants)
            {
                var files = layout.Participants[p.Id];
                table.AddRow(Markup.Escape(p.Id), Markup.Escape(files.Certificate), p.CertificateSha256, Markup.Escape(files.Key ?? "(kept by the site)"));
            }

            console.Write(table);
            console.MarkupLineInterpolated($"Consortium file: [bold]{layout.ConsortiumFile}[/] (threshold {config.Threshold} of {ids.Length}, max-colluders {config.MaxColluders}, min-participants {config.MinParticipants}); planned ε {config.Preset.PlannedEpsilon:G4} of the budget {config.PrivacyBudget.Epsilon:G4}.");
            console.MarkupLineInterpolated($"Consortium digest: [bold]{config.Descriptor.FormatDigest()}[/]; every site compares it out of band. Keep ca/ca.key offline.");
            if (demo)
            {
                console.MarkupLine("[yellow]DEMO AND TESTS ONLY (--demo-keys): every participant's private key was made here.[/]");
            }

            return 0;
        });

        var caSign = new Option<string>("--ca") { Description = "The CA folder (ca.pem, ca.key).", Required = true };
        var csr = new Option<string>("--csr") { Description = "A site's certificate signing request (from 'secagg participant enroll').", Required = true };
        var certOut = new Option<string?>("--out") { Description = "Where to write the certificate (default: <id>.pem next to the CSR)." };
        var sign = new Command("sign", "Issue a site's enrollment certificate from its CSR and print its SHA-256 (the pin for the consortium file).") { caSign, csr, certOut };
        sign.SetAction(parse =>
        {
            try
            {
                (string id, string path, string sha256) = ConsortiumInitializer.Sign(parse.GetValue(caSign)!, parse.GetValue(csr)!, parse.GetValue(certOut));
                console.MarkupLineInterpolated($"Certificate of '{id}' written to {path}.");
                console.WriteLine($"certificate-sha256: {sha256}");
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return CliErrors.Report(console, [CliErrors.Describe(e)]);
            }
        });

        return new Command("consortium", "Set up a consortium.") { init, sign };
    }

    /// <summary>The participant ids the CSRs of a folder name (their file names, without checking them: init reads each).</summary>
    private static IEnumerable<string> ReadRequestIds(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "*" + ConsortiumInitializer.RequestExtension).Select(Path.GetFileNameWithoutExtension).OfType<string>() : [];

    /// <summary>"3" → hospital-1..hospital-3; otherwise the ids as given (commas allowed).</summary>
    internal static string[] ParseIds(IEnumerable<string> raw)
    {
        string[] tokens = [.. raw.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        if (tokens.Length == 1 && int.TryParse(tokens[0], out int n) && n > 0 && n <= 1000)
        {
            return [.. Enumerable.Range(1, n).Select(i => $"hospital-{i}")];
        }

        return tokens;
    }
}
