using System.Security.Cryptography.X509Certificates;

namespace SecAgg.Transport;

/// <summary>Options of a client channel (limits, compression, HTTP/2 settings, TLS).</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted (bytes, after decompression); larger: the call fails with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest request message sent; larger: the write fails with RESOURCE_EXHAUSTED. Default unlimited.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>Compress request messages with this encoding (<c>gzip</c>); null sends them uncompressed. Overridable per call.</summary>
    public string? RequestCompression { get; set; }

    /// <summary>The client certificate (with private key) for mutual TLS; null sends none.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>The CA the server's certificate must chain to (the consortium CA); null uses the system trust store.</summary>
    public X509Certificate2? ServerCertificateAuthority { get; set; }

    /// <summary>Send an HTTP/2 PING after this much inactivity on a connection with active calls; null disables keepalive pings.</summary>
    public TimeSpan? KeepAlivePingDelay { get; set; }

    /// <summary>Close the connection when a keepalive PING is not answered within this time (default 20 s).</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>HTTP/2 per-stream receive window (bytes); null keeps the .NET default. The connection window of the .NET client is managed dynamically.</summary>
    public int? InitialStreamWindowSize { get; set; }

    /// <summary>How long to wait for a TCP + TLS connection (default 15 s); past it the call fails with UNAVAILABLE.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A custom HTTP handler (e.g. an in-memory test server's); when set, the TLS, keepalive and window options are not applied.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    internal void Validate()
    {
        if (MaxReceiveMessageSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxReceiveMessageSize), MaxReceiveMessageSize, "Must be positive.");
        }

        if (MaxSendMessageSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSendMessageSize), MaxSendMessageSize, "Must be positive.");
        }

        if (RequestCompression is not null && !Internal.GrpcProtocol.IsSupportedEncoding(RequestCompression))
        {
            throw new ArgumentException($"Unsupported request compression '{RequestCompression}': use 'gzip' or null.", nameof(RequestCompression));
        }

        if (ClientCertificate is { HasPrivateKey: false })
        {
            throw new ArgumentException("The client certificate has no private key.", nameof(ClientCertificate));
        }

        if (InitialStreamWindowSize is < 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialStreamWindowSize), InitialStreamWindowSize, "The HTTP/2 stream window is at least 65535 bytes.");
        }
    }
}
