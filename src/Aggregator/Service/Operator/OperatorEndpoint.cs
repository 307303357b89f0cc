using System.Security.Authentication;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Grpc.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.Operator;

/// <summary>
/// The operator port, a second Kestrel server beside the mutual-TLS one, for probes and people on the operator's
/// network: TLS with the aggregator's certificate but without client certificates, HTTP/1.1 and HTTP/2 by ALPN (Kestrel
/// cannot offer cleartext HTTP/1.1 and HTTP/2 on one port, and browsers and Prometheus need HTTP/1.1). It serves the standard
/// <c>grpc.health.v1.Health</c> (the same statuses as the main port: SERVING per service name, NOT_SERVING while
/// shutting down), gRPC server reflection (describing the whole contract; the secagg.v1 services themselves answer only
/// on the mutual-TLS port, here UNIMPLEMENTED), the Prometheus scrape endpoint <c>/metrics</c> and the read-only status
/// page <c>/</c> (where the process holds the rounds: the single-process aggregator). It shares the main host's state;
/// it maps nothing that accepts or changes anything.
/// </summary>
internal static class OperatorEndpoint
{
    /// <summary>Builds the operator server on <see cref="AggregatorHostOptions.OperatorListen"/> over the main host's services.</summary>
    public static WebApplication Build(AggregatorHostOptions options, IServiceProvider main)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        ILoggerFactory loggers = main.GetRequiredService<ILoggerFactory>();
        builder.Services.AddLogging().AddSingleton(loggers).AddRouting();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(options.OperatorListen!, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = options.ServerCertificate,
                    SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    ClientCertificateMode = ClientCertificateMode.NoCertificate,
                });
            });
        });

        // Reflection describes the contract too (grpcurl describe / -protoset-out), though its rpcs are served on the other port.
        Google.Protobuf.Reflection.ServiceDescriptor[] described =
            [Health.Descriptor, KeyEpoch.Descriptor, Proto.V1.Rounds.Descriptor, Grpc.Reflection.V1Alpha.ServerReflection.Descriptor, Grpc.Reflection.V1.ServerReflection.Descriptor];
        builder.Services.AddSingleton(new ReflectionServiceImpl(described)).AddSingleton(new ReflectionV1ServiceImpl(described));
        builder.Services.AddSingleton(main.GetRequiredService<HealthServiceImpl>());
        builder.Services.AddGrpc(g => g.EnableDetailedErrors = false);
        builder.Services.AddGrpcReflection();

        WebApplication app = builder.Build();
        app.MapGrpcService<HealthServiceImpl>();
        app.MapGrpcReflectionService();
        app.MapPrometheusScrapingEndpoint("/metrics", main.GetRequiredService<MeterProvider>(), null, null);
        if (main.GetService<StatusSources>() is not { } sources)
        {
            return app;
        }

        app.MapGet("/", async context =>
        {
            string html = StatusPage.Render(await StatusSnapshot.ReadAsync(sources, context.RequestAborted).ConfigureAwait(false));
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(html, context.RequestAborted).ConfigureAwait(false);
        });
        return app;
    }
}
