using SecAgg.Protocol.Consortium;
using SecAgg.Quantize.Accounting;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Cli.Privacy;

/// <summary>The question <c>secagg privacy plan</c> answers: ε for a given noise multiplier, or the noise multiplier for a target ε.</summary>
/// <param name="Participants">Participants n whose noise shares sum to the round's noise.</param>
/// <param name="Dimension">Model parameters d.</param>
/// <param name="Bits">Bits b per quantized value.</param>
/// <param name="Clip">L2 clip norm c.</param>
/// <param name="Rounds">Rounds R the budget covers.</param>
/// <param name="Delta">δ.</param>
/// <param name="NoiseMultiplier">z (null: search it for <paramref name="TargetEpsilon"/>).</param>
/// <param name="TargetEpsilon">ε over R rounds (null: report ε for <paramref name="NoiseMultiplier"/>).</param>
/// <param name="SamplingRate">Fraction of participants sampled per round (1 = all).</param>
/// <param name="MaxColluders">max-colluders c: participants whose noise the adversary knows; ε counts the n − c others (null: the consortium file's default with t = m = n, i.e. min(1, n − 1)).</param>
internal sealed record PrivacyPlanRequest(int Participants, int Dimension, int Bits, double Clip, int Rounds, double Delta, double? NoiseMultiplier, double? TargetEpsilon, double SamplingRate = 1.0, int? MaxColluders = null)
{
    /// <summary>c as used: the given value, or min(1, n − 1).</summary>
    public int Colluders => MaxColluders ?? ConsortiumConfigLoader.DefaultMaxColluders(threshold: Participants, minParticipants: Participants);

    /// <summary>The DDG literal for a noise multiplier z.</summary>
    public DdgParameterLiteral Literal(double z) => new()
    {
        Bits = Bits,
        ExpectedParticipants = Participants,
        Dimension = Dimension,
        ClipNorm = Clip,
        NoiseMultiplier = z,
    };
}

/// <summary>The answer: the checked DDG parameters, ε after one round and after every round up to R.</summary>
internal sealed record PrivacyPlanResult(DdgParameters Parameters, bool Searched, PrivacySpent PerRound, IReadOnlyList<PrivacySpent> Cumulative)
{
    public PrivacySpent Total => Cumulative[^1];
}

/// <summary>Runs the quantize layer's accountant (<see cref="PrivacyAccountant"/>) for a <see cref="PrivacyPlanRequest"/>.</summary>
internal static class PrivacyPlanner
{
    /// <summary>Every problem with the request, each naming the option to change.</summary>
    public static IReadOnlyList<string> Validate(PrivacyPlanRequest r)
    {
        var errors = new List<string>();
        if (r.Participants < 1)
        {
            errors.Add($"--participants is {r.Participants}; use at least 1.");
        }

        if (r.Dimension < 1)
        {
            errors.Add($"--dimension is {r.Dimension}; use the number of model parameters (>= 1).");
        }

        if (r.Bits is < 2 or > 62)
        {
            errors.Add($"--bits is {r.Bits}; use 2 to 62.");
        }

        if (!(r.Clip > 0) || double.IsInfinity(r.Clip))
        {
            errors.Add($"--clip is {r.Clip}; use a positive L2 norm.");
        }

        if (r.Rounds < 1)
        {
            errors.Add($"--rounds is {r.Rounds}; use at least 1.");
        }

        if (!(r.Delta > 0 && r.Delta < 1))
        {
            errors.Add($"--delta is {r.Delta}; use a number in (0, 1) such as 1e-5.");
        }

        if ((r.NoiseMultiplier is null) == (r.TargetEpsilon is null))
        {
            errors.Add("give exactly one of --noise-multiplier (to get epsilon) and --target-epsilon (to get the noise).");
        }

        if (r.NoiseMultiplier is double z && (!(z > 0) || double.IsInfinity(z)))
        {
            errors.Add($"--noise-multiplier is {z}; use a positive number.");
        }

        if (r.TargetEpsilon is double e && (!(e > 0) || double.IsInfinity(e)))
        {
            errors.Add($"--target-epsilon is {e}; use a positive number.");
        }

        if (r.MaxColluders is int c && (c < 0 || c > r.Participants - 1))
        {
            errors.Add($"--max-colluders is {c}; use 0 to {Math.Max(0, r.Participants - 1)} (at least one of the {r.Participants} participants' noise must be honest).");
        }

        if (!(r.SamplingRate > 0 && r.SamplingRate <= 1))
        {
            errors.Add($"--sampling-rate is {r.SamplingRate}; use a number in (0, 1].");
        }

        return errors;
    }

    /// <summary>Computes the plan.</summary>
    /// <exception cref="ArgumentException">The request is unusable, or the quantize layer refuses the parameters (its message says which knob to turn).</exception>
    public static PrivacyPlanResult Plan(PrivacyPlanRequest request)
    {
        IReadOnlyList<string> errors = Validate(request);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(request));
        }

        bool searched = request.NoiseMultiplier is null;
        double z = request.NoiseMultiplier
            ?? PrivacyAccountant.FindDdgNoiseMultiplier(request.Literal(1.0), request.TargetEpsilon!.Value, request.Delta, request.Rounds, request.SamplingRate, request.Colluders);
        DdgParameters parameters = DdgParameters.Create(request.Literal(z));
        var cumulative = new List<PrivacySpent>(request.Rounds);
        var accountant = new PrivacyAccountant();
        for (int round = 1; round <= request.Rounds; round++)
        {
            accountant.ComposeDdgHonest(parameters, PrivacyAccountant.HonestSummands(request.Participants, request.Colluders), 1, request.SamplingRate);
            cumulative.Add(accountant.GetEpsilon(request.Delta));
        }

        return new PrivacyPlanResult(parameters, searched, cumulative[0], cumulative);
    }
}
