using System.Security.Cryptography.X509Certificates;

namespace SecAgg.Transport;

/// <summary>Options of a gRPC server (limits, compression, HTTP/2 settings, TLS).</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted (bytes, after decompression); larger ones fail the call with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message a handler may send; larger ones fail the call with RESOURCE_EXHAUSTED. Default unlimited.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>Compress response messages with this encoding (<c>gzip</c>) when the client accepts it; null (default) sends them uncompressed.</summary>
    public string? ResponseCompression { get; set; }

    /// <summary>Whether the message of an unexpected handler exception is sent to the client (default false: "Exception was thrown by handler.").</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>HTTP/2 connection flow-control window (bytes); null keeps Kestrel's default (1 MiB).</summary>
    public int? InitialConnectionWindowSize { get; set; }

    /// <summary>HTTP/2 per-stream flow-control window (bytes); null keeps Kestrel's default (768 KiB).</summary>
    public int? InitialStreamWindowSize { get; set; }

    /// <summary>Send an HTTP/2 PING after this much inactivity; null disables server keepalive pings.</summary>
    public TimeSpan? KeepAlivePingDelay { get; set; }

    /// <summary>Close the connection when a keepalive PING is not answered within this time (default 20 s).</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Most concurrent streams per HTTP/2 connection (Kestrel default 100).</summary>
    public int MaxStreamsPerConnection { get; set; } = 100;

    /// <summary>The server certificate (with its private key); null serves cleartext HTTP/2 (h2c).</summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>
    /// The consortium CA: when set (requires <see cref="ServerCertificate"/>), every client must present a
    /// certificate issued by it (mutual TLS); others are refused during the TLS handshake.
    /// </summary>
    public X509Certificate2? ClientCertificateAuthority { get; set; }

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

        if (ResponseCompression is not null && !Internal.GrpcProtocol.IsSupportedEncoding(ResponseCompression))
        {
            throw new ArgumentException($"Unsupported response compression '{ResponseCompression}': use 'gzip' or null.", nameof(ResponseCompression));
        }

        if (ClientCertificateAuthority is not null && ServerCertificate is null)
        {
            throw new ArgumentException("Mutual TLS needs a ServerCertificate as well as the ClientCertificateAuthority.", nameof(ServerCertificate));
        }

        if (ServerCertificate is not null && !ServerCertificate.HasPrivateKey)
        {
            throw new ArgumentException("The server certificate has no private key.", nameof(ServerCertificate));
        }
    }
}
