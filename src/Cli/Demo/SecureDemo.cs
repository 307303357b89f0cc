using SecAgg.Cli.Consortium;
using SecAgg.Protocol;
using SecAgg.Protocol.Consortium;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Cli.Demo;

/// <summary>
/// The demo's plan: the data split (<see cref="BaselineRunner"/>), the model layout, and the consortium that
/// <see cref="WriteConsortium"/> sets up for it: N hospitals, t = N − 1 (N for two), m = N, the DP noise calibrated to
/// the target ε over the rounds, the planned-v2 aggregation parameters. The network run is <see cref="NetworkDemo"/>.
/// </summary>
internal sealed class SecureDemo
{
    public SecureDemo(DemoOptions options)
    {
        Options = options;
        Baseline = new BaselineRunner(options);
        Dimension = LogisticRegression.ParameterCount(Baseline.Test.FeatureCount);
        Layout = new TensorLayout([new TensorSpec("weight", [Dimension - 1]), new TensorSpec("bias", [1])]);
        Threshold = options.Hospitals >= 3 ? options.Hospitals - 1 : options.Hospitals;
        Ids = [.. Enumerable.Range(1, options.Hospitals).Select(i => $"hospital-{i}")];
    }

    public DemoOptions Options { get; }

    public BaselineRunner Baseline { get; }

    public int Dimension { get; }

    public TensorLayout Layout { get; }

    public int Threshold { get; }

    public IReadOnlyList<string> Ids { get; }

    /// <summary>
    /// Writes the demo's consortium folder with <see cref="ConsortiumInitializer.InitializeDemoKeys"/> (every key in one
    /// place: acceptable for a demo on one machine, never for a real consortium) and loads its file back.
    /// </summary>
    public (ConsortiumLayout Files, ConsortiumConfig Config) WriteConsortium(string directory)
    {
        DemoOptions o = Options;
        ConsortiumLayout files = ConsortiumInitializer.InitializeDemoKeys(new ConsortiumInitOptions(
            directory, "wdbc-demo", [.. Ids], Threshold, o.Hospitals, ["localhost"], Dimension,
            Bits: o.Bits, Clip: o.Clip, NoiseSigma: null, TargetEpsilon: o.Epsilon, Rounds: o.Rounds, BudgetEpsilon: o.Epsilon, Delta: o.Delta,
            HePreset: ProtocolPresets.PlannedName, Scheme: o.Scheme));
        return (files, ConsortiumConfigLoader.Load(files.ConsortiumFile));
    }

    /// <summary>ε spent after <paramref name="rounds"/> published rounds of N uploads each (counting N − c honest noise shares).</summary>
    public static double EpsilonAfter(ProtocolPreset preset, int rounds) =>
        RoundPrivacy.ComposedEpsilon(preset, [.. Enumerable.Repeat(preset.Descriptor.ParticipantCount, rounds)]);
}
