using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;

namespace SecAgg.Participant.Tests.Client;

/// <summary>
/// A warm client checks a key epoch against its own file and admits the pinned certificates once; its later rounds'
/// approvals and decryption answers do not ask the aggregator for the epoch again (a WAN round trip each), and the
/// statements are still checked with the admitted keys (the rounds publish the right mean). A client that asks for a
/// round's model before the round publishes it gets it when it is published (`FetchRoundModelAsync`). Real aggregator, N = 3, the
/// NOT SECURE test preset.
/// </summary>
public sealed class EpochCheckTests : IDisposable
{
    private const int Dimension = 200;
    private static readonly string[] Ids = ["hospital-1", "hospital-2", "hospital-3"];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "secagg-epoch-check-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task AWarmClientsLaterRoundsDoNotAskForTheCheckedEpochAgain()
    {
        ConsortiumLayout files = TestConsortium.Init(_root, Ids, Dimension, rounds: 2);
        await using AggregatorHost host = await TestConsortium.StartAsync(files, Dimension);
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(120));
        var calls = new CallCounter();
        ParticipantClient[] clients = [.. Ids.Select((id, i) => TestConsortium.Client(files, _root, id, host.Address, interceptor: i == 0 ? calls : null))];
        try
        {
            await Task.WhenAll(clients.Select(c => c.JoinAsync(timeout.Token)));
            int afterJoin = calls.Count("GetEpochInfo");
            Assert.True(afterJoin >= 1, "the join checks the epoch");
            float[] first = await RoundAsync(clients, 1, new float[Dimension], timeout.Token);
            int afterFirstRound = calls.Count("GetEpochInfo");
            Assert.True(afterFirstRound - afterJoin <= 1, $"round 1 asked for the epoch {afterFirstRound - afterJoin} times (at most once, for a certificate the join did not see)");
            await RoundAsync(clients, 2, first, timeout.Token);
            Assert.Equal(afterFirstRound, calls.Count("GetEpochInfo"));
            Assert.Equal(2, calls.Count("SubmitApproval"));
        }
        finally
        {
            foreach (ParticipantClient c in clients)
            {
                c.Dispose();
            }
        }
    }

    /// <summary>A round of every client; the published model is the previous one plus the mean of the updates.</summary>
    private static async Task<float[]> RoundAsync(ParticipantClient[] clients, ulong round, float[] previous, CancellationToken ct)
    {
        float[][] updates = [.. clients.Select((_, i) => Enumerable.Range(0, Dimension).Select(j => (float)(0.01 * Math.Sin(i + j + (double)round))).ToArray())];
        await Task.WhenAll(clients.Select((c, i) => c.SubmitAsync(updates[i], 1, round, ct)));
        RoundAnswer[] approvals = await Task.WhenAll(clients.Select(c => c.ApproveAsync(round, ct)));
        Assert.All(approvals, a => Assert.True(a.Done, a.Detail));
        Task<GlobalModel> byRound = clients[1].FetchRoundModelAsync(round, ct); // asked before the round publishes: it waits
        RoundAnswer[] answers = await Task.WhenAll(clients.Select(c => c.AnswerDecryptionAsync(round, ct)));
        Assert.True(answers[0].Done, answers[0].Detail);
        ulong version = await clients[0].WaitForPublicationAsync(round, ct);
        GlobalModel model = await clients[0].FetchGlobalModelAsync(version, ct);
        GlobalModel waited = await byRound;
        Assert.Equal((version, round), (waited.ModelVersion, waited.Round));
        Assert.Equal(model.Values, waited.Values);
        for (int j = 0; j < Dimension; j++)
        {
            double expected = previous[j] + updates.Average(u => (double)u[j]);
            Assert.True(Math.Abs(model.Values[j] - expected) < 2e-3, $"round {round}, value {j}: {model.Values[j]} vs {expected}");
        }

        return model.Values;
    }

    /// <summary>Counts the unary calls one client makes, by method name.</summary>
    private sealed class CallCounter : Interceptor
    {
        private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

        public int Count(string method) => _counts.GetValueOrDefault(method);

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            _counts.AddOrUpdate(context.Method.Name, 1, (_, n) => n + 1);
            return continuation(request, context);
        }
    }
}
