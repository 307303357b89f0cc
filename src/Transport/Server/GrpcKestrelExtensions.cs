using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Transport.Internal;

namespace SecAgg.Transport;

/// <summary>Wires the gRPC transport into an ASP.NET Core / Kestrel application.</summary>
public static class GrpcKestrelExtensions
{
    /// <summary>
    /// Applies the server-wide limits gRPC needs (no request body size limit, no minimum data rates:
    /// a stream may pause) and the HTTP/2 settings of <paramref name="options"/> (flow-control windows,
    /// keepalive pings, concurrent streams).
    /// </summary>
    public static KestrelServerOptions ConfigureForGrpc(this KestrelServerOptions kestrel, GrpcServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = null;
        kestrel.Limits.MinRequestBodyDataRate = null;
        kestrel.Limits.MinResponseDataRate = null;
        kestrel.Limits.Http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
        if (options.InitialConnectionWindowSize is { } cw)
        {
            kestrel.Limits.Http2.InitialConnectionWindowSize = cw;
        }

        if (options.InitialStreamWindowSize is { } sw)
        {
            kestrel.Limits.Http2.InitialStreamWindowSize = sw;
        }

        kestrel.Limits.Http2.KeepAlivePingDelay = options.KeepAlivePingDelay ?? TimeSpan.MaxValue;
        kestrel.Limits.Http2.KeepAlivePingTimeout = options.KeepAlivePingTimeout;
        return kestrel;
    }

    /// <summary>
    /// Makes <paramref name="listen"/> an HTTP/2-only gRPC endpoint: cleartext (h2c, prior knowledge) without a
    /// server certificate, TLS 1.3 with ALPN h2 with one, and mutual TLS against
    /// <see cref="GrpcServerOptions.ClientCertificateAuthority"/> when set.
    /// </summary>
    public static ListenOptions UseGrpcEndpoint(this ListenOptions listen, GrpcServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        listen.Protocols = HttpProtocols.Http2;
        if (options.ServerCertificate is { } serverCertificate)
        {
            var https = new HttpsConnectionAdapterOptions
            {
                ServerCertificate = serverCertificate,
                SslProtocols = SslProtocols.Tls13,
                ClientCertificateMode = ClientCertificateMode.NoCertificate,
            };
            if (options.ClientCertificateAuthority is { } ca)
            {
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (certificate, _, _) => CertificateAuthority.ChainsTo(certificate, ca, X509KeyUsageForPeer.ClientAuthentication);
            }

            listen.UseHttps(https);
        }

        return listen;
    }

    /// <summary>
    /// Answers gRPC requests (content-type <c>application/grpc</c>) with the methods of <paramref name="registry"/>;
    /// other requests go to the next middleware.
    /// </summary>
    public static IApplicationBuilder UseGrpc(this IApplicationBuilder app, GrpcServiceRegistry registry, GrpcServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ILogger logger = app.ApplicationServices.GetService<ILoggerFactory>()?.CreateLogger("SecAgg.Transport.Server") ?? NullLogger.Instance;
        var dispatcher = new GrpcDispatcher(registry, options, logger);
        return app.Use(next => http => dispatcher.InvokeAsync(http, next));
    }
}
