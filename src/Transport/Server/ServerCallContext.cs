using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace SecAgg.Transport;

/// <summary>What a server handler knows about its call: metadata, deadline, cancellation and the peer.</summary>
public sealed class ServerCallContext
{
    private readonly HttpContext _http;
    private PeerIdentity? _peerIdentity;

    internal ServerCallContext(HttpContext http, string method, Metadata requestHeaders, DateTime? deadline, CancellationToken cancellationToken)
    {
        _http = http;
        Method = method;
        RequestHeaders = requestHeaders;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>The called method's path, <c>/{service}/{method}</c>.</summary>
    public string Method { get; }

    /// <summary>The request metadata (custom headers; binary <c>-bin</c> entries decoded).</summary>
    public Metadata RequestHeaders { get; }

    /// <summary>Metadata sent as trailers with the status (also on errors).</summary>
    public Metadata ResponseTrailers { get; } = new();

    /// <summary>The call's deadline (UTC) from the client's <c>grpc-timeout</c>; null for none.</summary>
    public DateTime? Deadline { get; }

    /// <summary>Cancelled when the client cancels (RST_STREAM), the connection drops, or the deadline passes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The remote endpoint, e.g. <c>ipv4:127.0.0.1:51234</c>.</summary>
    public string Peer => _http.Connection.RemoteIpAddress is { } ip
        ? $"{(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4")}:{ip}:{_http.Connection.RemotePort}"
        : "unknown";

    /// <summary>The client certificate of a mutual-TLS connection (already validated against the CA); null otherwise.</summary>
    public X509Certificate2? ClientCertificate => _http.Connection.ClientCertificate;

    /// <summary>The authenticated peer identity from the client certificate; null without mutual TLS.</summary>
    public PeerIdentity? PeerIdentity => _peerIdentity ??= ClientCertificate is { } c ? PeerIdentity.FromCertificate(c) : null;

    internal Metadata? ResponseHeaders { get; private set; }

    internal bool ResponseHeadersSent { get; set; }

    /// <summary>
    /// Sends response headers (metadata) now. Optional: headers go out with the first message or
    /// the status otherwise. At most once, before the first response message.
    /// </summary>
    public Task WriteResponseHeadersAsync(Metadata headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (ResponseHeadersSent || ResponseHeaders is not null)
        {
            throw new InvalidOperationException("Response headers can only be written once, before the first response message.");
        }

        ResponseHeaders = headers;
        return ResponseHeadersFlush is { } flush ? flush() : Task.CompletedTask;
    }

    internal Func<Task>? ResponseHeadersFlush { get; set; }

    internal HttpContext HttpContext => _http;
}
