using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using SecAgg.Aggregator.Service;
using SecAgg.Proto.V1;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// The operator port: standard health and reflection over TLS without a client certificate, the secagg services not
/// reachable there, the mutual-TLS port still refusing clients without certificates, the Prometheus scrape
/// with the metric names, and the OTLP push.
/// </summary>
public sealed class OperatorPortTests
{
    /// <summary>The Prometheus names of every instrument, as /metrics exposes them.</summary>
    public static readonly string[] PrometheusNames =
    [
        "secagg_aggregator_uploads_counted_total", "secagg_aggregator_bytes_received_bytes_total", "secagg_aggregator_decryption_shares_total",
        "secagg_aggregator_refusals_total", "secagg_aggregator_round_duration_seconds", "secagg_aggregator_stage_duration_seconds",
        "secagg_aggregator_decryption_duration_seconds",
        "secagg_aggregator_round_number", "secagg_aggregator_round_stage", "secagg_aggregator_participants",
        "secagg_aggregator_epsilon_spent", "secagg_aggregator_epsilon_budget", "secagg_aggregator_ingest_validate_seconds",
    ];

    private static async Task<TestParticipant[]> RunOneRoundAsync(ServiceHarness h, bool refuseOne = true)
    {
        TestParticipant[] ps = h.Ids.Select(h.Participant).ToArray();
        await h.JoinEpochAsync();

        await h.WaitForStageAsync(1, WireStage.Open);
        if (refuseOne)
        {
            List<CiphertextUploadMessage> bad = await ps[0].EncryptAsync(1, TestParticipant.RandomUpdate(5));
            bad[0] = new CiphertextUploadMessage { Header = new UploadHeader(bad[0].Header) { TotalChunks = 99 } };
            await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => ps[0].SendAsync(bad));
        }

        await h.CompleteRoundAsync(1, ps, seed: 7);
        return ps;
    }

    [Fact]
    public async Task HealthAnswersOnTheOperatorPortWithoutACertificateAndTheSecaggServicesDoNot()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite");
        AggregatorHost host = await h.StartAsync();
        Uri op = host.OperatorAddress!;
        Assert.Equal("https", op.Scheme);
        Assert.NotEqual(host.Port, op.Port);

        // TLS that checks the server against the consortium CA; no client certificate at all.
        using GrpcChannel channel = GrpcChannel.ForAddress(op, new GrpcChannelOptions { HttpHandler = h.OperatorHandler() });
        var health = new Health.HealthClient(channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "secagg.v1.Rounds" })).Status);
        await ServiceHarness.AssertStatusAsync(StatusCode.NotFound, () => health.CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }).ResponseAsync);

        // The secagg services are not served here, not even to be refused.
        await ServiceHarness.AssertStatusAsync(StatusCode.Unimplemented, () => new Proto.V1.Rounds.RoundsClient(channel).GetRoundStatusAsync(new GetRoundStatusRequest()).ResponseAsync);
        await ServiceHarness.AssertStatusAsync(StatusCode.Unimplemented, () => new KeyEpoch.KeyEpochClient(channel).GetEpochInfoAsync(new GetEpochInfoRequest()).ResponseAsync);

        // Reflection lists the standard services and describes the contract.
        using var reflection = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        Assert.True(await reflection.ResponseStream.MoveNext(CancellationToken.None));
        string[] services = [.. reflection.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name)];
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains("secagg.v1.Rounds", services);
        await reflection.RequestStream.CompleteAsync();

        // The mutual-TLS port still refuses a client without a certificate in the handshake. Under TLS 1.3 the server's
        // refusal reaches this plain client either as a closed connection (UNAVAILABLE) or, when the client already sent
        // its HTTP/2 preface, as "the server did not complete the HTTP/2 handshake" (INTERNAL); the participant library
        // turns both into one message (ConnectionFailureHandler). Either way no call got through.
        var refused = await Assert.ThrowsAsync<RpcException>(() => h.Client(null).Health.CheckAsync(new HealthCheckRequest()).ResponseAsync);
        Assert.True(
            refused.StatusCode == StatusCode.Unavailable || (refused.StatusCode == StatusCode.Internal && refused.Status.Detail.Contains("handshake", StringComparison.Ordinal)),
            $"expected the handshake to refuse the call, got {refused.StatusCode}: {refused.Status.Detail}");

        // After shutdown the operator port is closed too.
        await h.StopAsync();
        await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(new HealthCheckRequest()).ResponseAsync);
    }

    [Fact]
    public async Task PrometheusScrapeListsEveryMetricName()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", parties: 2);
        AggregatorHost host = await h.StartAsync();
        await RunOneRoundAsync(h);

        using var http = new HttpClient(h.OperatorHandler());
        string scrape = await http.GetStringAsync(new Uri(host.OperatorAddress!, "/metrics"));
        foreach (string name in PrometheusNames)
        {
            Assert.Contains($"\n{name}", scrape, StringComparison.Ordinal);
        }

        Assert.Contains("secagg_aggregator_uploads_counted_total{", scrape, StringComparison.Ordinal);
        Assert.Matches(@"secagg_aggregator_uploads_counted_total\{[^}]*\} 2\b", scrape);
        Assert.Matches(@"secagg_aggregator_round_stage\{[^}]*stage=""published""[^}]*\} 1\b", scrape);
        Assert.Matches(@"secagg_aggregator_refusals_total\{[^}]*reason=""ParameterMismatch""[^}]*rpc=""UploadCiphertexts""[^}]*status=""InvalidArgument""[^}]*\} 1\b", scrape);
        Assert.Matches(@"secagg_aggregator_stage_duration_seconds_count\{[^}]*stage=""decrypting""[^}]*\} 1\b", scrape);
        Assert.Matches(@"secagg_aggregator_decryption_duration_seconds_count\{[^}]*shares=""added_on_arrival""[^}]*\} 1\b", scrape);
    }

    [Fact]
    public async Task MetricsArePushedOverOtlpAtShutdown()
    {
        // A stand-in collector: OTLP over HTTP posts protobuf to /v1/metrics; the instrument names are plain UTF-8 in it.
        var bodies = new System.Collections.Concurrent.ConcurrentQueue<byte[]>();
        WebApplicationBuilder b = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        b.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1AndHttp2));
        b.Services.AddRoutingCore();
        await using WebApplication collector = b.Build();
        collector.MapPost("/v1/metrics", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            bodies.Enqueue(body.ToArray());
        });
        await collector.StartAsync();
        string address = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", parties: 2);
        h.OtlpEndpoint = new Uri($"{address}/v1/metrics");
        h.OtlpProtocol = OtlpTransport.HttpProtobuf;
        await h.StartAsync();
        await RunOneRoundAsync(h, refuseOne: false);
        await h.StopAsync();

        string pushed = string.Join("\n", bodies.Select(Encoding.UTF8.GetString));
        Assert.Contains("secagg.aggregator.uploads_counted", pushed, StringComparison.Ordinal);
        Assert.Contains("secagg.aggregator.stage.duration", pushed, StringComparison.Ordinal);
        Assert.Contains("secagg-aggregator", pushed, StringComparison.Ordinal); // the service name of the resource
    }
}
