using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;

namespace SecAgg.Participant.Client;

/// <summary>
/// A gRPC channel to the aggregator over <see cref="SocketsHttpHandler"/>: HTTP/2 over TLS 1.3 with this participant's
/// client certificate, the aggregator's certificate validated against the consortium CA only, keepalive pings while
/// calls are active, the configured stream window, and connection failures explained
/// (<see cref="AggregatorUnreachableException"/>). Calls made through <see cref="CallInvoker"/> get the default deadline.
/// Given several addresses (the front ends of one aggregator cluster: any of them accepts any call), the channel uses
/// grpc-dotnet's client-side balancing with a static resolver and pick_first: calls go to the first front end that
/// connects, and move to the next when its connection is lost (a call cut off then fails UNAVAILABLE, which the
/// participant's retries and upload resumption ride out).
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
        return Create([aggregator], clientCertificate, certificateAuthority, options);
    }

    /// <summary>Opens a channel to the front ends of one aggregator cluster, tried in order (no connection is made until the first call).</summary>
    /// <param name="aggregators">The front ends' https:// addresses (one or more).</param>
    /// <param name="clientCertificate">This participant's certificate with its private key; null sends none (the aggregator refuses that).</param>
    /// <param name="certificateAuthority">The consortium CA: the only trust anchor for the aggregators' certificates.</param>
    /// <param name="options">HTTP/2 settings; null takes the defaults.</param>
    /// <exception cref="ArgumentException">No address, or one that is not https://.</exception>
    public static AggregatorChannel Create(IReadOnlyList<Uri> aggregators, X509Certificate2? clientCertificate, X509Certificate2 certificateAuthority, AggregatorChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(aggregators);
        ArgumentNullException.ThrowIfNull(certificateAuthority);
        if (aggregators.Count == 0)
        {
            throw new ArgumentException("Give at least one aggregator address.");
        }

        if (aggregators.FirstOrDefault(a => a is not { IsAbsoluteUri: true, Scheme: "https" }) is { } bad)
        {
            throw new ArgumentException($"The aggregator address '{bad.OriginalString}' is not an https:// address such as https://aggregator.example:7443.");
        }

        Uri aggregator = aggregators[0];
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

        var channelOptions = new GrpcChannelOptions
        {
            HttpHandler = new ConnectionFailureHandler(aggregator, clientCertificate, certificateAuthority, sockets),
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
            MaxSendMessageSize = null,
            DisposeHttpClient = true,
        };
        GrpcChannel channel;
        if (aggregators.Count == 1)
        {
            channel = GrpcChannel.ForAddress(aggregator, channelOptions);
        }
        else
        {
            // A static list of front ends, pick_first: the balancer's subchannels connect to each address with its own host
            // name (the TLS name checked against the certificate).
            var resolver = new StaticResolverFactory(_ => [.. aggregators.Select(a => new BalancerAddress(a.Host, a.Port))]);
            channelOptions.Credentials = ChannelCredentials.SecureSsl;
            channelOptions.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new PickFirstConfig() } };
            channelOptions.ServiceProvider = new BalancerServices(resolver);
            channel = GrpcChannel.ForAddress("static:///secagg-aggregator", channelOptions);
        }

        CallInvoker invoker = options.DefaultCallDeadline is { } deadline
            ? channel.Intercept(new DefaultDeadlineInterceptor(deadline))
            : channel.CreateCallInvoker();
        return new AggregatorChannel(channel, invoker);
    }

    /// <inheritdoc />
    public void Dispose() => Channel.Dispose();

    /// <summary>What the channel looks up when it balances: the static resolver; everything else takes grpc-dotnet's defaults.</summary>
    private sealed class BalancerServices(ResolverFactory resolver) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(ResolverFactory) ? resolver
            : serviceType == typeof(IEnumerable<ResolverFactory>) ? new[] { resolver }
            : serviceType.IsConstructedGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>) ? Array.CreateInstance(serviceType.GetGenericArguments()[0], 0)
            : null;
    }
}
