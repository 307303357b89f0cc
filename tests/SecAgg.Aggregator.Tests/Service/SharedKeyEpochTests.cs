using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using SecAgg.Aggregator.Service;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// The key epoch served by several front ends over one shared store (the silos of a cluster): participants spread over
/// them complete one ceremony, every front end sees every statement, and all derive the same seed.
/// </summary>
public sealed class SharedKeyEpochTests
{
    /// <summary>A Rounds service that holds no rounds: every rpc answers UNIMPLEMENTED (the key epoch is what is tested).</summary>
    internal sealed class NoRounds : Proto.V1.Rounds.RoundsBase;

    public static TheoryData<string> Engines => Support.StoreFactory.Engines;

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task KeyEpochCompletesWithParticipantsSpreadOverTwoFrontEnds(string engine)
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync(engine, parties: 3);
        await using ParticipantFrontEnd a = await h.StartFrontEndAsync<NoRounds>();
        await using ParticipantFrontEnd b = await h.StartFrontEndAsync<NoRounds>();
        var spread = h.Ids.Select((id, i) => (h.Certificates[id], i % 2 == 0 ? a.Address : b.Address)).ToList();
        h.Route = certificate => spread.FirstOrDefault(s => ReferenceEquals(s.Item1, certificate)).Item2;
        IKeyEpochReadiness readyA = a.Services.GetRequiredService<IKeyEpochReadiness>();
        IKeyEpochReadiness readyB = b.Services.GetRequiredService<IKeyEpochReadiness>();
        Assert.Null(await readyA.ReadySeedAsync(CancellationToken.None));

        await h.JoinEpochAsync();

        byte[]? seedA = await readyA.ReadySeedAsync(CancellationToken.None);
        byte[]? seedB = await WaitForSeedAsync(readyB);
        Assert.NotNull(seedA);
        Assert.Equal(seedA, seedB);
        foreach (string id in h.Ids)
        {
            Assert.Equal(seedA, h.Participant(id).Keys.EpochSeed.ToArray());
        }

        // Each front end reports the whole epoch, including the participants that never called it.
        foreach (ParticipantFrontEnd front in new[] { a, b })
        {
            using var client = new TestClient(Support.TestChannel.Create(front.Address, h.Certificates[h.Ids[0]], h.Ca.Certificate));
            EpochInfo info = await client.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest { EpochId = 1 });
            Assert.Equal(KeyEpochStage.Ready, info.Stage);
            Assert.All(info.Participants, p => Assert.True(p.CommitReceived && p.RevealReceived && p.KeySharesAcknowledged && !p.CertificateDer.IsEmpty, p.ParticipantId));
        }
    }

    [Fact]
    public async Task FrontEndWithoutRoundsAnswersUnimplementedWithItsPipeline()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", parties: 3);
        await using ParticipantFrontEnd a = await h.StartFrontEndAsync<NoRounds>();
        using var enrolled = new TestClient(Support.TestChannel.Create(a.Address, h.Certificates[h.Ids[0]], h.Ca.Certificate));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await enrolled.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest()));
        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);

        // The authentication interceptor runs first: a certificate that is not enrolled never reaches the service.
        using var intruder = new TestClient(Support.TestChannel.Create(a.Address, h.Intruder, h.Ca.Certificate));
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await intruder.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest()));
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);

        // Its operator port: health SERVING, the refusal counted in /metrics, no status page (the rounds are not held here).
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(a.OperatorAddress!, new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = h.OperatorHandler() });
        var health = await new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = "secagg.v1.Rounds" });
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        using var http = new HttpClient(h.OperatorHandler());
        string scrape = await http.GetStringAsync(new Uri(a.OperatorAddress!, "/metrics"));
        Assert.Contains("secagg_aggregator_refusals_total", scrape, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync(a.OperatorAddress!)).StatusCode);
    }

    private static async Task<byte[]?> WaitForSeedAsync(IKeyEpochReadiness ready)
    {
        for (int i = 0; i < 100; i++)
        {
            if (await ready.ReadySeedAsync(CancellationToken.None) is { } seed)
            {
                return seed;
            }

            await Task.Delay(100);
        }

        return null;
    }
}
