namespace SecAgg.Participant.Client;

/// <summary>HTTP/2 settings of a channel to the aggregator (<see cref="AggregatorChannel"/>).</summary>
public sealed record AggregatorChannelOptions
{
    /// <summary>Largest message accepted from the aggregator (default 64 MiB; a decryption request carries one c1).</summary>
    public int MaxReceiveMessageSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>Send an HTTP/2 PING after this much inactivity while calls are active (default 30 s); null sends none.</summary>
    public TimeSpan? KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Consider the connection dead when a keepalive PING is not answered within this time (default 20 s).</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// HTTP/2 per-stream receive window in bytes (what bounds a download at window / round-trip time); null keeps the
    /// .NET default. Uploads are bounded by the aggregator's window (AggregatorHostOptions.InitialStreamWindowSize).
    /// </summary>
    public int? InitialStreamWindowSize { get; init; }

    /// <summary>How long opening a connection (TCP and TLS) may take (default 30 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline of a call that sets none (default 5 minutes); null leaves such calls without a deadline.</summary>
    public TimeSpan? DefaultCallDeadline { get; init; } = TimeSpan.FromMinutes(5);
}
