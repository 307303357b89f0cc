using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using SecAgg.Quantize.Accounting;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Cli.Demo;

/// <summary>One row of the demo: the secure DP model next to the plaintext references.</summary>
internal sealed record DemoRound(int Round, double Secure, double FedAvg, IReadOnlyList<double> Alone, double Epsilon, SecureRoundResult Detail);

/// <summary>
/// The demo's secure run: plans the HE and DP parameters, runs the key epoch, then R rounds in which each hospital
/// trains on its non-IID share, and the consortium releases a weighted FedAvg model with distributed discrete Gaussian
/// noise, computed under threshold BFV; next to it the plaintext FedAvg and each hospital alone (<see cref="BaselineRunner"/>).
/// </summary>
internal sealed class SecureDemo
{
    private readonly BaselineRunner _baseline;

    public SecureDemo(DemoOptions options)
    {
        Options = options;
        _baseline = new BaselineRunner(options);
        Dimension = LogisticRegression.ParameterCount(_baseline.Test.FeatureCount);
        Layout = new TensorLayout([new TensorSpec("weight", [Dimension - 1]), new TensorSpec("bias", [1])]);
        Threshold = options.Hospitals >= 3 ? options.Hospitals - 1 : options.Hospitals;
        var literal = new DdgParameterLiteral { Bits = options.Bits, ExpectedParticipants = options.Hospitals, Dimension = Dimension, ClipNorm = options.Clip, NoiseMultiplier = 1.0 };
        NoiseMultiplier = PrivacyAccountant.FindDdgNoiseMultiplier(literal, options.Epsilon, options.Delta, options.Rounds);
        Ddg = DdgParameters.Create(literal with { NoiseMultiplier = NoiseMultiplier });
        Plan = ParameterPlanner.Plan(new PlannerRequest { Parties = options.Hospitals, Threshold = Threshold, ValueBits = options.Bits, ExpectedValues = Ddg.PaddedDimension });
        (Scheme, SchemePreset) = options.Scheme == HeScheme.Ckks
            ? (ProtocolPresets.PlannedCkks(options.Hospitals, Threshold, options.Clip, NoiseMultiplier, options.Bits).Scheme, ProtocolPresets.CkksName)
            : (CiphertextScheme.Bfv(Plan.Parameters), ProtocolPresets.PlannedName);
        Weights = [.. _baseline.Hospitals.Select(h => (ulong)Math.Max(1, h.Count))];
    }

    public DemoOptions Options { get; }

    public BaselineRunner Baseline => _baseline;

    public int Dimension { get; }

    public TensorLayout Layout { get; }

    public int Threshold { get; }

    public double NoiseMultiplier { get; }

    public DdgParameters Ddg { get; }

    /// <summary>The BFV plan (used when <see cref="DemoOptions.Scheme"/> is BFV).</summary>
    public ParameterPlan Plan { get; }

    /// <summary>The consortium's ciphertext scheme (BFV from <see cref="Plan"/>, or the CKKS preset).</summary>
    public CiphertextScheme Scheme { get; }

    /// <summary>The HE preset name of <see cref="Scheme"/>.</summary>
    public string SchemePreset { get; }

    public IReadOnlyList<ulong> Weights { get; }

    /// <summary>Runs the key epoch in <paramref name="stateRoot"/> (one 0600 state directory per hospital).</summary>
    public SecureConsortium Setup(string stateRoot) => SecureConsortium.Create(Scheme, stateRoot);

    /// <summary>The rounds, one at a time; <paramref name="stage"/> hears "round r: stage".</summary>
    public IEnumerable<DemoRound> Run(SecureConsortium consortium, Action<string>? stage = null)
    {
        float[] secure = new float[Dimension];
        var accountant = new PrivacyAccountant();
        using IEnumerator<BaselineRound> reference = _baseline.Run().GetEnumerator();
        ulong maxWeight = Weights.Max();
        for (int round = 1; round <= Options.Rounds; round++)
        {
            stage?.Invoke($"round {round}: plaintext references");
            reference.MoveNext();
            BaselineRound plain = reference.Current;

            stage?.Invoke($"round {round}: train, quantize + noise, encrypt, sum, decrypt");
            RoundParameters parameters = RoundParameters.Create(
                (ulong)round, (ulong)(round - 1), 1, Layout, Scheme, SchemePreset, Ddg, $"ddg-b{Options.Bits}-demo", RandomNumberGenerator.GetBytes(32), maxWeight);
            float[] global = secure;
            int r = round;
            int offline = Threshold < Options.Hospitals ? ((round - 1) % Options.Hospitals) + 1 : 0;
            int[] set = [.. Enumerable.Range(1, Options.Hospitals).Where(id => id != offline).Take(Threshold)];
            SecureRoundResult result = consortium.RunRound(
                round, parameters, i => _baseline.Training.ComputeUpdate(_baseline.Hospitals[i], global, r, i), Weights, set);
            float[] next = new float[Dimension];
            for (int j = 0; j < Dimension; j++)
            {
                next[j] = secure[j] + result.Mean[j];
            }

            secure = next;
            accountant.ComposeDdg(Ddg, 1);
            yield return new DemoRound(round, LogisticRegression.Accuracy(secure, _baseline.Test), plain.FedAvg, plain.Alone, accountant.GetEpsilon(Options.Delta).Epsilon, result);
        }
    }
}
