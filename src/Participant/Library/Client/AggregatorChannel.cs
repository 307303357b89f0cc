using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace SecAgg.Participant.Client;

/// <summary>
/// A gRPC channel to the aggregator over <see cref="SocketsHttpHandler"/>: HTTP/2 over TLS 1.3 with this participant's
/// client certificate, the aggregator's certificate validated against the consortium CA only, keepalive pings while
/// calls are active, the configured stream window, and connection failures explained
/// (<see cref="AggregatorUnreachableException"/>). Calls made through <see cref="CallInvoker"/> get the default deadline.
/// </summary>
public sealed class AggregatorChannel : IDisposable
{
    private AggregatorChannel(GrpcChannel channel, CallInvoker invoker)
    {
        Channel = channel;
        CallInvoker = invoker;
    }

    /// <summary>The underlying channel.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>The channel's call invoker with the default deadline applied (for generated clients).</summary>
    public CallInvoker CallInvoker { get; }

    /// <summary>Opens a channel (no connection is made until the first call).</summary>
    /// <param name="aggregator">The aggregator's https:// address.</param>
    /// <param name="clientCertificate">This participant's certificate with its private key; null sends none (the aggregator refuses that).</param>
    /// <param name="certificateAuthority">The consortium CA: the only trust anchor for the aggregator's certificate.</param>
    /// <param name="options">HTTP/2 settings; null takes the defaults.</param>
    public static AggregatorChannel Create(Uri aggregator, X509Certificate2? clientCertificate, X509Certificate2 certificateAuthority, AggregatorChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(aggregator);
        ArgumentNullException.ThrowIfNull(certificateAuthority);
        options ??= new AggregatorChannelOptions();
        var sockets = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls13,
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            },
        };
        if (options.KeepAlivePingDelay is { } delay)
        {
            sockets.KeepAlivePingDelay = delay;
            sockets.KeepAlivePingTimeout = options.KeepAlivePingTimeout;
            sockets.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests;
        }

        if (options.InitialStreamWindowSize is { } window)
        {
            sockets.InitialHttp2StreamWindowSize = window;
        }

        GrpcChannel channel = GrpcChannel.ForAddress(aggregator, new GrpcChannelOptions
        {
            HttpHandler = new ConnectionFailureHandler(aggregator, clientCertificate, certificateAuthority, sockets),
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
            MaxSendMessageSize = null,
            DisposeHttpClient = true,
        });
        CallInvoker invoker = options.DefaultCallDeadline is { } deadline
            ? channel.Intercept(new DefaultDeadlineInterceptor(deadline))
            : channel.CreateCallInvoker();
        return new AggregatorChannel(channel, invoker);
    }

    /// <inheritdoc />
    public void Dispose() => Channel.Dispose();
}
