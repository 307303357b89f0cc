using System.Security.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// The aggregator's one Kestrel endpoint: HTTP/2 only, TLS 1.3 with the aggregator's certificate, and a client
/// certificate required in the handshake (a client without one is refused there, before any request). Which
/// certificates are accepted is decided per call by <see cref="Api.ParticipantAuthenticator"/> (the chain to the
/// consortium CA, then the pin), so that a certificate from another CA gets a gRPC status that says why, instead of a
/// connection that just closes. Server-wide limits gRPC needs: no request body size limit and no minimum data rates
/// (a stream may pause); HTTP/2 keepalive pings and flow-control windows from the options.
/// </summary>
internal static class ConsortiumEndpoint
{
    public static void Configure(KestrelServerOptions kestrel, AggregatorHostOptions options)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = null;
        kestrel.Limits.MinRequestBodyDataRate = null;
        kestrel.Limits.MinResponseDataRate = null;
        kestrel.Limits.Http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
        kestrel.Limits.Http2.KeepAlivePingDelay = options.KeepAlivePingDelay ?? TimeSpan.MaxValue;
        kestrel.Limits.Http2.KeepAlivePingTimeout = options.KeepAlivePingTimeout;
        if (options.InitialConnectionWindowSize is { } connection)
        {
            kestrel.Limits.Http2.InitialConnectionWindowSize = connection;
        }

        if (options.InitialStreamWindowSize is { } stream)
        {
            kestrel.Limits.Http2.InitialStreamWindowSize = stream;
        }

        kestrel.Listen(options.Listen, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = options.ServerCertificate,
                SslProtocols = SslProtocols.Tls13,
                ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = (certificate, _, _) => certificate is not null,
            });
        });
    }
}
