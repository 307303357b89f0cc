using System.CommandLine;
using SecAgg.Cli.Consortium;
using Spectre.Console;

namespace SecAgg.Cli.Commands;

/// <summary><c>secagg consortium init</c>: a CA, the aggregator's and every participant's certificates, and the consortium file.</summary>
internal static class ConsortiumCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var output = new Option<string>("--out") { Description = "Folder to create (must be absent or empty).", Required = true };
        var name = new Option<string>("--name") { Description = "Consortium id.", DefaultValueFactory = _ => "secagg-consortium" };
        var participants = new Option<string[]>("--participants")
        {
            Description = "Participant ids (space or comma separated), or a single number N for hospital-1..hospital-N.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
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

        var init = new Command("init", "Create a consortium CA, certificates for the aggregator and each participant, and consortium.yaml.")
        {
            output, name, participants, threshold, minParticipants, hosts, bits, clip, noise, target, rounds, budget, delta, hePreset, scheme,
        };
        init.SetAction(parse =>
        {
            if (!SecAgg.Protocol.HeSchemeNames.TryParse(parse.GetValue(scheme), out SecAgg.Protocol.HeScheme he))
            {
                return CliErrors.Report(console, [$"--scheme is '{parse.GetValue(scheme)}'; use bfv or ckks."]);
            }

            string[] ids = ParseIds(parse.GetValue(participants) ?? []);
            double? z = parse.GetValue(noise);
            double? eps = parse.GetValue(target) ?? (z is null ? 8.0 : null);
            var options = new ConsortiumInitOptions(
                parse.GetValue(output)!,
                parse.GetValue(name)!,
                ids,
                parse.GetValue(threshold) ?? ids.Length,
                parse.GetValue(minParticipants) ?? ids.Length,
                [.. (parse.GetValue(hosts) ?? []).SelectMany(h => h.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
                parse.GetValue(bits),
                parse.GetValue(clip),
                z,
                eps,
                parse.GetValue(rounds),
                parse.GetValue(budget),
                parse.GetValue(delta),
                parse.GetValue(hePreset)!,
                he);
            IReadOnlyList<string> errors = ConsortiumInitializer.Validate(options);
            if (errors.Count > 0)
            {
                return CliErrors.Report(console, errors);
            }

            ConsortiumLayout layout;
            try
            {
                layout = ConsortiumInitializer.Initialize(options);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return CliErrors.Report(console, [e.Message]);
            }

            var table = new Table().Title($"Consortium '{options.Name}' written to {Path.GetFullPath(options.Directory)}").AddColumns("who", "certificate", "private key (mode 0600)");
            table.AddRow("CA", Markup.Escape(layout.CaCertificate), Markup.Escape(layout.CaKey));
            table.AddRow("aggregator", Markup.Escape(layout.AggregatorCertificate), Markup.Escape(layout.AggregatorKey));
            foreach (var (id, files) in layout.Participants)
            {
                table.AddRow(Markup.Escape(id), Markup.Escape(files.Certificate), Markup.Escape(files.Key));
            }

            console.Write(table);
            console.MarkupLineInterpolated($"Consortium file: [bold]{layout.ConsortiumFile}[/] (threshold {options.Threshold} of {ids.Length}, min-participants {options.MinParticipants}). Keep ca/ca.key offline.");
            return 0;
        });

        return new Command("consortium", "Set up a consortium.") { init };
    }

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
