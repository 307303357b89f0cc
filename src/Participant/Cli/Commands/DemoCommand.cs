using System.CommandLine;
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
        var alpha = new Option<double>("--alpha") { Description = "Dirichlet concentration of the non-IID split (smaller: more skewed).", DefaultValueFactory = _ => 0.5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulation (data split, shuffling).", DefaultValueFactory = _ => 2026 };
        var command = new Command("demo", "Train a breast-cancer classifier across simulated hospitals and compare with the references.")
        {
            hospitals, rounds, alpha, seed,
        };
        command.SetAction(parse =>
        {
            var options = new DemoOptions(parse.GetValue(hospitals), parse.GetValue(rounds), parse.GetValue(alpha), parse.GetValue(seed));
            IReadOnlyList<string> errors = options.Validate();
            if (errors.Count > 0)
            {
                foreach (string error in errors)
                {
                    console.MarkupLineInterpolated($"[red]error:[/] {error}");
                }

                return 2;
            }

            return Run(console, options);
        });
        return command;
    }

    private static int Run(IAnsiConsole console, DemoOptions options)
    {
        var runner = new BaselineRunner(options);
        console.MarkupLineInterpolated(
            $"[bold]Wisconsin Diagnostic Breast Cancer[/]: {runner.Hospitals.Sum(h => h.Count)} training rows over {options.Hospitals} hospitals (non-IID, α = {options.Alpha}), {runner.Test.Count} test rows.");
        var split = new Table().AddColumns("hospital", "rows", "malignant share");
        for (int h = 0; h < runner.Hospitals.Length; h++)
        {
            split.AddRow($"{h + 1}", $"{runner.Hospitals[h].Count}", $"{runner.Hospitals[h].Labels.Average():P0}");
        }

        console.Write(split);
        var table = new Table().Title("Test accuracy per round (plaintext references)").AddColumns("round", "FedAvg (plaintext)", "best hospital alone", "worst hospital alone");
        foreach (BaselineRound round in runner.Run())
        {
            table.AddRow($"{round.Round}", $"{round.FedAvg:P1}", $"{round.Alone.Max():P1}", $"{round.Alone.Min():P1}");
        }

        console.Write(table);
        return 0;
    }
}
