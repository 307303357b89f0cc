namespace SecAgg.Transport;

/// <summary>
/// A call ended with a non-OK status. Thrown by client calls; thrown by a server handler to answer
/// with that status (and <see cref="Trailers"/>).
/// </summary>
public sealed class RpcException : Exception
{
    /// <summary>Creates an exception carrying <paramref name="status"/> and no trailers.</summary>
    public RpcException(Status status)
        : this(status, new Metadata(), null)
    {
    }

    /// <summary>Creates an exception carrying <paramref name="status"/> and <paramref name="trailers"/>.</summary>
    public RpcException(Status status, Metadata trailers)
        : this(status, trailers, null)
    {
    }

    /// <summary>Creates an exception carrying <paramref name="status"/>, <paramref name="trailers"/> and an explicit message.</summary>
    public RpcException(Status status, Metadata trailers, string? message)
        : base(message ?? status.ToString(), status.DebugException)
    {
        ArgumentNullException.ThrowIfNull(trailers);
        Status = status;
        Trailers = trailers;
    }

    /// <summary>The status of the call.</summary>
    public Status Status { get; }

    /// <summary>The status code of the call (shorthand for <c>Status.StatusCode</c>).</summary>
    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>The trailing metadata (received from the server, or to send from a handler).</summary>
    public Metadata Trailers { get; }
}
