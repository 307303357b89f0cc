using System.CommandLine;
using System.Globalization;
using SecAgg.Cli.Privacy;
using Spectre.Console;

namespace SecAgg.Cli.Commands;

/// <summary><c>secagg privacy plan</c>: ε for given DP parameters, or the noise multiplier for a target ε over R rounds.</summary>
internal static class PrivacyCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var participants = new Option<int>("--participants") { Description = "Participants n per round.", DefaultValueFactory = _ => 5 };
        var dimension = new Option<int>("--dimension") { Description = "Model parameters d.", DefaultValueFactory = _ => 31 };
        var bits = new Option<int>("--bits") { Description = "Bits per quantized value.", DefaultValueFactory = _ => 16 };
        var clip = new Option<double>("--clip") { Description = "L2 clip norm c.", DefaultValueFactory = _ => 1.0 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds R.", DefaultValueFactory = _ => 10 };
        var delta = new Option<double>("--delta") { Description = "DP delta.", DefaultValueFactory = _ => 1e-5 };
        var noise = new Option<double?>("--noise-multiplier") { Description = "Noise multiplier z: report the epsilon it gives." };
        var target = new Option<double?>("--target-epsilon") { Description = "Target epsilon over R rounds: report the noise it needs." };
        var rate = new Option<double>("--sampling-rate") { Description = "Fraction of participants sampled per round.", DefaultValueFactory = _ => 1.0 };
        var colluders = new Option<int?>("--max-colluders") { Description = "max-colluders c: participants whose noise the aggregator may know; epsilon counts only the n - c others (default min(1, n - 1), as in the consortium file)." };
        var plan = new Command("plan", "Epsilon for given parameters, or the noise for a target epsilon (distributed discrete Gaussian accountant).")
        {
            participants, dimension, bits, clip, rounds, delta, noise, target, rate, colluders,
        };
        plan.SetAction(parse =>
        {
            var request = new PrivacyPlanRequest(
                parse.GetValue(participants), parse.GetValue(dimension), parse.GetValue(bits), parse.GetValue(clip),
                parse.GetValue(rounds), parse.GetValue(delta), parse.GetValue(noise), parse.GetValue(target), parse.GetValue(rate), parse.GetValue(colluders));
            IReadOnlyList<string> errors = PrivacyPlanner.Validate(request);
            if (errors.Count > 0)
            {
                return CliErrors.Report(console, errors);
            }

            PrivacyPlanResult result;
            try
            {
                result = PrivacyPlanner.Plan(request);
            }
            catch (ArgumentException e)
            {
                return CliErrors.Report(console, [CliErrors.Describe(e)]);
            }

            Print(console, request, result);
            return 0;
        });
        return new Command("privacy", "Differential-privacy planning.") { plan };
    }

    private static void Print(IAnsiConsole console, PrivacyPlanRequest request, PrivacyPlanResult result)
    {
        CultureInfo ci = CultureInfo.InvariantCulture;
        var p = result.Parameters;
        var table = new Table().Title("Distributed discrete Gaussian plan").AddColumns("quantity", "value");
        table.AddRow(result.Searched ? "noise multiplier z (found)" : "noise multiplier z", p.NoiseMultiplier.ToString("G6", ci));
        table.AddRow("participants n, dimension d (padded)", $"{p.ExpectedParticipants}, {p.Dimension} ({p.PaddedDimension})");
        table.AddRow("max-colluders c (epsilon counts n - c honest noise shares)", $"{request.Colluders} ({request.Participants - request.Colluders} honest)");
        table.AddRow("bits b, clip c", $"{p.Bits}, {p.ClipNorm.ToString("G6", ci)}");
        table.AddRow("gamma (quantization step)", p.Gamma.ToString("G6", ci));
        table.AddRow("sigma per participant (model units / integer units)", $"{p.SigmaLocal.ToString("G6", ci)} / {p.SigmaInt.ToString("G6", ci)}");
        table.AddRow($"epsilon after 1 round (delta {request.Delta.ToString("G3", ci)})", result.PerRound.Epsilon.ToString("G6", ci));
        table.AddRow($"epsilon after {request.Rounds} rounds", result.Total.Epsilon.ToString("G6", ci));
        console.Write(table);
        console.WriteLine(FormattableString.Invariant($"epsilon = {result.Total.Epsilon:G6} over {request.Rounds} rounds at delta = {request.Delta:G3}, noise multiplier z = {p.NoiseMultiplier:G6}, max-colluders c = {request.Colluders}"));
    }
}
