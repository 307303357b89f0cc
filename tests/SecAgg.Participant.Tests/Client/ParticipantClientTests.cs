using SecAgg.Crypto.Multiparty;
using SecAgg.Participant.Client;

namespace SecAgg.Participant.Tests.Client;

public sealed class ParticipantClientTests : IDisposable
{
    private const int Dimension = 1200;
    private static readonly string[] Ids = ["hospital-a", "hospital-b", "hospital-c"];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "secagg-client-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task AWholeRoundOverMutualTlsPublishesTheWeightedMeanAndABrokenUploadResumes()
    {
        await using var aggregator = new FakeAggregator(Ids, threshold: 2, Dimension) { BreakFirstUploadAfter = 1 };
        await aggregator.StartAsync();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));
        ParticipantClient[] clients = [.. Ids.Select(id => Client(aggregator, id))];
        try
        {
            JoinResult[] joined = await Task.WhenAll(clients.Select(c => c.JoinAsync(timeout.Token)));
            Assert.Equal([1, 2, 3], joined.Select(j => j.PartyId));
            Assert.All(joined, j => Assert.Equal(joined[0].PublicKeyDigest, j.PublicKeyDigest));

            float[][] updates = [.. Enumerable.Range(0, Ids.Length).Select(i => Enumerable.Range(0, Dimension).Select(j => (float)(0.02 * Math.Cos((i * 7) + j))).ToArray())];
            ulong[] weights = [2, 5, 10];
            SubmitResult[] submitted = await Task.WhenAll(clients.Select((c, i) => c.SubmitAsync(updates[i], weights[i], cancellationToken: timeout.Token)));
            int total = aggregator.Round.TotalChunks;
            Assert.True(total >= 3, $"{total} chunks");
            Assert.Equal(Ids.Length * total, aggregator.ChunksReceived);
            Assert.Equal(2, submitted.Max(s => s.Attempts));

            int[] answered = await Task.WhenAll(clients.Select(c => c.AnswerDecryptionAsync(1, timeout.Token)));
            Assert.All(answered, a => Assert.Equal(total, a));

            GlobalModel model = await clients[1].FetchGlobalModelAsync(cancellationToken: timeout.Token);
            Assert.Equal(1UL, model.ModelVersion);
            double weightSum = weights.Sum(w => (double)w);
            for (int j = 0; j < Dimension; j++)
            {
                double expected = Enumerable.Range(0, Ids.Length).Sum(i => weights[i] * (double)updates[i][j]) / weightSum;
                Assert.True(Math.Abs(model.Values[j] - expected) < 2e-3, $"value {j}: {model.Values[j]} vs {expected}");
            }

            Assert.Equal(["weight", "bias"], model.ToTensors().Select(t => t.Name));
        }
        finally
        {
            foreach (ParticipantClient c in clients)
            {
                c.Dispose();
            }
        }
    }

    [Fact]
    public async Task ARestartedParticipantResendsTheSameShareAndRefusesASecondDecryptionSet()
    {
        await using var aggregator = new FakeAggregator(Ids, threshold: 2, Dimension);
        await aggregator.StartAsync();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));
        ParticipantClient[] clients = [.. Ids.Select(id => Client(aggregator, id))];
        await Task.WhenAll(clients.Select(c => c.JoinAsync(timeout.Token)));
        await Task.WhenAll(clients.Select((c, i) => c.SubmitAsync(new float[Dimension], 1, cancellationToken: timeout.Token)));

        int total = aggregator.Round.TotalChunks;
        Assert.Equal(total, await clients[0].AnswerDecryptionAsync(1, timeout.Token));
        clients[0].Dispose();

        // The process restarts and the aggregator asks again: the same bytes come back, from the ledger.
        using ParticipantClient restarted = Client(aggregator, Ids[0]);
        Assert.Equal(total, await restarted.AnswerDecryptionAsync(1, timeout.Token));
        var mine = aggregator.ShareLog.Where(s => s.Participant == Ids[0]).GroupBy(s => s.Chunk).ToList();
        Assert.Equal(total, mine.Count);
        Assert.All(mine, g => Assert.Equal(g.First().Share, g.Last().Share));
        Assert.All(mine, g => Assert.Equal(2, g.Count()));

        // A second decryption set for the same ciphertexts is refused: no second, different share is ever produced.
        aggregator.DecryptionSet = [Ids[0], Ids[1]];
        await Assert.ThrowsAsync<ShareAlreadyIssuedException>(() => restarted.AnswerDecryptionAsync(1, timeout.Token));
        Assert.Equal(2 * total, aggregator.ShareLog.Count(s => s.Participant == Ids[0]));

        aggregator.DecryptionSet = [.. Ids];
        await Task.WhenAll(clients.Skip(1).Select(c => c.AnswerDecryptionAsync(1, timeout.Token)));
        Assert.NotNull(aggregator.PublishedModel);
        foreach (ParticipantClient c in clients.Skip(1))
        {
            c.Dispose();
        }
    }

    [Fact]
    public async Task AClientFromAnotherConsortiumIsRefusedInTheHandshakeWithAClearReason()
    {
        await using var aggregator = new FakeAggregator(Ids, threshold: 2, Dimension);
        await aggregator.StartAsync();
        using var strangerCa = SecAgg.Security.CertificateAuthority.Create("someone else");
        using var client = new ParticipantClient(new ParticipantClientOptions
        {
            Aggregator = aggregator.Address,
            ClientCertificate = strangerCa.IssueClientCertificate(Ids[0]),
            CertificateAuthority = aggregator.CaCertificate,
            StateDirectory = Path.Combine(_root, "stranger"),
            ParticipantId = Ids[0],
            AllowInsecureForTests = true,
            MaxTransientAttempts = 1,
        });
        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.JoinAsync());
        Assert.Equal(Grpc.Core.StatusCode.Unavailable, e.StatusCode);
        string reason = AggregatorUnreachableException.From(e)?.Message ?? "";
        Assert.Contains("closed the connection during the TLS handshake", reason, StringComparison.Ordinal);
        Assert.Contains("CN=someone else", reason, StringComparison.Ordinal); // names the certificate's issuer
        Assert.DoesNotContain("disposed", e.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    private ParticipantClient Client(FakeAggregator aggregator, string id) => new(new ParticipantClientOptions
    {
        Aggregator = aggregator.Address,
        ClientCertificate = aggregator.IssueClient(id),
        CertificateAuthority = aggregator.CaCertificate,
        StateDirectory = Path.Combine(_root, id),
        ParticipantId = id,
        PollInterval = TimeSpan.FromMilliseconds(50),
        AllowInsecureForTests = true,
    });
}
