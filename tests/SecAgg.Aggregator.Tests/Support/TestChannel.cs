using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using SecAgg.Security;

namespace SecAgg.Aggregator.Tests.Support;

/// <summary>A gRPC channel to the aggregator over TLS 1.3 with an optional client certificate, trusting only the consortium CA.</summary>
internal static class TestChannel
{
    public static GrpcChannel Create(Uri address, X509Certificate2? clientCertificate, X509Certificate2 ca)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls13,
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && CertificateAuthority.ChainsTo(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), ca, X509KeyUsageForPeer.ServerAuthentication),
            },
        };
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = null, MaxSendMessageSize = null, DisposeHttpClient = true });
    }
}
