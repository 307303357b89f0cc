using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Participant.Tests.Client;

/// <summary>A consortium folder with demo keys and the NOT SECURE test preset, the real aggregator on loopback, and participant clients.</summary>
internal static class TestConsortium
{
    /// <summary>Writes the folder (insecure-for-tests-v2, negligible noise, an unbounded budget).</summary>
    public static ConsortiumLayout Init(string root, string[] ids, int dimension, HeScheme scheme = HeScheme.Bfv, int? threshold = null, int rounds = 2) =>
        ConsortiumInitializer.InitializeDemoKeys(new ConsortiumInitOptions(
            Path.Combine(root, "consortium"), "integration", ids, Threshold: threshold ?? ids.Length, MinParticipants: ids.Length, AggregatorHosts: ["localhost"],
            ModelDimension: dimension, NoiseSigma: 0.0001, TargetEpsilon: null, Rounds: rounds, BudgetEpsilon: 1e300,
            HePreset: ProtocolPresets.InsecureForTestsName, Scheme: scheme));

    /// <summary>The layout of <paramref name="dimension"/> values the tests use.</summary>
    public static TensorLayout Layout(int dimension) => new([new TensorSpec("weight", [dimension - 1]), new TensorSpec("bias", [1])]);

    public static Task<AggregatorHost> StartAsync(ConsortiumLayout files, int dimension, System.Net.IPEndPoint? listen = null) => AggregatorHost.StartAsync(new AggregatorHostOptions
    {
        ConfigPath = files.ConsortiumFile,
        ServerCertificate = AggregatorHostOptions.LoadCertificate(files.AggregatorCertificate, files.AggregatorKey),
        ModelLayout = Layout(dimension),
        AllowInsecureParameters = true,
        TickInterval = TimeSpan.FromMilliseconds(50),
        Listen = listen ?? new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
    });

    /// <summary>A participant client with its certificate, the consortium file and its own state folder under <paramref name="root"/>.</summary>
    public static ParticipantClient Client(ConsortiumLayout files, string root, string id, Uri aggregator, int maxTransientAttempts = 5, Microsoft.Extensions.Logging.ILoggerFactory? log = null, Uri[]? alternates = null, Grpc.Core.Interceptors.Interceptor? interceptor = null) =>
        new(new ParticipantClientOptions
        {
            Aggregator = aggregator,
            AlternateAggregators = alternates ?? [],
            ClientCertificate = AggregatorHostOptions.LoadCertificate(files.Participants[id].Certificate, files.Participants[id].Key!),
            ConsortiumFile = files.ConsortiumFile,
            StateDirectory = Path.Combine(root, "state", id),
            ParticipantId = id,
            PollInterval = TimeSpan.FromMilliseconds(50),
            AllowInsecureForTests = true,
            MaxTransientAttempts = maxTransientAttempts,
            TransientRetryDelay = TimeSpan.FromMilliseconds(100),
            LoggerFactory = log,
            TestInterceptor = interceptor,
        });
}
