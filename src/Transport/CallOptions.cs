namespace SecAgg.Transport;

/// <summary>Per-call options for client calls.</summary>
public readonly record struct CallOptions
{
    /// <summary>Request metadata sent as HTTP/2 headers.</summary>
    public Metadata? Headers { get; init; }

    /// <summary>The absolute deadline (UTC). Sent as <c>grpc-timeout</c> and enforced locally; null for none.</summary>
    public DateTime? Deadline { get; init; }

    /// <summary>Cancels the call (the server sees RST_STREAM and its handler's token is cancelled).</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Compress request messages with this encoding (<c>gzip</c>); null uses the channel default.</summary>
    public string? RequestCompression { get; init; }
}
