using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Participant.Tests.Client;

/// <summary>The participant client against the real aggregator service (AggregatorHost, embedded SQLite) over loopback mTLS, set up by consortium init.</summary>
public sealed class RealServiceTests : IDisposable
{
    private const int Dimension = 700;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "secagg-real-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(HeScheme.Bfv, 3)]
    [InlineData(HeScheme.Ckks, 2)]
    public async Task ThreeParticipantsJoinSubmitDecryptAndFetchTheModelFromTheRealAggregator(HeScheme scheme, int threshold)
    {
        string[] ids = ["hospital-1", "hospital-2", "hospital-3"];
        ConsortiumLayout files = ConsortiumInitializer.Initialize(new ConsortiumInitOptions(
            Path.Combine(_root, "consortium"), "integration", ids, Threshold: threshold, MinParticipants: 3, AggregatorHosts: ["localhost"],
            NoiseSigma: 0.0001, TargetEpsilon: null, Rounds: 1, BudgetEpsilon: 1e300, HePreset: ProtocolPresets.InsecureForTestsName, Scheme: scheme));
        var layout = new TensorLayout([new TensorSpec("weight", [Dimension - 1]), new TensorSpec("bias", [1])]);
        await using AggregatorHost host = await AggregatorHost.StartAsync(new AggregatorHostOptions
        {
            ConfigPath = files.ConsortiumFile,
            ServerCertificate = AggregatorHostOptions.LoadCertificate(files.AggregatorCertificate, files.AggregatorKey),
            ModelLayout = layout,
            AllowInsecureParameters = true,
            TickInterval = TimeSpan.FromMilliseconds(50),
        });

        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(90));
        ParticipantClient[] clients = [.. ids.Select(id => new ParticipantClient(new ParticipantClientOptions
        {
            Aggregator = host.Address,
            ClientCertificate = AggregatorHostOptions.LoadCertificate(files.Participants[id].Certificate, files.Participants[id].Key),
            CertificateAuthority = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(files.CaCertificate)),
            StateDirectory = Path.Combine(_root, "state", id),
            ParticipantId = id,
            PollInterval = TimeSpan.FromMilliseconds(50),
            AllowInsecureForTests = true,
        }))];
        try
        {
            await Task.WhenAll(clients.Select(c => c.JoinAsync(timeout.Token)));
            float[][] updates = [.. Enumerable.Range(0, ids.Length).Select(i => Enumerable.Range(0, Dimension).Select(j => (float)(0.01 * Math.Sin(i + j))).ToArray())];
            SubmitResult[] submitted = await Task.WhenAll(clients.Select((c, i) => c.SubmitAsync(updates[i], 1, cancellationToken: timeout.Token)));
            Assert.All(submitted, s => Assert.Equal(1UL, s.Round));
            await Task.WhenAll(clients.Select(c => c.AnswerDecryptionAsync(1, timeout.Token)));

            Assert.Equal(1UL, await clients[2].WaitForPublicationAsync(1, timeout.Token));
            GlobalModel model = await clients[0].FetchGlobalModelAsync(cancellationToken: timeout.Token);
            Assert.Equal(1UL, model.ModelVersion);
            for (int j = 0; j < Dimension; j++)
            {
                double expected = updates.Average(u => (double)u[j]);
                Assert.True(Math.Abs(model.Values[j] - expected) < 2e-3, $"value {j}: {model.Values[j]} vs {expected}");
            }
        }
        finally
        {
            foreach (ParticipantClient c in clients)
            {
                c.Dispose();
            }
        }
    }
}
