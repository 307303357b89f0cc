namespace SecAgg.Cli.Demo;

/// <summary>The demo's knobs, validated up front.</summary>
/// <param name="Hospitals">Participants in the consortium (each a separate process in the secure run).</param>
/// <param name="Rounds">Federated rounds.</param>
/// <param name="Alpha">Dirichlet concentration of the non-IID label split (smaller is more skewed).</param>
/// <param name="Seed">Seed of the simulation (data split, shuffling); not used for any secret.</param>
internal sealed record DemoOptions(int Hospitals = 5, int Rounds = 10, double Alpha = 0.5, int Seed = 2026)
{
    /// <summary>Returns every problem with the options, each saying what to change; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Hospitals is < 2 or > 20)
        {
            errors.Add($"--hospitals is {Hospitals}; use 2 to 20 (569 rows cannot feed more hospitals with useful local data).");
        }

        if (Rounds is < 1 or > 200)
        {
            errors.Add($"--rounds is {Rounds}; use 1 to 200.");
        }

        if (!(Alpha > 0) || double.IsInfinity(Alpha))
        {
            errors.Add($"--alpha is {Alpha}; use a positive number (0.1 very skewed, 100 nearly IID).");
        }

        return errors;
    }
}
