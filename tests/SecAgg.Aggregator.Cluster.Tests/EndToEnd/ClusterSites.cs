using System.Net;
using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Aggregator.Cluster.Tests.EndToEnd;

/// <summary>
/// A consortium folder as <c>secagg consortium init</c> writes it (demo keys, the NOT SECURE test preset, negligible
/// noise, an unbounded budget), silos that serve participants (<see cref="ClusterNode.StartAsync"/>), and the
/// participants' real <see cref="ParticipantClient"/>s, each with its own state folder.
/// </summary>
internal sealed class ClusterSites : IDisposable
{
    public const int Dimension = 700;

    private readonly string _root = Directory.CreateTempSubdirectory("secagg-cluster-e2e-").FullName;

    public ClusterSites(string[] ids, int rounds = 2)
    {
        Ids = ids;
        Files = ConsortiumInitializer.InitializeDemoKeys(new ConsortiumInitOptions(
            Path.Combine(_root, "consortium"), "cluster-e2e", ids, Threshold: ids.Length, MinParticipants: ids.Length, AggregatorHosts: ["localhost"],
            ModelDimension: Dimension, NoiseSigma: 0.0001, TargetEpsilon: null, Rounds: rounds, BudgetEpsilon: 1e300,
            HePreset: ProtocolPresets.InsecureForTestsName, Scheme: HeScheme.Bfv));
        Certificates = Directory.CreateDirectory(Path.Combine(_root, "certificates")).FullName;
        foreach (string id in ids)
        {
            File.Copy(Files.Participants[id].Certificate, Path.Combine(Certificates, id + ".pem"));
        }
    }

    public string[] Ids { get; }

    public ConsortiumLayout Files { get; }

    /// <summary>The folder of the enrolled certificates as ID.pem (what a silo reads).</summary>
    public string Certificates { get; }

    public string Root => _root;

    public static TensorLayout Layout => new([new TensorSpec("weight", [Dimension - 1]), new TensorSpec("bias", [1])]);

    /// <summary>The options of a silo serving participants on a free loopback port.</summary>
    public ClusterNodeOptions Silo(string? postgres = null, string? sqlite = null, string clusterId = "secagg") => new()
    {
        ConsortiumFile = Files.ConsortiumFile,
        CertificatesDirectory = Certificates,
        Postgres = postgres,
        Sqlite = sqlite,
        Partitions = 2,
        SiloPort = NodeProcess.FreePort(),
        GatewayPort = NodeProcess.FreePort(),
        ClusterId = clusterId,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        ServerCertificate = AggregatorHostOptions.LoadCertificate(Files.AggregatorCertificate, Files.AggregatorKey),
        ModelLayout = Layout,
        AllowInsecureParameters = true,
    };

    /// <summary>The participant <paramref name="id"/>'s client: <paramref name="aggregator"/> first, then the alternates.</summary>
    public ParticipantClient Client(string id, Uri aggregator, params Uri[] alternates) => new(new ParticipantClientOptions
    {
        Aggregator = aggregator,
        AlternateAggregators = alternates,
        ClientCertificate = AggregatorHostOptions.LoadCertificate(Files.Participants[id].Certificate, Files.Participants[id].Key!),
        ConsortiumFile = Files.ConsortiumFile,
        StateDirectory = Path.Combine(_root, "state", id),
        ParticipantId = id,
        PollInterval = TimeSpan.FromMilliseconds(100),
        AllowInsecureForTests = true,
        MaxTransientAttempts = 8,
        TransientRetryDelay = TimeSpan.FromMilliseconds(250),

        // A killed silo is declared dead within seconds, longer on a loaded machine: the uploads wait up to ~60 s for it.
        MaxUploadAttempts = 10,
    });

    /// <summary>Participant <paramref name="i"/>'s update in round <paramref name="round"/>.</summary>
    public static float[] Update(int i, ulong round) => [.. Enumerable.Range(0, Dimension).Select(j => (float)(0.01 * Math.Sin((i + 1) * (j + 1) + (double)round)))];

    /// <summary>
    /// Asserts <paramref name="model"/> is the initial model (zeros) plus, for each round so far, the average of that round's
    /// updates (<paramref name="updatesPerRound"/>, oldest first), to the test preset's quantization.
    /// </summary>
    public static void AssertModel(IReadOnlyList<float[][]> updatesPerRound, IReadOnlyList<float> model)
    {
        Assert.Equal(Dimension, model.Count);
        for (int j = 0; j < Dimension; j++)
        {
            double expected = updatesPerRound.Sum(updates => updates.Average(u => (double)u[j]));
            Assert.True(Math.Abs(model[j] - expected) < 2e-3 * updatesPerRound.Count, $"value {j}: {model[j]} vs {expected}");
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A killed silo process may still hold a file for a moment; the temporary folder is left then.
        }
    }
}
