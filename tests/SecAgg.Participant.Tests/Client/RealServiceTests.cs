using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Protocol;

namespace SecAgg.Participant.Tests.Client;

/// <summary>
/// The participant library against the real aggregator service (AggregatorHost, embedded SQLite) over loopback mTLS,
/// protocol v2: key epoch by signed commit/reveal and sealed dealing, masked uploads with signed commitments, approval of
/// U's list, decryption by a set of t, the published model. N = 3, the NOT SECURE test preset.
/// </summary>
public sealed class RealServiceTests : IDisposable
{
    private const int Dimension = 700;
    private static readonly string[] Ids = ["hospital-1", "hospital-2", "hospital-3"];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "secagg-real-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(HeScheme.Bfv, 3)]
    [InlineData(HeScheme.Ckks, 2)]
    public async Task ThreeParticipantsJoinSubmitApproveDecryptAndFetchTheModelFromTheRealAggregator(HeScheme scheme, int threshold)
    {
        ConsortiumLayout files = TestConsortium.Init(_root, Ids, Dimension, scheme, threshold);
        await using AggregatorHost host = await TestConsortium.StartAsync(files, Dimension);
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(120));
        ParticipantClient[] clients = [.. Ids.Select(id => TestConsortium.Client(files, _root, id, host.Address))];
        try
        {
            JoinResult[] joined = await Task.WhenAll(clients.Select(c => c.JoinAsync(timeout.Token)));
            Assert.Single(joined.Select(j => j.ConsortiumDigest).Distinct());
            Assert.Equal([1, 2, 3], joined.Select(j => j.PartyId));
            float[][] updates = [.. Enumerable.Range(0, Ids.Length).Select(Update)];
            SubmitResult[] submitted = await Task.WhenAll(clients.Select((c, i) => c.SubmitAsync(updates[i], 1, cancellationToken: timeout.Token)));
            Assert.All(submitted, s => Assert.Equal(1UL, s.Round));

            RoundAnswer[] approvals = await Task.WhenAll(clients.Select(c => c.ApproveAsync(1, timeout.Token)));
            Assert.All(approvals, a => Assert.True(a.Done, a.Detail));
            Assert.All(approvals, a => Assert.Equal(3, a.Count));
            RoundAnswer[] answers = await Task.WhenAll(clients.Select(c => c.AnswerDecryptionAsync(1, timeout.Token)));
            Assert.Equal(threshold, answers.Count(a => a.Done));

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
            Dispose(clients);
        }
    }

    [Fact]
    public async Task ARestartedParticipantResumesTheEpochFromItsStateWithoutNewSecretsAndASecondDifferentUpdateIsRefused()
    {
        ConsortiumLayout files = TestConsortium.Init(_root, Ids, Dimension);
        await using AggregatorHost host = await TestConsortium.StartAsync(files, Dimension);
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(120));
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        ParticipantClient[] clients = [.. Ids.Select(id => TestConsortium.Client(files, _root, id, host.Address, log: new ListLoggerFactory(log)))];
        try
        {
            // hospital-3 commits, then "crashes" while it waits for the others' commits: the restarted process resumes from its
            // 0600 state and sends the same commit (a fresh one would be refused as ALREADY_EXISTS and fail the join).
            using (var crash = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token))
            {
                Task<JoinResult> first = clients[2].JoinAsync(crash.Token);
                await WaitUntilAsync(() => log.Any(l => l.Contains("waiting for hospital-1, hospital-2", StringComparison.Ordinal)), timeout.Token);
                Assert.Contains(log, l => l.Contains("1 of 3 commits of key epoch", StringComparison.Ordinal));
                crash.Cancel();
                Exception? stopped = await Record.ExceptionAsync(() => first);
                Assert.True(stopped is OperationCanceledException or Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Cancelled }, stopped?.ToString());
            }

            string state = Path.Combine(_root, "state", Ids[2]);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Directory.EnumerateFiles(state, "epoch-*.state").Single()));
            clients[2].Dispose();
            clients[2] = TestConsortium.Client(files, _root, Ids[2], host.Address, log: new ListLoggerFactory(log));

            Task<JoinResult>[] joining = [.. clients.Select(c => c.JoinAsync(timeout.Token))];
            Task<JoinResult> third = joining[2];
            await Task.WhenAny(third);
            Assert.True(third.IsCompletedSuccessfully, third.Exception?.ToString());
            JoinResult[] joined = await Task.WhenAll(joining);

            Assert.All(joined, j => Assert.True(j.Ready || j.Acknowledged >= 1));
            string keys = Directory.EnumerateFiles(state, "epoch-*.keys").Single();
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keys));
            Assert.Empty(Directory.EnumerateFiles(state, "epoch-*.state"));
            Assert.Contains(log, l => l.Contains("resuming 'hospital-3' from its saved state", StringComparison.Ordinal));

            // Joining again after the epoch completed reads the saved keys: nothing new is drawn or sent.
            byte[] before = File.ReadAllBytes(keys);
            JoinResult again = await clients[2].JoinAsync(timeout.Token);
            Assert.Equal(joined[2].EpochId, again.EpochId);
            Assert.Equal(before, File.ReadAllBytes(keys));

            SubmitResult submitted = await clients[0].SubmitAsync(Update(0), 1, 1, timeout.Token);
            InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() => clients[0].SubmitAsync(Update(1), 1, 1, timeout.Token));
            Assert.Contains($"Round 1 already has an upload from 'hospital-1' (upload id {submitted.UploadId}", refused.Message, StringComparison.Ordinal);
            Assert.Contains("cannot be replaced", refused.Message, StringComparison.Ordinal);
            SubmitResult same = await clients[0].SubmitAsync(Update(0), 1, 1, timeout.Token);
            Assert.Equal(submitted.UploadId, same.UploadId);
            Assert.Equal(0, same.ChunksSent);
        }
        finally
        {
            Dispose(clients);
        }
    }

    [Fact]
    public async Task ARoundBeyondThePlannedRoundsIsRefusedWithTheReasonInsteadOfAWait()
    {
        ConsortiumLayout files = TestConsortium.Init(_root, Ids, Dimension);
        await using AggregatorHost host = await TestConsortium.StartAsync(files, Dimension);
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));
        using ParticipantClient client = TestConsortium.Client(files, _root, Ids[0], host.Address);
        InvalidOperationException e = await Assert.ThrowsAsync<InvalidOperationException>(() => client.SubmitAsync(Update(0), 1, 999, timeout.Token));
        Assert.Contains("Round 999 will not open", e.Message, StringComparison.Ordinal);
        Assert.Contains("plans 2 rounds", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AParticipantWhoseOwnFileDiffersRefusesTheAggregatorNamingBothDigests()
    {
        ConsortiumLayout files = TestConsortium.Init(_root, Ids, Dimension);
        await using AggregatorHost host = await TestConsortium.StartAsync(files, Dimension);
        string own = Path.Combine(_root, "consortium", "own.yaml");
        File.WriteAllText(own, File.ReadAllText(files.ConsortiumFile).Replace("consortium: integration", "consortium: another-study", StringComparison.Ordinal));
        using ParticipantClient client = TestConsortium.Client(files with { ConsortiumFile = own }, _root, Ids[0], host.Address);
        InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(() => client.JoinAsync());
        Assert.Contains("The aggregator serves consortium 'integration' with digest", e.Message, StringComparison.Ordinal);
        Assert.Contains(client.ConsortiumDigest, e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "state", Ids[0]), "epoch-*"));
    }

    private static float[] Update(int i) => [.. Enumerable.Range(0, Dimension).Select(j => (float)(0.01 * Math.Sin(i + j)))];

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken token)
    {
        while (!condition())
        {
            await Task.Delay(20, token);
        }
    }

    private static void Dispose(ParticipantClient[] clients)
    {
        foreach (ParticipantClient c in clients)
        {
            c.Dispose();
        }
    }
}
