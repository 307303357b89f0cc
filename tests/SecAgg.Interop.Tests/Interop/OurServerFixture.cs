using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using SecAgg.Security;

namespace SecAgg.Interop.Tests.Interop;

/// <summary>
/// Our gRPC server (ASP.NET Core, Grpc.AspNetCore) twice, serving the interop test service: cleartext HTTP/2 (h2c) with
/// gzip responses, and mutual TLS 1.3 that refuses a client certificate not from the test CA in the handshake.
/// </summary>
public sealed class OurServerFixture : IAsyncLifetime
{
    private WebApplication _cleartext = null!;
    private WebApplication _mutualTls = null!;

    internal InteropService Service { get; } = new();

    public TestPki Pki { get; } = new();

    public int CleartextPort { get; private set; }

    public int MutualTlsPort { get; private set; }

    public async Task InitializeAsync()
    {
        (_cleartext, CleartextPort) = await StartAsync(listen => listen.Protocols = HttpProtocols.Http2, compress: true);
        (_mutualTls, MutualTlsPort) = await StartAsync(listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = Pki.Server,
                SslProtocols = SslProtocols.Tls13,
                ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = (certificate, _, _) => CertificateAuthority.ChainsTo(certificate, Pki.Ca.Certificate, X509KeyUsageForPeer.ClientAuthentication),
            });
        }, compress: false);
    }

    public async Task DisposeAsync()
    {
        foreach (WebApplication app in new[] { _cleartext, _mutualTls })
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        Pki.Dispose();
    }

    private async Task<(WebApplication App, int Port)> StartAsync(Action<ListenOptions> endpoint, bool compress)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddLogging();
        builder.Services.AddSingleton(Service);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = 8 << 20;
            if (compress)
            {
                o.ResponseCompressionAlgorithm = "gzip";
            }
        });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0, endpoint);
        });
        WebApplication app = builder.Build();
        app.MapGrpcService<InteropService>();
        await app.StartAsync();
        return (app, new Uri(app.Urls.First()).Port);
    }
}
