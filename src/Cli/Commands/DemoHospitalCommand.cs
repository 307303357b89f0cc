using System.CommandLine;
using SecAgg.Cli.Demo;

namespace SecAgg.Cli.Commands;

/// <summary>The hidden verb the demo starts once per hospital (<see cref="HospitalProcess"/>).</summary>
internal static class DemoHospitalCommand
{
    public static Command Create()
    {
        var consortium = new Option<string>("--consortium") { Required = true };
        var id = new Option<string>("--id") { Required = true };
        var index = new Option<int>("--index") { Required = true };
        var aggregator = new Option<string>("--aggregator") { Required = true };
        var hospitals = new Option<int>("--hospitals") { Required = true };
        var rounds = new Option<int>("--rounds") { Required = true };
        var bits = new Option<int>("--bits") { Required = true };
        var epsilon = new Option<double>("--epsilon") { Required = true };
        var delta = new Option<double>("--delta") { Required = true };
        var clip = new Option<double>("--clip") { Required = true };
        var alpha = new Option<double>("--alpha") { Required = true };
        var seed = new Option<int>("--seed") { Required = true };
        var scheme = new Option<string>("--scheme") { DefaultValueFactory = _ => "bfv" };
        var command = new Command("demo-hospital", "One hospital of `secagg demo` (started by the demo).")
        {
            consortium, id, index, aggregator, hospitals, rounds, bits, epsilon, delta, clip, alpha, seed, scheme,
        };
        command.Hidden = true;
        command.SetAction(async (parse, token) =>
        {
            SecAgg.Protocol.HeSchemeNames.TryParse(parse.GetValue(scheme), out SecAgg.Protocol.HeScheme he);
            var options = new DemoOptions(parse.GetValue(hospitals), parse.GetValue(rounds), parse.GetValue(alpha), parse.GetValue(seed), parse.GetValue(bits), parse.GetValue(epsilon), parse.GetValue(delta), parse.GetValue(clip), he);
            try
            {
                return await HospitalProcess.RunAsync(options, parse.GetValue(consortium)!, parse.GetValue(id)!, parse.GetValue(index), new Uri(parse.GetValue(aggregator)!), Console.Out, token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"{parse.GetValue(id)}: {e.GetType().Name}: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
