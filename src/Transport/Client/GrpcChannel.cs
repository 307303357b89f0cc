using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using SecAgg.Transport.Internal;

namespace SecAgg.Transport;

/// <summary>
/// A connection to a gRPC server over HTTP/2 (<see cref="SocketsHttpHandler"/>): <c>http://</c> is
/// cleartext HTTP/2 with prior knowledge, <c>https://</c> is TLS with ALPN h2 (mutual when a client
/// certificate is set). Thread-safe; share one per server.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly HttpMessageInvoker _invoker;

    private GrpcChannel(Uri address, GrpcChannelOptions options, HttpMessageInvoker invoker)
    {
        Address = address;
        Options = options;
        _invoker = invoker;
    }

    /// <summary>The server's base address.</summary>
    public Uri Address { get; }

    internal GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker => _invoker;

    /// <summary>Creates a channel to <paramref name="address"/> (<c>http://host:port</c> or <c>https://host:port</c>).</summary>
    /// <exception cref="ArgumentException">The address is not absolute http/https, or an option is invalid.</exception>
    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The address '{address}' must be an absolute http:// or https:// URI.", nameof(address));
        }

        options ??= new GrpcChannelOptions();
        options.Validate();
        HttpMessageHandler handler = options.HttpHandler ?? CreateHandler(options);
        return new GrpcChannel(address, options, new HttpMessageInvoker(handler, disposeHandler: options.HttpHandler is null));
    }

    /// <summary>Creates a channel to <paramref name="address"/>.</summary>
    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) => ForAddress(new Uri(address, UriKind.Absolute), options);

    /// <summary>Starts a unary call.</summary>
    public AsyncUnaryCall<TResponse> UnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ClientCall<TRequest, TResponse> call = Start(method, MethodType.Unary, request, options);
        return new AsyncUnaryCall<TResponse>(call, call.ReadSingleResponseAsync());
    }

    /// <summary>Starts a client-streaming call: write requests to <c>RequestStream</c>, complete it, then await the response.</summary>
    public AsyncClientStreamingCall<TRequest, TResponse> ClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ClientCall<TRequest, TResponse> call = Start(method, MethodType.ClientStreaming, null, options);
        return new AsyncClientStreamingCall<TRequest, TResponse>(call, call.ReadSingleResponseAsync());
    }

    /// <summary>Starts a server-streaming call.</summary>
    public AsyncServerStreamingCall<TResponse> ServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ClientCall<TRequest, TResponse> call = Start(method, MethodType.ServerStreaming, request, options);
        return new AsyncServerStreamingCall<TResponse>(call);
    }

    /// <summary>Starts a bidirectional-streaming call.</summary>
    public AsyncDuplexStreamingCall<TRequest, TResponse> DuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ClientCall<TRequest, TResponse> call = Start(method, MethodType.DuplexStreaming, null, options);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call);
    }

    /// <inheritdoc />
    public void Dispose() => _invoker.Dispose();

    private ClientCall<TRequest, TResponse> Start<TRequest, TResponse>(Method<TRequest, TResponse> method, MethodType expected, TRequest? request, CallOptions options)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.Type != expected)
        {
            throw new ArgumentException($"Method {method.FullName} is {method.Type}, not {expected}.", nameof(method));
        }

        if (expected is MethodType.Unary or MethodType.ServerStreaming)
        {
            ArgumentNullException.ThrowIfNull(request);
        }

        if (options.RequestCompression is { } rc && !GrpcProtocol.IsSupportedEncoding(rc))
        {
            throw new ArgumentException($"Unsupported request compression '{rc}': use 'gzip' or null.", nameof(options));
        }

        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        call.Start(request);
        return call;
    }

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        };
        if (options.KeepAlivePingDelay is { } delay)
        {
            handler.KeepAlivePingDelay = delay;
            handler.KeepAlivePingTimeout = options.KeepAlivePingTimeout;
            handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests;
        }

        if (options.InitialStreamWindowSize is { } window)
        {
            handler.InitialHttp2StreamWindowSize = window;
        }

        X509Certificate2? authority = options.ServerCertificateAuthority;
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = SslProtocols.Tls13,
            ClientCertificates = options.ClientCertificate is { } cert ? new X509CertificateCollection { cert } : null,
            RemoteCertificateValidationCallback = authority is null
                ? null
                : (_, certificate, _, errors) =>
                    (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                    && CertificateAuthority.ChainsTo(certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())), authority, X509KeyUsageForPeer.ServerAuthentication),
        };
        return handler;
    }
}
