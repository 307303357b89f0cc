namespace SecAgg.Transport;

/// <summary>The outcome of a call: a <see cref="StatusCode"/> and a human-readable detail message.</summary>
/// <param name="StatusCode">The status code.</param>
/// <param name="Detail">The detail message (sent percent-encoded in <c>grpc-message</c>; any Unicode text round-trips).</param>
public readonly record struct Status(StatusCode StatusCode, string Detail)
{
    /// <summary>The successful status.</summary>
    public static readonly Status DefaultSuccess = new(StatusCode.OK, "");

    /// <summary>The status of a call cancelled by the caller.</summary>
    public static readonly Status DefaultCancelled = new(StatusCode.Cancelled, "");

    /// <summary>The exception that caused this status on the local side, if any (never sent over the wire).</summary>
    public Exception? DebugException { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")";
}
