namespace SecAgg.Cli.Demo;

/// <summary>The demo's knobs, validated up front.</summary>
/// <param name="Hospitals">Participants in the consortium.</param>
/// <param name="Rounds">Federated rounds.</param>
/// <param name="Alpha">Dirichlet concentration of the non-IID label split (smaller is more skewed).</param>
/// <param name="Seed">Seed of the simulation (data split, shuffling); not used for any secret.</param>
/// <param name="Bits">Bits per quantized value (the sum wraps mod 2^bits).</param>
/// <param name="Epsilon">Target ε of the released models over all <paramref name="Rounds"/> (participant-level DP).</param>
/// <param name="Delta">δ.</param>
/// <param name="Clip">L2 clip norm of a hospital's update.</param>
/// <param name="Scheme">he.scheme of the consortium: BFV (default) or CKKS carrying the same DP integers.</param>
internal sealed record DemoOptions(int Hospitals = 5, int Rounds = 10, double Alpha = 0.5, int Seed = 2026, int Bits = 16, double Epsilon = 8.0, double Delta = 1e-5, double Clip = 0.25, SecAgg.Protocol.HeScheme Scheme = SecAgg.Protocol.HeScheme.Bfv)
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

        if (Bits is < 8 or > 24)
        {
            errors.Add($"--bits is {Bits}; use 8 to 24 (fewer bits wrap the noisy sum, more only cost bandwidth).");
        }

        if (!(Epsilon > 0) || double.IsInfinity(Epsilon))
        {
            errors.Add($"--epsilon is {Epsilon}; use a positive target such as 8.");
        }

        if (!(Delta > 0 && Delta < 1))
        {
            errors.Add($"--delta is {Delta}; use a number in (0, 1) such as 1e-5.");
        }

        if (!(Clip > 0) || double.IsInfinity(Clip))
        {
            errors.Add($"--clip is {Clip}; use a positive L2 norm such as 1.");
        }

        return errors;
    }
}
